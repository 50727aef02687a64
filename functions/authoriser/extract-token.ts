import type { APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { BEARER_SUBPROTOCOL, headerValues, offeredSubprotocols } from "../shared/subprotocol.ts";
import { Rejection } from "./errors.ts";

/** Generous for Cognito ID tokens with many groups, small enough that junk is refused before any parsing. */
export const MAX_TOKEN_LENGTH = 16_384;

export type TokenSource = "query" | "authorization" | "protocol";

export interface ExtractedToken {
  readonly token: string;
  readonly source: TokenSource;
}

/** Values of a header by case-insensitive name (`wanted` in lower case); keys of another length are skipped unread. */
function header(event: APIGatewayRequestAuthorizerEvent, wanted: string): string[] {
  const values: string[] = [];
  const multi = event.multiValueHeaders;
  if (multi) {
    for (const key in multi) {
      if (key.length !== wanted.length || !Object.hasOwn(multi, key) || key.toLowerCase() !== wanted) continue;
      const list = multi[key];
      if (Array.isArray(list)) values.push(...list);
    }
  }
  return values.length > 0 ? values : headerValues(event.headers, wanted);
}

function queryValues(event: APIGatewayRequestAuthorizerEvent, name: string): string[] {
  const multi = event.multiValueQueryStringParameters?.[name];
  if (Array.isArray(multi) && multi.length > 0) return multi;
  const single = event.queryStringParameters?.[name];
  return typeof single === "string" ? [single] : [];
}

function fromAuthorization(values: string[]): string[] {
  return values.flatMap((value) => {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(value);
    return match?.[1] !== undefined ? [match[1]] : [];
  });
}

/** The subprotocol list is `bearer, <jwt>`; the entry after `bearer` is the token. */
function fromSubprotocols(values: string[]): string[] {
  const offered = offeredSubprotocols(values);
  const marker = offered.indexOf(BEARER_SUBPROTOCOL);
  if (marker === -1) return [];
  const token = offered[marker + 1];
  return token === undefined || token === "" ? [] : [token];
}

/**
 * Find the one token a client sent (its shape and alphabet are the verifier's to check), in order of precedence: query parameter, `Authorization: Bearer`,
 * `Sec-WebSocket-Protocol: bearer, <jwt>`. Two different tokens in one request are refused, not guessed between.
 */
export function extractToken(event: APIGatewayRequestAuthorizerEvent, queryParam: string): ExtractedToken {
  const found: ExtractedToken[] = [
    ...queryValues(event, queryParam).map((token) => ({ token, source: "query" as const })),
    ...fromAuthorization(header(event, "authorization")).map((token) => ({ token, source: "authorization" as const })),
    ...fromSubprotocols(header(event, "sec-websocket-protocol")).map((token) => ({
      token,
      source: "protocol" as const,
    })),
  ].filter((candidate) => candidate.token !== "");

  const first = found[0];
  if (first === undefined)
    throw new Rejection("missing_token", "no token in query, Authorization or Sec-WebSocket-Protocol");
  if (found.some((candidate) => candidate.token !== first.token)) {
    throw new Rejection("ambiguous_token", "more than one different token in the request");
  }
  if (first.token.length > MAX_TOKEN_LENGTH)
    throw new Rejection("malformed_token", `token longer than ${MAX_TOKEN_LENGTH} characters`);
  return first;
}
