import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import { connectionsFor, managementEndpoint } from "./management-api.ts";
import { handleMessage } from "./handle-message.ts";

export async function handler(event: APIGatewayProxyWebsocketEventV2): Promise<APIGatewayProxyResultV2> {
  return handleMessage(event, connectionsFor(managementEndpoint(event.requestContext, process.env.AWS_REGION)));
}
