import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2, Context } from "aws-lambda";
import { readCallerIdentity } from "../shared/identity.ts";
import { log } from "../shared/log.ts";
import { BEARER_SUBPROTOCOL, headerValues, offeredSubprotocols } from "../shared/subprotocol.ts";

type ConnectEvent = APIGatewayProxyWebsocketEventV2 & { headers?: Record<string, string | undefined> };

/** A browser that offered subprotocols fails the handshake unless one is echoed: echo `bearer`, never the token. */
export function selectSubprotocol(headers: Record<string, string | undefined> | undefined): string | undefined {
  const offered = offeredSubprotocols(headerValues(headers, "sec-websocket-protocol"));
  return offered.includes(BEARER_SUBPROTOCOL) ? BEARER_SUBPROTOCOL : undefined;
}

export async function handler(event: ConnectEvent, context?: Context): Promise<APIGatewayProxyResultV2> {
  const identity = readCallerIdentity(event);
  log("INFO", "connected", { awsRequestId: context?.awsRequestId, connectionId: event.requestContext.connectionId, sub: identity?.sub, username: identity?.username });
  const subprotocol = selectSubprotocol(event.headers);
  return subprotocol === undefined ? { statusCode: 200 } : { statusCode: 200, headers: { "Sec-WebSocket-Protocol": subprotocol } };
}
