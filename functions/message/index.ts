import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2, Context } from "aws-lambda";
import { connectionsFor, managementEndpoint } from "./management-api.ts";
import { handleMessage } from "./handle-message.ts";

export async function handler(event: APIGatewayProxyWebsocketEventV2, context?: Context): Promise<APIGatewayProxyResultV2> {
  return handleMessage(event, connectionsFor(managementEndpoint(event.requestContext, process.env.AWS_REGION)), Date.now() / 1000, context?.awsRequestId);
}
