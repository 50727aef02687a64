// CloudWatch Embedded Metric Format (EMF): one JSON line per metric set on stdout, which CloudWatch Logs turns into
// metrics. No API call, no grant beyond the log group's, nothing done at import.
import { WsAuthError } from "./errors.ts";
import { logSink } from "./log.ts";

/** Where every metric of this project goes. */
export const METRICS_NAMESPACE = "WsAuth";

/** The CloudWatch units this project uses (a subset of the ones CloudWatch accepts). */
export type MetricUnit = "Count" | "Seconds" | "Milliseconds" | "None";

export interface MetricValue {
  readonly value: number;
  readonly unit: MetricUnit;
}

/** Dimension name to value: one dimension set, so every metric of the line is recorded under exactly these. */
export type MetricDimensions = Readonly<Record<string, string>>;

// The specification's limits: 100 metrics per directive, 30 dimensions per set, names of 1 to 255 characters;
// CloudWatch takes dimension values of 1 to 1,024 characters.
const MAX_METRICS = 100;
const MAX_DIMENSIONS = 30;
const MAX_NAME_LENGTH = 255;
const MAX_DIMENSION_VALUE_LENGTH = 1024;
// Names that would collide with the document's own members.
const RESERVED_NAMES = new Set(["_aws"]);

export class MetricsError extends WsAuthError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "MetricsError";
  }
}

function checkName(kind: string, name: string): void {
  if (name.length === 0 || name.length > MAX_NAME_LENGTH || RESERVED_NAMES.has(name)) {
    throw new MetricsError(`${kind} name must be 1 to ${MAX_NAME_LENGTH} characters and not "_aws": got "${name}"`);
  }
}

/**
 * The EMF document for one metric set, as one line (with its newline). Metric values that are not finite numbers
 * are left out (CloudWatch would drop them, and JSON cannot hold them); names and dimensions are our own
 * constants, so a bad one throws a MetricsError where a unit test sees it.
 */
export function emfLine(
  metrics: Readonly<Record<string, MetricValue>>,
  dimensions: MetricDimensions = {},
  timestampMs: number = Date.now(),
): string {
  const dimensionNames = Object.keys(dimensions);
  if (dimensionNames.length > MAX_DIMENSIONS) {
    throw new MetricsError(`at most ${MAX_DIMENSIONS} dimensions per metric set: got ${dimensionNames.length}`);
  }
  const document: Record<string, unknown> = {};
  for (const name of dimensionNames) {
    checkName("dimension", name);
    const value = dimensions[name] as string;
    if (value.length === 0 || value.length > MAX_DIMENSION_VALUE_LENGTH) {
      throw new MetricsError(`dimension ${name} must have a value of 1 to ${MAX_DIMENSION_VALUE_LENGTH} characters`);
    }
    document[name] = value;
  }
  const definitions: { Name: string; Unit: MetricUnit }[] = [];
  for (const [name, metric] of Object.entries(metrics)) {
    checkName("metric", name);
    if (name in dimensions) throw new MetricsError(`metric ${name} has the name of a dimension`);
    if (!Number.isFinite(metric.value)) continue;
    definitions.push({ Name: name, Unit: metric.unit });
    document[name] = metric.value;
  }
  if (definitions.length > MAX_METRICS) {
    throw new MetricsError(`at most ${MAX_METRICS} metrics per metric set: got ${definitions.length}`);
  }
  const aws = {
    Timestamp: Math.floor(timestampMs),
    CloudWatchMetrics: [{ Namespace: METRICS_NAMESPACE, Dimensions: [dimensionNames], Metrics: definitions }],
  };
  return `${JSON.stringify({ _aws: aws, ...document })}\n`;
}

/**
 * Write one metric set through the log sink. Always written, whatever the log level: metrics are not diagnostics.
 * A set whose every value was left out writes nothing.
 */
export function emitMetrics(
  metrics: Readonly<Record<string, MetricValue>>,
  dimensions: MetricDimensions = {},
  timestampMs: number = Date.now(),
): void {
  if (!Object.values(metrics).some((metric) => Number.isFinite(metric.value))) return;
  logSink.write(emfLine(metrics, dimensions, timestampMs));
}

/** A count of one: an event happened once. */
export function count(value = 1): MetricValue {
  return { value, unit: "Count" };
}
