import type { Context } from "aws-lambda";
import { connectionsFor } from "../shared/management-api.ts";
import { ConnectionRegistry } from "../shared/registry.ts";
import { parseRegistryConfig } from "../shared/registry-config.ts";
import { sweep, type SweepResult } from "./sweep.ts";

const registry = new ConnectionRegistry(parseRegistryConfig(process.env));

/** EventBridge schedule (every minute by default): the event carries nothing the sweep needs. */
export async function handler(_event?: unknown, context?: Context): Promise<SweepResult> {
  return sweep({ registry, connectionsAt: connectionsFor, ...(context ? { awsRequestId: context.awsRequestId } : {}) });
}
