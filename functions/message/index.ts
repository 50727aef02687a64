import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2, Context } from "aws-lambda";
import { ConnectionRegistry } from "../shared/registry.ts";
import { parseRegistryConfig } from "../shared/registry-config.ts";
import { handleMessage } from "./handle-message.ts";
import { connectionsFor, managementEndpoint } from "../shared/management-api.ts";
import { parseRouteRequirementsEnv } from "../shared/route-authorisation.ts";

// Init: a bad CONNECTIONS_TABLE or ROUTE_REQUIREMENTS fails here, naming the variable.
const registry = new ConnectionRegistry(parseRegistryConfig(process.env));
const routeRequirements = parseRouteRequirementsEnv(process.env);

export async function handler(
  event: APIGatewayProxyWebsocketEventV2,
  context?: Context,
): Promise<APIGatewayProxyResultV2> {
  const connections = connectionsFor(managementEndpoint(event.requestContext, process.env.AWS_REGION));
  return handleMessage(event, connections, registry, Date.now() / 1000, context?.awsRequestId, routeRequirements);
}
