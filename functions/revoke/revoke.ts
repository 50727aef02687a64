import { log } from "../shared/log.ts";
import { type Connections, managementDeadlineMs } from "../shared/management-api.ts";
import type { ConnectionRegistry, RevocationTarget } from "../shared/registry.ts";

/** What each connection is told before its close: the client library stops reconnecting with its token on it. */
export const REVOKED_MESSAGE = JSON.stringify({ type: "revoked" });
const CONCURRENCY = 16;
/** No new connection is claimed with less than this left of the invocation: what is in flight ends within it. */
export const STOP_MARGIN_MS = 2_000;
/** A floor for one Management API call's deadline, so a close late in the invocation still gets a chance. */
const MIN_CALL_MS = 200;

export interface RevokeResult {
  /** Told `revoked`, then closed. */
  readonly closed: number;
  /** Already closed at API Gateway (410): the item was removed. */
  readonly gone: number;
  /** DeleteConnection failed: the item was put back, and `more` is true so that a retry finds it. */
  readonly failed: number;
  /** Some of the target's connections may remain: invoke again with the same payload. */
  readonly more: boolean;
}

export interface RevokeDependencies {
  readonly registry: Pick<ConnectionRegistry, "connectionPage" | "removeOwned" | "restore">;
  /** The Management API at a connection's own endpoint, each call ending within `deadlineMs`. */
  readonly connectionsAt: (endpoint: string, deadlineMs: number) => Connections;
  /** What is left of the invocation (Lambda's getRemainingTimeInMillis). */
  readonly remainingMs: () => number;
  readonly awsRequestId?: string | undefined;
}

type Outcome = "closed" | "gone" | "skipped" | "failed";

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : "unknown";
}

async function revokeOne(connectionId: string, target: RevocationTarget, deps: RevokeDependencies): Promise<Outcome> {
  // The claim: the item goes only while it is still the target's (the index lags), and says where to close it.
  const record = await deps.registry.removeOwned(connectionId, target);
  if (record === undefined) return "skipped";
  // Post and close both fit in what is left: the invocation never ends with the item gone and the connection open.
  const budget = Math.max(MIN_CALL_MS, Math.floor((deps.remainingMs() - 500) / 2));
  const connections = deps.connectionsAt(record.endpoint, Math.min(managementDeadlineMs(record.endpoint), budget));
  let closed: boolean;
  try {
    // Best effort, never retried once it may have reached the service; the close happens whatever became of it.
    await connections.post(connectionId, REVOKED_MESSAGE).catch((err: unknown) =>
      log("WARN", "revoked not delivered; closing anyway", {
        awsRequestId: deps.awsRequestId,
        connectionId,
        error: errorText(err),
      }),
    );
    closed = await connections.close(connectionId);
  } catch (err) {
    // Still open: the item goes back, so that the next revoke (or the sweeper, at exp) finds it.
    await deps.registry.restore(record);
    throw err;
  }
  return closed ? "closed" : "gone";
}

export interface RevokeRun extends RevokeResult {
  /** The connections closed or found gone, for the audit line. */
  readonly connectionIds: readonly string[];
}

/**
 * Close the target's connections, at most `limit` index entries and only while time is left: claim each item (a
 * conditional delete), tell the connection `revoked`, DeleteConnection. Idempotent: what is closed is gone from
 * the registry, so a repeat finds nothing and answers 0.
 */
export async function revokeConnections(
  target: RevocationTarget,
  limit: number,
  deps: RevokeDependencies,
): Promise<RevokeRun> {
  const counts: Record<Outcome, number> = { closed: 0, gone: 0, skipped: 0, failed: 0 };
  const connectionIds: string[] = [];
  const running = new Set<Promise<void>>();
  let seen = 0;
  let more = false;
  let startKey: Awaited<ReturnType<RevokeDependencies["registry"]["connectionPage"]>>["next"];
  pages: do {
    if (deps.remainingMs() < STOP_MARGIN_MS) {
      more = true;
      break;
    }
    const page = await deps.registry.connectionPage(target, limit - seen, startKey);
    for (const connectionId of page.connectionIds) {
      if (deps.remainingMs() < STOP_MARGIN_MS) {
        more = true;
        break pages;
      }
      seen += 1;
      const task = revokeOne(connectionId, target, deps)
        .catch((err: unknown) => {
          log("ERROR", "closing a revoked connection failed; its item stays in the registry for a retry", {
            awsRequestId: deps.awsRequestId,
            connectionId,
            error: errorText(err),
          });
          return "failed" as const;
        })
        .then((outcome) => {
          counts[outcome] += 1;
          if (outcome === "closed" || outcome === "gone") connectionIds.push(connectionId);
        });
      running.add(task);
      void task.finally(() => running.delete(task));
      if (running.size >= CONCURRENCY) await Promise.race(running);
    }
    startKey = page.next;
    if (startKey !== undefined && seen >= limit) {
      more = true;
      break;
    }
  } while (startKey !== undefined);
  await Promise.all(running);
  return {
    closed: counts.closed,
    gone: counts.gone,
    failed: counts.failed,
    more: more || counts.failed > 0,
    connectionIds,
  };
}
