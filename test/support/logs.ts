import { logSink } from "../../functions/shared/log.ts";

/** Send the functions' log lines (one JSON object each) to `onLine` instead of stdout; call the result to undo. */
export function captureLogSink(onLine: (line: string) => void): () => void {
  const original = logSink.write;
  logSink.write = (chunk: string): void => {
    for (const line of chunk.split("\n")) if (line !== "") onLine(line);
  };
  return () => {
    logSink.write = original;
  };
}

/** Every log line a test run saw, so a suite can check that none holds a token. */
export class LogCollector {
  readonly lines: string[] = [];

  readonly collect = (line: string): void => {
    this.lines.push(line);
  };

  /** Lines that contain any of the secrets, or any of their signature segments. */
  leaking(secrets: readonly string[]): string[] {
    const needles = secrets.flatMap((token) => [
      token,
      ...token
        .split(".")
        .slice(2)
        .filter((part) => part.length >= 16),
    ]);
    return this.lines.filter((line) => needles.some((needle) => line.includes(needle)));
  }

  parsed(): Record<string, unknown>[] {
    return this.lines.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }
}
