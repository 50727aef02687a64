// One JSON object per line on stdout: readable as-is under Lambda's JSON log format and locally.
import { utcFields } from "./utc-time.ts";

// Not `import ... from "node:fs"`: the bundle would wrap the module in esbuild's CommonJS interop, which copies every
// property of fs and so loads what its lazy ones point at (fs.Dir...): ~0.4 ms of every function's init.
const { writeSync } = process.getBuiltinModule("node:fs");

export type LogLevel = "DEBUG" | "INFO" | "WARN" | "ERROR";

export type LogFields = Record<string, string | number | boolean | null | undefined | string[]>;

const LEVEL_ORDER: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40 };

// AWS_LAMBDA_LOG_LEVEL is set by Lambda when the function uses the JSON log format with an application log level.
const threshold =
  LEVEL_ORDER[(process.env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase() as LogLevel) ?? "INFO"] ?? LEVEL_ORDER.INFO;

/** Where a line goes when fd 1 cannot take it whole at once. */
export interface LineStream {
  write(chunk: string | Uint8Array): unknown;
}

/**
 * A line writer for stdout whose first write is cheap: one write(2) on fd 1, instead of process.stdout, which on a
 * pipe (as in Lambda) builds a stream on first use (1-3 ms). A pipe left non-blocking can refuse a write (EAGAIN)
 * or take part of a line; the rest of that line, and every later line, then goes through `fallback()`
 * (process.stdout, which queues until the pipe drains), so no line is lost and none overtakes another.
 */
export function createStdoutWriter(
  writeFd: (fd: number, data: string) => number = writeSync,
  fallback: () => LineStream = () => process.stdout,
): (line: string) => void {
  let stream: LineStream | undefined;
  return (line) => {
    if (stream !== undefined) {
      stream.write(line);
      return;
    }
    let written = 0;
    try {
      written = writeFd(1, line);
    } catch {
      // EAGAIN (a full non-blocking pipe), or anything else: the stream path, as before this writer, takes it.
    }
    if (written === Buffer.byteLength(line)) return;
    stream = fallback();
    stream.write(written === 0 ? line : Buffer.from(line).subarray(written));
  };
}

/** Where lines go; tests replace `write` to read what was logged. */
export const logSink = {
  write: createStdoutWriter(),
};

// The ISO timestamp up to the second, rebuilt once a second: the milliseconds are appended per line.
let stampSecond = Number.NaN;
let stampPrefix = "";

/** `new Date(now).toISOString()`, with the date formatting done once per second. */
export function isoTimestamp(now: number = Date.now()): string {
  const second = Math.floor(now / 1000);
  if (second !== stampSecond) {
    stampSecond = second;
    const [year, month, day, hour, minute, sec] = utcFields(second * 1000);
    stampPrefix = `${year}-${month}-${day}T${hour}:${minute}:${sec}.`;
  }
  const millis = now - second * 1000;
  return `${stampPrefix}${millis < 10 ? "00" : millis < 100 ? "0" : ""}${millis}Z`;
}

export function log(level: LogLevel, message: string, fields: LogFields = {}): void {
  if (LEVEL_ORDER[level] < threshold) return;
  logSink.write(`${JSON.stringify({ timestamp: isoTimestamp(), level, message, ...fields })}\n`);
}
