import { connectionsFor } from "../message/connections.ts";
import { ConnectionRegistry } from "../shared/registry.ts";
import { parseRegistryConfig } from "../shared/registry-config.ts";
import { sweep, type SweepResult } from "./sweep.ts";

const registry = new ConnectionRegistry(parseRegistryConfig(process.env));

/** EventBridge schedule (every minute by default): the event carries nothing the sweep needs. */
export async function handler(): Promise<SweepResult> {
  return sweep({ registry, connectionsAt: connectionsFor });
}
