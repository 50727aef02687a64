import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import { ConnectionRegistry } from "../shared/registry.ts";
import { parseRegistryConfig } from "../shared/registry-config.ts";
import { connectionsFor, managementEndpoint } from "./connections.ts";
import { handleMessage } from "./handle-message.ts";

const registry = new ConnectionRegistry(parseRegistryConfig(process.env));

export async function handler(event: APIGatewayProxyWebsocketEventV2): Promise<APIGatewayProxyResultV2> {
  return handleMessage(event, connectionsFor(managementEndpoint(event.requestContext, process.env.AWS_REGION)), registry);
}
