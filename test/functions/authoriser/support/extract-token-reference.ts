// The array-building token extraction that functions/authoriser/extract-token.ts replaced (issue 16), kept as the
// oracle of a differential test: the new one must decide every request exactly as this one did.
import type { APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { Rejection } from "../../../../functions/authoriser/errors.ts";
import { MAX_TOKEN_LENGTH, type ExtractedToken } from "../../../../functions/authoriser/extract-token.ts";

function headerValues(headers: Record<string, string | undefined> | null | undefined, wanted: string): string[] {
  const values: string[] = [];
  if (!headers) return values;
  for (const key in headers) {
    if (key.length !== wanted.length || !Object.hasOwn(headers, key) || key.toLowerCase() !== wanted) continue;
    const value = headers[key];
    if (typeof value === "string") values.push(value);
  }
  return values;
}

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

function fromSubprotocols(values: string[]): string[] {
  const offered = values
    .flatMap((value) => value.split(","))
    .map((item) => item.trim())
    .filter((item) => item !== "");
  const marker = offered.indexOf("bearer");
  if (marker === -1) return [];
  const token = offered[marker + 1];
  return token === undefined || token === "" ? [] : [token];
}

export function referenceExtractToken(event: APIGatewayRequestAuthorizerEvent, queryParam: string): ExtractedToken {
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
