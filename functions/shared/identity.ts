import type { APIGatewayProxyWebsocketEventV2 } from "aws-lambda";

/** Who is on the other end of a connection, as the authoriser's context reached the handler. */
export interface CallerIdentity {
  readonly sub: string;
  readonly username: string;
  readonly groups: readonly string[];
  /** Token expiry, seconds since the epoch; NaN when the context did not carry one. */
  readonly exp: number;
  readonly tokenUse: string;
}

type AuthoriserContext = Record<string, string | number | boolean | null | undefined>;

/** The authoriser sends groups as a JSON array in a string (names may hold commas); anything else is no groups. */
export function parseGroups(value: unknown): string[] {
  if (typeof value !== "string" || value === "") return [];
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) && parsed.every((group) => typeof group === "string") ? parsed : [];
  } catch {
    return [];
  }
}

/** API Gateway passes the authoriser's context on every route of the connection; values may arrive as strings. */
export function readCallerIdentity(event: APIGatewayProxyWebsocketEventV2): CallerIdentity | undefined {
  const context = (event.requestContext as { authorizer?: AuthoriserContext }).authorizer;
  const sub = context?.sub ?? context?.principalId;
  if (!context || typeof sub !== "string" || sub === "") return undefined;
  const groups = parseGroups(context.groups);
  return Object.freeze({
    sub,
    username: typeof context.username === "string" ? context.username : sub,
    groups: Object.freeze(groups),
    exp: Number(context.exp),
    tokenUse: typeof context.token_use === "string" ? context.token_use : "",
  });
}

/** A connection outlives its token (up to 2 h); a message after `exp` must not be served. */
export function isExpired(identity: CallerIdentity, nowSeconds: number = Date.now() / 1000): boolean {
  return !(identity.exp > nowSeconds);
}
