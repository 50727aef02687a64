import type { APIGatewayProxyResultV2, Context } from "aws-lambda";
import { ConnectionRegistry } from "../shared/registry.ts";
import { parseRegistryConfig } from "../shared/registry-config.ts";
import { type ConnectEvent, handleConnect } from "./handle-connect.ts";

export { selectSubprotocol } from "./handle-connect.ts";

// Init: a missing or bad CONNECTIONS_TABLE fails here, naming the variable.
const registry = new ConnectionRegistry(parseRegistryConfig(process.env));

export async function handler(event: ConnectEvent, context?: Context): Promise<APIGatewayProxyResultV2> {
  return handleConnect(event, registry, process.env.AWS_REGION, context?.awsRequestId);
}
