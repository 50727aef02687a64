import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2, Context } from "aws-lambda";
import { ConnectionRegistry } from "../shared/registry.ts";
import { parseRegistryConfig } from "../shared/registry-config.ts";
import { handleDisconnect } from "./handle-disconnect.ts";

const registry = new ConnectionRegistry(parseRegistryConfig(process.env));

export async function handler(
  event: APIGatewayProxyWebsocketEventV2,
  context?: Context,
): Promise<APIGatewayProxyResultV2> {
  return handleDisconnect(event, registry, context?.awsRequestId);
}
