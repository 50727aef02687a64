import { recordTableMetrics } from "../shared/connection-metrics.ts";
import { log } from "../shared/log.ts";
import type { ConnectionRegistry } from "../shared/registry.ts";

/**
 * About one count a minute (CloudWatch's standard resolution): in AWS every sweep at rate(1 minute) (50 s, so that
 * EventBridge's jitter skips none); locally, with sweeps every second, the 145 Queries do not run every second.
 */
export const GAUGE_PERIOD_MS = 50_000;

/** Whether a count is due: none yet in this container, or the last one a period ago. */
export function gaugeDue(lastCountedMs: number | undefined, nowMs: number): boolean {
  return lastCountedMs === undefined || nowMs - lastCountedMs >= GAUGE_PERIOD_MS;
}

/**
 * The active-connections gauge, made on each sweep: CloudWatch cannot sum +1/-1 counts into a level, and the
 * table's ItemCount is hours old. A COUNT over the expiry buckets that can hold a live item (README, "Connection
 * metrics", for what it costs). A failed count is logged and leaves a gap in the metric, never fails the sweep.
 */
export async function recordActiveConnections(
  registry: Pick<ConnectionRegistry, "countLive">,
  table: string,
  awsRequestId?: string,
  nowSeconds: number = Date.now() / 1000,
): Promise<number | undefined> {
  try {
    const { count, queries } = await registry.countLive(nowSeconds);
    recordTableMetrics(table, { ActiveConnections: { value: count, unit: "Count" } });
    log("INFO", "active connections counted", { awsRequestId, active: count, queries });
    return count;
  } catch (err) {
    log("ERROR", "counting active connections failed", {
      awsRequestId,
      error: err instanceof Error ? err.message : "unknown",
    });
    return undefined;
  }
}
