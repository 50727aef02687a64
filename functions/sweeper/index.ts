import type { Context } from "aws-lambda";
import { connectionsFor } from "../shared/management-api.ts";
import { ConnectionRegistry } from "../shared/registry.ts";
import { parseRegistryConfig } from "../shared/registry-config.ts";
import { parseSweeperConfig } from "./config.ts";
import { gaugeDue, recordActiveConnections } from "./gauge.ts";
import { sweep, type SweepResult } from "./sweep.ts";

// Init: a bad CONNECTIONS_TABLE, REAUTH_WARNING_SECONDS or SWEEP_INTERVAL_SECONDS fails here, naming the variable.
const registryConfig = parseRegistryConfig(process.env);
const config = parseSweeperConfig(process.env);
const registry = new ConnectionRegistry(registryConfig);
let gaugeCountedAt: number | undefined;

/** EventBridge schedule (every minute by default): the event carries nothing the sweep needs. */
export async function handler(
  _event?: unknown,
  context?: Context,
): Promise<SweepResult & { readonly active?: number }> {
  const awsRequestId = context?.awsRequestId;
  const result = await sweep({
    registry,
    connectionsAt: connectionsFor,
    reauthWarningSeconds: config.reauthWarningSeconds,
    metricsTable: registryConfig.tableName,
    ...(awsRequestId === undefined ? {} : { awsRequestId }),
  });
  // After the sweep: the connections it just closed are no longer counted.
  if (!gaugeDue(gaugeCountedAt, Date.now())) return result;
  gaugeCountedAt = Date.now();
  const active = await recordActiveConnections(registry, registryConfig.tableName, awsRequestId);
  return active === undefined ? result : { ...result, active };
}
