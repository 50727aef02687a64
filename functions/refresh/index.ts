import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2, Context } from "aws-lambda";
import { connectionsFor, managementEndpoint } from "../shared/management-api.ts";
import { ConnectionRegistry } from "../shared/registry.ts";
import { parseRegistryConfig } from "../shared/registry-config.ts";
import { handleRefresh } from "./handle-refresh.ts";
import { createRefreshVerifier } from "./verify.ts";

// Init: the authoriser's variables and CONNECTIONS_TABLE, each failing here by name when wrong.
const verifier = createRefreshVerifier(process.env);
const registry = new ConnectionRegistry(parseRegistryConfig(process.env));

export async function handler(
  event: APIGatewayProxyWebsocketEventV2,
  context?: Context,
): Promise<APIGatewayProxyResultV2> {
  const connections = connectionsFor(managementEndpoint(event.requestContext, process.env.AWS_REGION));
  return handleRefresh(event, connections, registry, verifier, context?.awsRequestId);
}
