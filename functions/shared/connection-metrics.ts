// The live connection metrics (README, "Connection metrics"): every one under the registry's table name, which
// tells stacks apart within an account and region.
import { count, emitMetrics, type MetricValue } from "./metrics.ts";

export const TABLE_DIMENSION = "ConnectionsTable";

/** Why a connection closed: the function that closed it (or saw it close) says which. */
export type CloseReason = "expiry" | "refresh_refused" | "client" | "revocation";

/** $connect registered a connection. */
export function recordOpened(table: string): void {
  emitMetrics({ ConnectionsOpened: count() }, { [TABLE_DIMENSION]: table });
}

/** Connections closed for one reason (a sweep closes many at once). */
export function recordClosed(table: string, reason: CloseReason, closed = 1): void {
  if (closed > 0) emitMetrics({ ConnectionsClosed: count(closed) }, { [TABLE_DIMENSION]: table, Reason: reason });
}

/** Anything else a function counts, under the table alone (the sweeper's warnings and the gauge). */
export function recordTableMetrics(table: string, metrics: Readonly<Record<string, MetricValue>>): void {
  emitMetrics(metrics, { [TABLE_DIMENSION]: table });
}
