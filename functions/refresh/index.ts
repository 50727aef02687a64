import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import { connectionsFor, managementEndpoint } from "../message/connections.ts";
import { ConnectionRegistry } from "../shared/registry.ts";
import { parseRegistryConfig } from "../shared/registry-config.ts";
import { handleRefresh } from "./handle-refresh.ts";
import { createRefreshVerifier } from "./verify.ts";

// Init: the authoriser's variables and CONNECTIONS_TABLE, each failing here by name when wrong.
const verifier = createRefreshVerifier(process.env);
const registry = new ConnectionRegistry(parseRegistryConfig(process.env));

export async function handler(event: APIGatewayProxyWebsocketEventV2): Promise<APIGatewayProxyResultV2> {
  return handleRefresh(event, connectionsFor(managementEndpoint(event.requestContext, process.env.AWS_REGION)), registry, verifier);
}
