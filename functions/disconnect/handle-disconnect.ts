import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import { readCallerIdentity } from "../shared/identity.ts";
import { log } from "../shared/log.ts";
import type { ConnectionRegistry } from "../shared/registry.ts";

export async function handleDisconnect(
  event: APIGatewayProxyWebsocketEventV2,
  registry: Pick<ConnectionRegistry, "remove">,
  awsRequestId?: string,
): Promise<APIGatewayProxyResultV2> {
  const { connectionId } = event.requestContext;
  const identity = readCallerIdentity(event);
  const context = event.requestContext as { disconnectStatusCode?: number; disconnectReason?: string };
  // $disconnect is best effort in API Gateway too: an item left behind is removed by its TTL (purgeAt).
  await registry.remove(connectionId).catch((err: unknown) => {
    log("ERROR", "registry delete failed; TTL will remove the item", {
      awsRequestId,
      connectionId,
      error: err instanceof Error ? err.message : "unknown",
    });
  });
  log("INFO", "disconnected", {
    awsRequestId,
    connectionId,
    sub: identity?.sub,
    username: identity?.username,
    statusCode: context.disconnectStatusCode,
    reason: context.disconnectReason,
  });
  return { statusCode: 200 };
}
