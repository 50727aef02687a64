import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import { recordOpened } from "../shared/connection-metrics.ts";
import { readCallerIdentity } from "../shared/identity.ts";
import { log } from "../shared/log.ts";
import type { ConnectionRegistry } from "../shared/registry.ts";
import { managementEndpoint } from "../shared/management-api.ts";
import { BEARER_SUBPROTOCOL, headerValues, offeredSubprotocols } from "../shared/subprotocol.ts";

export type ConnectEvent = APIGatewayProxyWebsocketEventV2 & { headers?: Record<string, string | undefined> };

/** A browser that offered subprotocols fails the handshake unless one is echoed: echo `bearer`, never the token. */
export function selectSubprotocol(headers: Record<string, string | undefined> | undefined): string | undefined {
  const offered = offeredSubprotocols(headerValues(headers, "sec-websocket-protocol"));
  return offered.includes(BEARER_SUBPROTOCOL) ? BEARER_SUBPROTOCOL : undefined;
}

/**
 * Registers the connection before the handshake completes: a connection the sweeper cannot see is never opened
 * (a failed write throws, and API Gateway refuses the handshake).
 */
export async function handleConnect(
  event: ConnectEvent,
  registry: Pick<ConnectionRegistry, "register"> & { readonly tableName?: string },
  region: string | undefined = process.env.AWS_REGION,
  awsRequestId?: string,
): Promise<APIGatewayProxyResultV2> {
  const { connectionId } = event.requestContext;
  const identity = readCallerIdentity(event);
  if (identity === undefined || !Number.isFinite(identity.exp)) {
    log("ERROR", "connect refused: no caller identity or expiry from the authoriser", { awsRequestId, connectionId });
    return { statusCode: 403 };
  }
  const connectedAt = (event.requestContext as { connectedAt?: number }).connectedAt ?? Date.now();
  await registry.register({
    connectionId,
    sub: identity.sub,
    username: identity.username,
    exp: identity.exp,
    connectedAt,
    endpoint: managementEndpoint(event.requestContext, region),
    groups: identity.groups,
    ...(identity.scopes === undefined ? {} : { scopes: identity.scopes }),
    ...(identity.originJti === undefined ? {} : { originJti: identity.originJti }),
  });
  if (registry.tableName !== undefined) recordOpened(registry.tableName);
  log("INFO", "connected", {
    awsRequestId,
    connectionId,
    sub: identity.sub,
    username: identity.username,
    exp: identity.exp,
  });
  const subprotocol = selectSubprotocol(event.headers);
  return subprotocol === undefined
    ? { statusCode: 200 }
    : { statusCode: 200, headers: { "Sec-WebSocket-Protocol": subprotocol } };
}
