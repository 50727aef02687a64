// The events API Gateway sends to a WebSocket API's Lambdas, built from what the client sent.
import { randomBytes } from "node:crypto";

/** What the client's upgrade request carried, in the shapes API Gateway passes on. */
export interface HandshakeRequest {
  readonly headers: Record<string, string>;
  readonly multiValueHeaders: Record<string, string[]>;
  readonly queryStringParameters: Record<string, string>;
  readonly multiValueQueryStringParameters: Record<string, string[]>;
  readonly sourceIp: string;
  readonly userAgent: string | undefined;
}

/** The fields every event of one connection shares. */
export interface ConnectionFacts {
  readonly connectionId: string;
  readonly connectedAt: number;
  readonly domainName: string;
  readonly stage: string;
  readonly apiId: string;
  readonly region: string;
  readonly accountId: string;
  readonly sourceIp: string;
  readonly userAgent: string | undefined;
}

/** requestContext.authorizer as a Lambda proxy integration receives it: principalId and the context, as strings. */
export type AuthoriserFields = Readonly<Record<string, string | number>>;

/** API Gateway ids look like `L0SM9cOFvHcCIhw=`: 11 random bytes, base64. */
export function makeGatewayId(): string {
  return randomBytes(11).toString("base64");
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `09/Feb/2019:11:13:04 +0000`, the CLF time API Gateway puts in requestTime. */
export function formatRequestTime(epochMs: number): string {
  const date = new Date(epochMs);
  const pad = (value: number): string => String(value).padStart(2, "0");
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/** Headers as the client wrote them (rawHeaders keeps the case); for a repeated header the single map keeps the last. */
export function readHandshakeRequest(
  rawHeaders: readonly string[],
  url: URL,
  sourceIp: string,
  extraHeaders: Readonly<Record<string, string>> = {},
): HandshakeRequest {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  const add = (name: string, value: string): void => {
    headers[name] = value;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
  };
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) add(rawHeaders[i] as string, rawHeaders[i + 1] as string);
  for (const [name, value] of Object.entries(extraHeaders)) add(name, value);
  const queryStringParameters: Record<string, string> = {};
  const multiValueQueryStringParameters: Record<string, string[]> = {};
  for (const [name, value] of url.searchParams) {
    queryStringParameters[name] = value;
    multiValueQueryStringParameters[name] = [...(multiValueQueryStringParameters[name] ?? []), value];
  }
  const userAgent = Object.entries(headers).find(([name]) => name.toLowerCase() === "user-agent")?.[1];
  return { headers, multiValueHeaders, queryStringParameters, multiValueQueryStringParameters, sourceIp, userAgent };
}

export function methodArn(facts: ConnectionFacts, routeKey: string): string {
  return `arn:aws:execute-api:${facts.region}:${facts.accountId}:${facts.apiId}/${facts.stage}/${routeKey}`;
}

type EventType = "CONNECT" | "MESSAGE" | "DISCONNECT";

function requestContext(
  facts: ConnectionFacts,
  routeKey: string,
  eventType: EventType,
  now: number,
): Record<string, unknown> {
  return {
    routeKey,
    eventType,
    extendedRequestId: makeGatewayId(),
    requestTime: formatRequestTime(now),
    messageDirection: "IN",
    stage: facts.stage,
    connectedAt: facts.connectedAt,
    requestTimeEpoch: now,
    identity:
      facts.userAgent === undefined
        ? { sourceIp: facts.sourceIp }
        : { userAgent: facts.userAgent, sourceIp: facts.sourceIp },
    requestId: makeGatewayId(),
    domainName: facts.domainName,
    connectionId: facts.connectionId,
    apiId: facts.apiId,
  };
}

/** The REQUEST authoriser event of a WebSocket $connect. */
export function buildAuthoriserEvent(
  request: HandshakeRequest,
  facts: ConnectionFacts,
  routeKey: string,
  now: number = Date.now(),
): Record<string, unknown> {
  return {
    type: "REQUEST",
    methodArn: methodArn(facts, routeKey),
    headers: request.headers,
    multiValueHeaders: request.multiValueHeaders,
    queryStringParameters: request.queryStringParameters,
    multiValueQueryStringParameters: request.multiValueQueryStringParameters,
    stageVariables: {},
    requestContext: requestContext(facts, routeKey, "CONNECT", now),
  };
}

function withAuthoriserFields(
  context: Record<string, unknown>,
  authorizer: AuthoriserFields | undefined,
): Record<string, unknown> {
  return authorizer === undefined ? context : { ...context, authorizer };
}

/** The $connect integration's event: the handshake's headers and query, no body. */
export function buildConnectEvent(
  request: HandshakeRequest,
  facts: ConnectionFacts,
  authorizer: AuthoriserFields | undefined,
  now: number = Date.now(),
): Record<string, unknown> {
  const hasQuery = Object.keys(request.queryStringParameters).length > 0;
  return {
    headers: request.headers,
    multiValueHeaders: request.multiValueHeaders,
    ...(hasQuery
      ? {
          queryStringParameters: request.queryStringParameters,
          multiValueQueryStringParameters: request.multiValueQueryStringParameters,
        }
      : {}),
    requestContext: withAuthoriserFields(requestContext(facts, "$connect", "CONNECT", now), authorizer),
    isBase64Encoded: false,
  };
}

/** One message on a route: the frame's text as body. */
export function buildMessageEvent(
  facts: ConnectionFacts,
  routeKey: string,
  body: string,
  authorizer: AuthoriserFields | undefined,
  now: number = Date.now(),
): Record<string, unknown> {
  return {
    requestContext: withAuthoriserFields(
      { ...requestContext(facts, routeKey, "MESSAGE", now), messageId: makeGatewayId() },
      authorizer,
    ),
    body,
    isBase64Encoded: false,
  };
}

/** $disconnect: how the connection ended, with the few headers API Gateway sends then. */
export function buildDisconnectEvent(
  facts: ConnectionFacts,
  statusCode: number,
  reason: string,
  authorizer: AuthoriserFields | undefined,
  now: number = Date.now(),
): Record<string, unknown> {
  const headers = { Host: facts.domainName, "X-Forwarded-For": facts.sourceIp };
  return {
    headers,
    multiValueHeaders: { Host: [facts.domainName], "X-Forwarded-For": [facts.sourceIp] },
    requestContext: withAuthoriserFields(
      {
        ...requestContext(facts, "$disconnect", "DISCONNECT", now),
        disconnectStatusCode: statusCode,
        disconnectReason: reason,
      },
      authorizer,
    ),
    isBase64Encoded: false,
  };
}
