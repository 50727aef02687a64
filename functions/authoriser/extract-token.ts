import type { APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { BEARER_SUBPROTOCOL } from "../shared/subprotocol.ts";
import { Rejection } from "./errors.ts";

/** Generous for Cognito ID tokens with many groups, small enough that junk is refused before any parsing. */
export const MAX_TOKEN_LENGTH = 16_384;

export type TokenSource = "query" | "authorization" | "protocol";

export interface ExtractedToken {
  readonly token: string;
  readonly source: TokenSource;
}

/**
 * Each value of a header by case-insensitive name (`wanted` in lower case), from multiValueHeaders when it has any,
 * else from headers; keys of another length are skipped unread. No array is built: this runs on every $connect.
 */
function forEachHeaderValue(
  event: APIGatewayRequestAuthorizerEvent,
  wanted: string,
  visit: (value: string) => void,
): void {
  let seen = 0;
  const multi = event.multiValueHeaders;
  if (multi) {
    for (const key in multi) {
      if (key.length !== wanted.length || !Object.hasOwn(multi, key) || key.toLowerCase() !== wanted) continue;
      const list = multi[key];
      if (!Array.isArray(list)) continue;
      for (const value of list) visit(value);
      seen += list.length;
    }
  }
  if (seen > 0) return;
  const headers = event.headers;
  if (!headers) return;
  for (const key in headers) {
    if (key.length !== wanted.length || !Object.hasOwn(headers, key) || key.toLowerCase() !== wanted) continue;
    const value = headers[key];
    if (typeof value === "string") visit(value);
  }
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * Find the one token a client sent (its shape and alphabet are the verifier's to check), in order of precedence:
 * query parameter, `Authorization: Bearer`, `Sec-WebSocket-Protocol: bearer, <jwt>` (the entry after the first
 * `bearer` entry). Two different tokens in one request are refused, not guessed between.
 */
export function extractToken(event: APIGatewayRequestAuthorizerEvent, queryParam: string): ExtractedToken {
  let first: ExtractedToken | undefined;
  let ambiguous = false;
  const offer = (token: string, source: TokenSource): void => {
    if (token === "") return;
    if (first === undefined) first = { token, source };
    else if (token !== first.token) ambiguous = true;
  };

  const multi = event.multiValueQueryStringParameters?.[queryParam];
  if (Array.isArray(multi) && multi.length > 0) {
    for (const token of multi) offer(token, "query");
  } else {
    const single = event.queryStringParameters?.[queryParam];
    if (typeof single === "string") offer(single, "query");
  }

  forEachHeaderValue(event, "authorization", (value) => {
    const match = BEARER.exec(value);
    if (match?.[1] !== undefined) offer(match[1], "authorization");
  });

  // The subprotocol entries of every value, in order, trimmed, empty ones skipped: the token follows `bearer`.
  let protocol: "before" | "next" | "done" = "before";
  forEachHeaderValue(event, "sec-websocket-protocol", (value) => {
    let start = 0;
    while (protocol !== "done") {
      const comma = value.indexOf(",", start);
      const item = value.slice(start, comma === -1 ? value.length : comma).trim();
      if (item !== "") {
        if (protocol === "next") {
          offer(item, "protocol");
          protocol = "done";
        } else if (item === BEARER_SUBPROTOCOL) protocol = "next";
      }
      if (comma === -1) return;
      start = comma + 1;
    }
  });

  const found = first as ExtractedToken | undefined;
  if (found === undefined)
    throw new Rejection("missing_token", "no token in query, Authorization or Sec-WebSocket-Protocol");
  if (ambiguous) throw new Rejection("ambiguous_token", "more than one different token in the request");
  if (found.token.length > MAX_TOKEN_LENGTH)
    throw new Rejection("malformed_token", `token longer than ${MAX_TOKEN_LENGTH} characters`);
  return found;
}
