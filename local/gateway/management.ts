// The API Gateway Management API (`@connections`) on the gateway's own port, as the AWS SDK calls it.
// SigV4 headers are accepted and not verified: only this machine can reach the port.
import type { IncomingMessage, ServerResponse } from "node:http";
import { WebSocket } from "ws";
import type { Connection, OpenConnections } from "./open-connections.ts";

export interface ManagementTarget {
  readonly stage: string;
  readonly openConnections: OpenConnections;
  readonly maxMessageBytes: number;
  /** Deliver data to the client as one text frame. */
  readonly post: (connection: Connection, data: Buffer) => void;
  /** Close the client's connection, as DeleteConnection does. */
  readonly disconnect: (connection: Connection) => void;
}

function sendJson(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const text = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...(errorType === undefined ? {} : { "x-amzn-errortype": errorType }),
  });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, errorType: string, message: string): void {
  sendJson(res, status, { message, __type: errorType }, errorType);
}

/** The connection id of `/{stage}/@connections/{id}`, or undefined when the path is something else. */
export function parseConnectionPath(pathname: string, stage: string): string | undefined {
  const segments = pathname.split("/");
  if (segments.length !== 4 || segments[0] !== "") return undefined;
  try {
    const [, stageSegment, collection, id] = segments.map((segment) => decodeURIComponent(segment));
    return stageSegment === stage && collection === "@connections" && id !== undefined && id !== "" ? id : undefined;
  } catch {
    return undefined;
  }
}

/** The body when it is at most `limit` bytes; a larger one is drained (so the socket stays usable) and dropped. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= limit) chunks.push(chunk as Buffer);
  }
  return size > limit ? undefined : Buffer.concat(chunks);
}

/** Answer one `@connections` request; false when the path is not the Management API's. */
export function handleManagementRequest(req: IncomingMessage, res: ServerResponse, target: ManagementTarget): boolean {
  const pathname = new URL(req.url ?? "/", "http://gateway").pathname;
  const connectionId = parseConnectionPath(pathname, target.stage);
  if (connectionId === undefined) return false;
  void answer(req, res, target, connectionId).catch(() => {
    if (!res.headersSent) sendError(res, 500, "InternalServerErrorException", "Internal server error");
    else res.destroy();
  });
  return true;
}

async function answer(
  req: IncomingMessage,
  res: ServerResponse,
  target: ManagementTarget,
  connectionId: string,
): Promise<void> {
  const method = req.method ?? "GET";
  if (method !== "POST" && method !== "GET" && method !== "DELETE") {
    req.resume();
    sendError(res, 405, "MethodNotAllowedException", `${method} is not a Management API method`);
    return;
  }
  if (method !== "POST") req.resume();
  const body = method === "POST" ? await readBody(req, target.maxMessageBytes) : Buffer.alloc(0);
  const connection = target.openConnections.get(connectionId);
  // A connection that is closing is already gone for the Management API.
  if (connection === undefined || connection.socket.readyState !== WebSocket.OPEN) {
    sendError(res, 410, "GoneException", `connection ${connectionId} is gone`);
    return;
  }
  if (method === "GET") {
    // The wire names are camelCase; the SDK maps them to ConnectedAt, Identity.SourceIp...
    sendJson(res, 200, {
      connectedAt: new Date(connection.facts.connectedAt).toISOString(),
      identity: { sourceIp: connection.facts.sourceIp, userAgent: connection.facts.userAgent ?? "" },
      lastActiveAt: new Date(connection.lastActiveAt).toISOString(),
    });
    return;
  }
  if (method === "DELETE") {
    target.disconnect(connection);
    res.writeHead(204).end();
    return;
  }
  if (body === undefined) {
    sendError(res, 413, "PayloadTooLargeException", `data is larger than ${target.maxMessageBytes} bytes`);
    return;
  }
  target.post(connection, body);
  res.writeHead(200, { "content-length": 0 }).end();
}
