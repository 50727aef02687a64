import type { APIGatewayProxyWebsocketEventV2, APIGatewayRequestAuthorizerEvent } from "aws-lambda";

export const METHOD_ARN = "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/dev/$connect";

export interface ConnectEventOptions {
  query?: Record<string, string>;
  multiQuery?: Record<string, string[]>;
  headers?: Record<string, string>;
  methodArn?: string;
  connectionId?: string;
}

/** A $connect REQUEST authoriser event as API Gateway sends it for a WebSocket API. */
export function makeConnectEvent(options: ConnectEventOptions = {}): APIGatewayRequestAuthorizerEvent {
  const headers = {
    Host: "abcdef1234.execute-api.eu-west-1.amazonaws.com",
    "Sec-WebSocket-Version": "13",
    ...options.headers,
  };
  const query = options.query ?? {};
  return {
    type: "REQUEST",
    methodArn: options.methodArn ?? METHOD_ARN,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    queryStringParameters: query,
    multiValueQueryStringParameters:
      options.multiQuery ?? Object.fromEntries(Object.entries(query).map(([name, value]) => [name, [value]])),
    stageVariables: {},
    requestContext: {
      routeKey: "$connect",
      eventType: "CONNECT",
      extendedRequestId: "req-ext-1",
      requestTime: "25/Nov/2026:03:00:00 +0000",
      messageDirection: "IN",
      stage: "dev",
      connectedAt: Date.now(),
      requestTimeEpoch: Date.now(),
      identity: { sourceIp: "127.0.0.1" },
      requestId: "req-1",
      domainName: "abcdef1234.execute-api.eu-west-1.amazonaws.com",
      connectionId: options.connectionId ?? "conn-1=",
      apiId: "abcdef1234",
    },
  } as unknown as APIGatewayRequestAuthorizerEvent;
}

export interface MessageEventOptions {
  body?: string;
  authorizer?: Record<string, string | number> | undefined;
  connectionId?: string;
  domainName?: string;
  routeKey?: string;
  eventType?: "CONNECT" | "MESSAGE" | "DISCONNECT";
  headers?: Record<string, string>;
}

/** A route event ($default, $connect integration, $disconnect) with the authoriser context as AWS passes it. */
export function makeRouteEvent(
  options: MessageEventOptions = {},
): APIGatewayProxyWebsocketEventV2 & { headers?: Record<string, string> } {
  const authorizer =
    "authorizer" in options
      ? options.authorizer
      : {
          principalId: "sub-alice",
          sub: "sub-alice",
          username: "alice",
          groups: '["admin","dev"]',
          exp: Math.floor(Date.now() / 1000) + 600,
          token_use: "id",
        };
  return {
    body: options.body,
    isBase64Encoded: false,
    ...(options.headers ? { headers: options.headers } : {}),
    requestContext: {
      routeKey: options.routeKey ?? "$default",
      eventType: options.eventType ?? "MESSAGE",
      messageId: "msg-1",
      extendedRequestId: "req-ext-2",
      requestTime: "25/Nov/2026:03:00:01 +0000",
      messageDirection: "IN",
      stage: "dev",
      connectedAt: Date.now(),
      requestTimeEpoch: Date.now(),
      requestId: "req-2",
      domainName: options.domainName ?? "abcdef1234.execute-api.eu-west-1.amazonaws.com",
      connectionId: options.connectionId ?? "conn-1=",
      apiId: "abcdef1234",
      ...(authorizer ? { authorizer } : {}),
    },
  } as unknown as APIGatewayProxyWebsocketEventV2;
}
