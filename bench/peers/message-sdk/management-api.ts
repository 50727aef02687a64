// The Management API client the message handler used before aws4fetch, kept for the bench comparison.
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from "@aws-sdk/client-apigatewaymanagementapi";
import type { Connections } from "../../../functions/shared/management-api.ts";

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
    post: (connectionId, data) =>
      unlessGone(api.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }))),
    close: (connectionId) => unlessGone(api.send(new DeleteConnectionCommand({ ConnectionId: connectionId }))),
  };
}
