import { log } from "../shared/log.ts";
import { type ConnectionRegistry, EXPIRY_BUCKET_SECONDS, MAX_CONNECTION_SECONDS } from "../shared/registry.ts";
import type { Connections } from "../shared/management-api.ts";

/**
 * Far enough back to reach every live connection: API Gateway closes each after 2 h and the authoriser never
 * admits an expired token, so an `exp` older than that belongs to no open connection (TTL removes its item).
 */
export const SWEEP_LOOKBACK_SECONDS = MAX_CONNECTION_SECONDS + EXPIRY_BUCKET_SECONDS;
const CONCURRENCY = 16;

export interface SweepResult {
  /** Expired keys the index returned. */
  readonly candidates: number;
  /** Told why, then closed. */
  readonly closed: number;
  /** Already gone at API Gateway (DeleteConnection answered 410): the item was removed. */
  readonly gone: number;
  /** Refreshed since the index was written, or already removed: left alone. */
  readonly skipped: number;
  readonly failed: number;
}

export interface SweepDependencies {
  readonly registry: Pick<ConnectionRegistry, "expired" | "lookup" | "removeIfExp" | "restore">;
  /** The Management API of the connection's own API, from its registry item. */
  readonly connectionsAt: (endpoint: string) => Connections;
  /** Lambda's id for this run, on every log line. */
  readonly awsRequestId?: string;
}

type Outcome = "closed" | "gone" | "skipped" | "failed";

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : "unknown";
}

async function closeOne(connectionId: string, nowSeconds: number, deps: SweepDependencies): Promise<Outcome> {
  const ids = { awsRequestId: deps.awsRequestId, connectionId };
  // The index is eventually consistent: the item itself says whether a refresh moved exp since.
  const record = await deps.registry.lookup(connectionId);
  if (record === undefined || record.exp > nowSeconds) return "skipped";
  // The claim: the item goes only if exp is still what was read, so a refresh landing since then wins.
  if (!(await deps.registry.removeIfExp(connectionId, record.exp))) return "skipped";
  const connections = deps.connectionsAt(record.endpoint);
  let closed: boolean;
  try {
    // Telling why is a courtesy; the close is the bound, and happens whatever became of the message.
    await connections
      .post(connectionId, JSON.stringify({ type: "error", error: "token_expired", exp: record.exp }))
      .catch((err: unknown) =>
        log("WARN", "token_expired not delivered; closing anyway", { ...ids, error: errorText(err) }),
      );
    closed = await connections.close(connectionId);
  } catch (err) {
    // Still open: put the item back, so that the next sweep finds it and tries again.
    await deps.registry.restore(record);
    throw err;
  }
  log("INFO", closed ? "expired connection closed" : "expired connection already gone", {
    ...ids,
    sub: record.sub,
    exp: record.exp,
  });
  return closed ? "closed" : "gone";
}

/**
 * Close every connection whose token expired at or before `nowSeconds`: claim its item (a conditional delete),
 * then tell it why, then DeleteConnection.
 */
export async function sweep(deps: SweepDependencies, nowSeconds: number = Date.now() / 1000): Promise<SweepResult> {
  const counts: Record<Outcome, number> = { closed: 0, gone: 0, skipped: 0, failed: 0 };
  let candidates = 0;
  const running = new Set<Promise<void>>();
  for await (const candidate of deps.registry.expired(nowSeconds, SWEEP_LOOKBACK_SECONDS)) {
    candidates += 1;
    const task = closeOne(candidate.connectionId, nowSeconds, deps)
      .catch((err: unknown) => {
        log("ERROR", "closing an expired connection failed; the next sweep retries", {
          awsRequestId: deps.awsRequestId,
          connectionId: candidate.connectionId,
          error: errorText(err),
        });
        return "failed" as const;
      })
      .then((outcome) => {
        counts[outcome] += 1;
      });
    running.add(task);
    void task.finally(() => running.delete(task));
    if (running.size >= CONCURRENCY) await Promise.race(running);
  }
  await Promise.all(running);
  const result = { candidates, ...counts };
  log("INFO", "sweep done", { awsRequestId: deps.awsRequestId, ...result });
  return result;
}
