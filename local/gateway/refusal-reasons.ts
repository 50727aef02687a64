// Dev only: the authoriser's own reason for a refused $connect (expired, wrong_audience...), read from its log
// line, so the local gateway can hand it to the client instead of a bare 401. API Gateway never does this.

/** Log lines of the authoriser that name a reason; the token is never in them (the authoriser logs none). */
const REFUSALS = new Set(["connection refused", "connection denied"]);
const KEEP = 1000;

export class RefusalReasons {
  private readonly reasons = new Map<string, string>();
  private readonly waiters = new Map<string, (reason: string) => void>();

  /** Feed every log line of the authoriser; lines that are not refusals are ignored. */
  observe(line: string): void {
    let entry: { message?: unknown; reason?: unknown; connectionId?: unknown };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      return;
    }
    if (typeof entry !== "object" || entry === null || !REFUSALS.has(String(entry.message))) return;
    if (typeof entry.reason !== "string" || typeof entry.connectionId !== "string") return;
    const waiter = this.waiters.get(entry.connectionId);
    if (waiter) {
      this.waiters.delete(entry.connectionId);
      waiter(entry.reason);
      return;
    }
    this.reasons.set(entry.connectionId, entry.reason);
    if (this.reasons.size > KEEP) this.reasons.delete(this.reasons.keys().next().value as string);
  }

  /**
   * The reason logged for this connection, waiting up to waitMs: the log line comes over the container's stdout,
   * which may arrive after its result.
   */
  async take(connectionId: string, waitMs = 200): Promise<string | undefined> {
    const known = this.reasons.get(connectionId);
    if (known !== undefined) {
      this.reasons.delete(connectionId);
      return known;
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(connectionId);
        resolve(undefined);
      }, waitMs);
      this.waiters.set(connectionId, (reason) => {
        clearTimeout(timer);
        resolve(reason);
      });
    });
  }
}
