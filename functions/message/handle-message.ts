import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import { currentIdentity, readCallerIdentity } from "../shared/identity.ts";
import { log } from "../shared/log.ts";
import type { ConnectionRegistry } from "../shared/registry.ts";
import type { Connections } from "../shared/management-api.ts";
import {
  authoriseRoute,
  type ForbiddenReply,
  forbiddenReply,
  type RouteRequirements,
} from "../shared/route-authorisation.ts";
import { encodeReply } from "./reply.ts";

export type Reply =
  | {
      type: "reply";
      from: { username: string; sub: string; groups: readonly string[] };
      action: string;
      received: unknown;
    }
  | { type: "error"; error: "token_expired" | "no_identity" | "not_registered" }
  | ForbiddenReply;

export const MAX_LOGGED_ACTION = 64;

/** The body as JSON when it is JSON, else the text itself: WebSocket frames carry either. */
function parseBody(body: string | undefined): { action: string; received: unknown } {
  if (body === undefined) return { action: "$default", received: null };
  try {
    const parsed: unknown = JSON.parse(body);
    const action = (parsed as { action?: unknown } | null)?.action;
    return { action: typeof action === "string" ? action : "$default", received: parsed };
  } catch {
    return { action: "$default", received: body };
  }
}

/**
 * `$default`: answer the sender with who they are. The token's `exp` and identity come from the registry, not the
 * authoriser context (frozen at $connect, blind to refreshes; read only for items of the old shape); a message
 * after `exp`, or from a connection the registry does not know, is refused and the connection closed. A route
 * whose groups or scopes the identity lacks (ROUTE_REQUIREMENTS) is refused with `forbidden`, the connection kept.
 */
export async function handleMessage(
  event: APIGatewayProxyWebsocketEventV2,
  connections: Connections,
  registry: Pick<ConnectionRegistry, "lookup">,
  nowSeconds: number = Date.now() / 1000,
  awsRequestId?: string,
  routeRequirements: RouteRequirements = new Map(),
): Promise<APIGatewayProxyResultV2> {
  const { connectionId } = event.requestContext;
  const ids = { awsRequestId, connectionId };
  const context = readCallerIdentity(event);
  if (context === undefined) {
    log("ERROR", "message without caller identity", ids);
    await connections.post(connectionId, JSON.stringify({ type: "error", error: "no_identity" } satisfies Reply));
    return { statusCode: 403 };
  }
  const record = await registry.lookup(connectionId);
  if (record === undefined || record.sub !== context.sub) {
    log("WARN", "message refused: connection not in the registry", { ...ids, sub: context.sub });
    await connections.post(connectionId, JSON.stringify({ type: "error", error: "not_registered" } satisfies Reply));
    await connections.close(connectionId);
    return { statusCode: 401 };
  }
  const identity = currentIdentity(record, context);
  if (!(record.exp > nowSeconds)) {
    log("WARN", "message refused: token expired", { ...ids, sub: identity.sub, exp: record.exp });
    await connections.post(connectionId, JSON.stringify({ type: "error", error: "token_expired" } satisfies Reply));
    await connections.close(connectionId);
    return { statusCode: 401 };
  }
  const { routeKey } = event.requestContext;
  const decision = authoriseRoute(routeRequirements, routeKey, identity);
  if (!decision.allowed) {
    log("WARN", "route refused", { ...ids, sub: identity.sub, route: routeKey, reason: decision.reason });
    await connections.post(connectionId, JSON.stringify(forbiddenReply(routeKey) satisfies Reply));
    return { statusCode: 403 };
  }
  const { action, received } = parseBody(event.body);
  const bytes = event.body === undefined ? 0 : Buffer.byteLength(event.body);
  // The content is the user's: its size and route are logged, not the text (it may hold secrets of theirs).
  // The action is the client's too: at most MAX_LOGGED_ACTION characters of it reach the log.
  log("INFO", "message", {
    ...ids,
    sub: identity.sub,
    username: identity.username,
    action: action.slice(0, MAX_LOGGED_ACTION),
    bytes,
  });
  const reply: Reply = {
    type: "reply",
    from: { username: identity.username, sub: identity.sub, groups: identity.groups },
    action,
    received,
  };
  const encoded = encodeReply(reply);
  if (encoded.refused !== undefined) log("WARN", "message not echoed", { ...ids, reason: encoded.refused });
  const delivered = await connections.post(connectionId, encoded.text);
  if (!delivered) log("INFO", "reply not delivered: connection gone", ids);
  return { statusCode: 200 };
}
