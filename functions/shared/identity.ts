import type { APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import type { ConnectionRecord } from "./registry.ts";

/** Who is on the other end of a connection, as the authoriser's context reached the handler (frozen at $connect). */
export interface CallerIdentity {
  readonly sub: string;
  readonly username: string;
  readonly groups: readonly string[];
  /** Absent unless the authoriser's context carries `scopes` (a JSON array in a string, as `groups`). */
  readonly scopes?: readonly string[];
  /** Token expiry, seconds since the epoch; NaN when the context did not carry one. */
  readonly exp: number;
  readonly tokenUse: string;
  /** The token's `origin_jti`, when the authoriser's context carries one. */
  readonly originJti?: string;
}

/** Who is on the other end now: the connection's latest token, as the registry holds it. */
export interface CurrentIdentity {
  readonly sub: string;
  readonly username: string;
  readonly groups: readonly string[];
  readonly scopes: readonly string[];
}

type AuthoriserContext = Record<string, string | number | boolean | null | undefined>;

/** The authoriser sends groups as a JSON array in a string (names may hold commas); anything else is no groups. */
export function parseGroups(value: unknown): string[] {
  if (typeof value !== "string") return [];
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) && parsed.every((group) => typeof group === "string") ? parsed : [];
  } catch {
    return [];
  }
}

/** A number, or the text of one (context values may arrive as strings); NaN for anything else, "" and null too. */
function readExp(value: unknown): number {
  if (typeof value === "number") return value;
  return typeof value === "string" && value.trim() !== "" ? Number(value) : Number.NaN;
}

/** API Gateway passes the authoriser's context on every route of the connection; values may arrive as strings. */
export function readCallerIdentity(event: APIGatewayProxyWebsocketEventV2): CallerIdentity | undefined {
  const context = (event.requestContext as { authorizer?: AuthoriserContext }).authorizer;
  const sub = context?.sub ?? context?.principalId;
  if (!context || typeof sub !== "string" || sub === "") return undefined;
  return Object.freeze({
    sub,
    username: typeof context.username === "string" ? context.username : sub,
    groups: Object.freeze(parseGroups(context.groups)),
    ...(context.scopes === undefined ? {} : { scopes: Object.freeze(parseGroups(context.scopes)) }),
    exp: readExp(context.exp),
    tokenUse: typeof context.token_use === "string" ? context.token_use : "",
    ...(typeof context.origin_jti === "string" && context.origin_jti !== "" ? { originJti: context.origin_jti } : {}),
  });
}

/**
 * The registry's identity where the item has it (written at $connect and by every refresh), else the authoriser's
 * context: an item written before the registry held identity (an old $connect, up to 2 h after a deploy) has no
 * `groups` or `scopes`.
 */
export function currentIdentity(record: ConnectionRecord, context: CallerIdentity): CurrentIdentity {
  return Object.freeze({
    sub: record.sub,
    username: record.username,
    groups: record.groups ?? context.groups,
    scopes: record.scopes ?? context.scopes ?? [],
  });
}
