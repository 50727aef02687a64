import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2, Context } from "aws-lambda";
import { readCallerIdentity } from "../shared/identity.ts";
import { log } from "../shared/log.ts";

export async function handler(event: APIGatewayProxyWebsocketEventV2, lambdaContext?: Context): Promise<APIGatewayProxyResultV2> {
  const identity = readCallerIdentity(event);
  const context = event.requestContext as { disconnectStatusCode?: number; disconnectReason?: string };
  log("INFO", "disconnected", {
    awsRequestId: lambdaContext?.awsRequestId,
    connectionId: event.requestContext.connectionId,
    sub: identity?.sub,
    username: identity?.username,
    statusCode: context.disconnectStatusCode,
    reason: context.disconnectReason,
  });
  return { statusCode: 200 };
}
