import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import { recordClosed } from "../shared/connection-metrics.ts";
import { log } from "../shared/log.ts";
import type { Connections } from "../shared/management-api.ts";
import type { ConnectionRegistry } from "../shared/registry.ts";
import type { RefreshVerifier } from "./verify.ts";

/** Why a refresh was refused, as the client sees it (`reason`); the authoriser's finer reason goes to the log. */
export type RefusalReason = "expired" | "invalid" | "other_user" | "forbidden" | "not_registered";

export type RefreshReply =
  | { type: "refreshed"; exp: number }
  | { type: "error"; error: "refresh_refused"; reason: RefusalReason };

/** `{"action":"refresh","token":"..."}` -> the token, or undefined when the body is not that shape. */
export function readRefreshToken(body: string | undefined): string | undefined {
  if (body === undefined) return undefined;
  try {
    const token = (JSON.parse(body) as { token?: unknown } | null)?.token;
    return typeof token === "string" && token !== "" ? token : undefined;
  } catch {
    return undefined;
  }
}

function clientReason(verifierReason: string): RefusalReason {
  if (verifierReason === "expired") return "expired";
  if (verifierReason === "forbidden") return "forbidden";
  return "invalid";
}

/**
 * `refresh`: a new token for the same user raises the connection's expiry in the registry and stores the token's
 * identity there (the sweeper and the message handler read both). The registry's `exp` never goes down: a token
 * expiring no later than the stored one is answered with the stored expiry. Anything else - a bad token, another
 * user's, a connection whose `exp` has passed or that the registry does not know - is refused and the connection
 * closed: a client that tries to swap identities, or to revive an expired connection, keeps none.
 */
export async function handleRefresh(
  event: APIGatewayProxyWebsocketEventV2,
  connections: Connections,
  registry: Pick<ConnectionRegistry, "lookup" | "refresh"> &
    Partial<Pick<ConnectionRegistry, "markClosedBy" | "tableName">>,
  verifier: RefreshVerifier,
  awsRequestId?: string,
  nowSeconds: number = Date.now() / 1000,
): Promise<APIGatewayProxyResultV2> {
  const { connectionId } = event.requestContext;
  const refuse = async (reason: RefusalReason, detail: string, sub?: string): Promise<APIGatewayProxyResultV2> => {
    log("WARN", "refresh refused", { awsRequestId, connectionId, reason, detail, sub });
    // Before the close: $disconnect then counts it as refused, not as the client's own close.
    if (sub !== undefined)
      await registry.markClosedBy?.(connectionId, "refresh_refused").catch((err: unknown) =>
        log("WARN", "closedBy not recorded", {
          awsRequestId,
          connectionId,
          error: err instanceof Error ? err.message : "unknown",
        }),
      );
    if (registry.tableName !== undefined) recordClosed(registry.tableName, "refresh_refused");
    await connections.post(
      connectionId,
      JSON.stringify({ type: "error", error: "refresh_refused", reason } satisfies RefreshReply),
    );
    await connections.close(connectionId);
    return { statusCode: reason === "forbidden" ? 403 : 401 };
  };

  const record = await registry.lookup(connectionId);
  if (record === undefined) return refuse("not_registered", "connection not in the registry");
  if (!(record.exp > nowSeconds)) return refuse("expired", "connection_expired", record.sub);
  const token = readRefreshToken(event.body);
  if (token === undefined) return refuse("invalid", "missing_token", record.sub);
  const verdict = await verifier.verify(token);
  if (!verdict.ok) return refuse(clientReason(verdict.reason), verdict.reason, record.sub);
  if (verdict.sub !== record.sub) return refuse("other_user", "token of another sub", record.sub);
  const { exp, username, groups, scopes, originJti } = verdict;
  const identity = { exp, username, groups, scopes, ...(originJti === undefined ? {} : { originJti }) };
  const outcome = await registry.refresh(connectionId, record.sub, identity, nowSeconds);
  if (outcome.status === "not_registered") return refuse("not_registered", "connection left the registry", record.sub);
  if (outcome.status === "expired") return refuse("expired", "connection_expired", record.sub);

  log("INFO", outcome.status === "refreshed" ? "refreshed" : "refresh kept a later exp", {
    awsRequestId,
    connectionId,
    sub: record.sub,
    previousExp: record.exp,
    tokenExp: exp,
    exp: outcome.exp,
  });
  const delivered = await connections.post(
    connectionId,
    JSON.stringify({ type: "refreshed", exp: outcome.exp } satisfies RefreshReply),
  );
  if (!delivered) log("INFO", "refresh reply not delivered: connection gone", { awsRequestId, connectionId });
  return { statusCode: 200 };
}
