// One JSON object per line on stdout: readable as-is under Lambda's JSON log format and locally.
export type LogLevel = "DEBUG" | "INFO" | "WARN" | "ERROR";

export type LogFields = Record<string, string | number | boolean | null | undefined | string[]>;

const LEVEL_ORDER: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40 };

// AWS_LAMBDA_LOG_LEVEL is set by Lambda when the function uses the JSON log format with an application log level.
const threshold =
  LEVEL_ORDER[(process.env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase() as LogLevel) ?? "INFO"] ?? LEVEL_ORDER.INFO;

/** Where lines go; tests replace `write` to read what was logged. */
export const logSink = {
  write(line: string): void {
    process.stdout.write(line);
  },
};

export function log(level: LogLevel, message: string, fields: LogFields = {}): void {
  if (LEVEL_ORDER[level] < threshold) return;
  logSink.write(`${JSON.stringify({ timestamp: new Date().toISOString(), level, message, ...fields })}\n`);
}
