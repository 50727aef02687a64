import { log } from "../shared/log.ts";
import { count } from "../shared/metrics.ts";
import { recordClosed, recordTableMetrics } from "../shared/connection-metrics.ts";
import {
  type ConnectionRecord,
  type ConnectionRegistry,
  EXPIRY_BUCKET_SECONDS,
  MAX_CONNECTION_SECONDS,
} from "../shared/registry.ts";
import type { Connections } from "../shared/management-api.ts";

/**
 * Far enough back to reach every live connection: API Gateway closes each after 2 h and the authoriser never
 * admits an expired token, so an `exp` older than that belongs to no open connection (TTL removes its item).
 */
export const SWEEP_LOOKBACK_SECONDS = MAX_CONNECTION_SECONDS + EXPIRY_BUCKET_SECONDS;
const CONCURRENCY = 16;

export interface SweepResult {
  /** Keys the index returned: expired, or due for a warning. */
  readonly candidates: number;
  /** Told why, then closed. */
  readonly closed: number;
  /** Already gone at API Gateway (410): an expired one's item was removed; a warned one's waits for its exp. */
  readonly gone: number;
  /** Refreshed since the index was written, already removed, or already warned for that exp: left alone. */
  readonly skipped: number;
  readonly failed: number;
  /** Due for a warning and sent `reauth_required` (once per connection and exp: the item's marker). */
  readonly warned: number;
  /** Due for a warning that could not be sent: the marker was taken back, so the next sweep tries again. */
  readonly warnFailed: number;
}

/** The one message the sweeper sends ahead of `exp`: the client library refreshes on it (client/client.ts). */
export interface ReauthRequired {
  readonly type: "reauth_required";
  readonly exp: number;
}

export interface SweepDependencies {
  readonly registry: Pick<
    ConnectionRegistry,
    "expiring" | "lookup" | "removeIfExp" | "restore" | "markWarned" | "unmarkWarned"
  >;
  /** Send `reauth_required` this long before exp (0: none); at least one sweep interval (config.ts checks). */
  readonly reauthWarningSeconds?: number;
  /** The Management API of the connection's own API, from its registry item. */
  readonly connectionsAt: (endpoint: string) => Connections;
  /** Lambda's id for this run, on every log line. */
  readonly awsRequestId?: string;
  /** The registry's table name: the metrics' dimension. Without it, no metrics are written. */
  readonly metricsTable?: string;
}

type Outcome = "closed" | "gone" | "skipped" | "failed" | "warned" | "warnFailed";

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
 * Claim the warning (the marker, conditional on the exp the index gave), then send it. A connection refreshed since
 * is not marked: its new exp gets its own warning. A send that fails takes the marker back for the next sweep.
 */
async function warnOne(connectionId: string, exp: number, deps: SweepDependencies): Promise<Outcome> {
  let record: ConnectionRecord | undefined;
  let delivered: boolean;
  try {
    record = await deps.registry.markWarned(connectionId, exp);
    if (record === undefined) return "skipped";
    delivered = await deps
      .connectionsAt(record.endpoint)
      .post(connectionId, JSON.stringify({ type: "reauth_required", exp } satisfies ReauthRequired));
  } catch (err) {
    if (record !== undefined) await deps.registry.unmarkWarned(connectionId, exp).catch(() => undefined);
    log("WARN", "reauth_required not sent; the next sweep retries", {
      awsRequestId: deps.awsRequestId,
      connectionId,
      error: errorText(err),
    });
    return "warnFailed";
  }
  log("INFO", delivered ? "reauth_required sent" : "reauth_required not sent: connection gone", {
    awsRequestId: deps.awsRequestId,
    connectionId,
    sub: record.sub,
    exp,
  });
  return delivered ? "warned" : "gone";
}

/**
 * Close every connection whose token expired at or before `nowSeconds`: claim its item (a conditional delete),
 * then tell it why, then DeleteConnection.
 */
export async function sweep(deps: SweepDependencies, nowSeconds: number = Date.now() / 1000): Promise<SweepResult> {
  const counts: Record<Outcome, number> = { closed: 0, gone: 0, skipped: 0, failed: 0, warned: 0, warnFailed: 0 };
  let candidates = 0;
  const running = new Set<Promise<void>>();
  const ahead = deps.reauthWarningSeconds ?? 0;
  // One pass over the index up to now + the window: expired keys are closed, the rest are due for a warning.
  for await (const candidate of deps.registry.expiring(nowSeconds, SWEEP_LOOKBACK_SECONDS, ahead)) {
    candidates += 1;
    const work =
      candidate.exp <= nowSeconds
        ? closeOne(candidate.connectionId, nowSeconds, deps)
        : warnOne(candidate.connectionId, candidate.exp, deps);
    const task = work
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
  if (deps.metricsTable !== undefined) {
    recordClosed(deps.metricsTable, "expiry", counts.closed);
    recordTableMetrics(deps.metricsTable, {
      ReauthWarningsSent: count(counts.warned),
      ReauthWarningsFailed: count(counts.warnFailed),
      SweepCloseFailures: count(counts.failed),
    });
  }
  return result;
}
