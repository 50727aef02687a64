import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import { recordClosed } from "../shared/connection-metrics.ts";
import { readCallerIdentity } from "../shared/identity.ts";
import { log } from "../shared/log.ts";
import type { ConnectionRegistry } from "../shared/registry.ts";

export async function handleDisconnect(
  event: APIGatewayProxyWebsocketEventV2,
  registry: Pick<ConnectionRegistry, "remove"> & { readonly tableName?: string },
  awsRequestId?: string,
): Promise<APIGatewayProxyResultV2> {
  const { connectionId } = event.requestContext;
  const identity = readCallerIdentity(event);
  const context = event.requestContext as { disconnectStatusCode?: number; disconnectReason?: string };
  // $disconnect is best effort in API Gateway too: an item left behind is removed by its TTL (purgeAt).
  const removed = await registry.remove(connectionId).catch((err: unknown) => {
    log("ERROR", "registry delete failed; TTL will remove the item", {
      awsRequestId,
      connectionId,
      error: err instanceof Error ? err.message : "unknown",
    });
    return undefined;
  });
  // A close by the client (or the network, or API Gateway's own limits): the item was still there, and no function
  // said it was closing it. The sweeper and revocation remove the item first; refresh marks it (closedBy).
  if (registry.tableName !== undefined && removed !== undefined && removed.closedBy === undefined)
    recordClosed(registry.tableName, "client");
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
