import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from "@aws-sdk/client-apigatewaymanagementapi";

/** The API Gateway Management API, for the connection an event came from. */
export interface Connections {
  /** Send to a client; false when the client is already gone (410). */
  post(connectionId: string, data: string): Promise<boolean>;
  /** Close a client's connection; false when it is already gone. */
  close(connectionId: string): Promise<boolean>;
}

const LOOPBACK = /^(?:127\.\d+\.\d+\.\d+|localhost|\[::1\])(?::\d+)?$/;

/** https://{domainName}/{stage} as in production; http only for a loopback gateway (`make dev`). */
export function managementEndpoint(domainName: string, stage: string): string {
  const scheme = LOOPBACK.test(domainName) ? "http" : "https";
  return `${scheme}://${domainName}/${encodeURIComponent(stage)}`;
}

const clients = new Map<string, ApiGatewayManagementApiClient>();

async function unlessGone(send: Promise<unknown>): Promise<boolean> {
  try {
    await send;
    return true;
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (err instanceof GoneException || status === 410) return false;
    throw err;
  }
}

/** One client per endpoint for the life of the container: credentials and sockets are reused. */
export function connectionsFor(endpoint: string): Connections {
  let client = clients.get(endpoint);
  if (!client) {
    client = new ApiGatewayManagementApiClient({ endpoint });
    clients.set(endpoint, client);
  }
  const api = client;
  return {
    post: (connectionId, data) => unlessGone(api.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }))),
    close: (connectionId) => unlessGone(api.send(new DeleteConnectionCommand({ ConnectionId: connectionId }))),
  };
}
