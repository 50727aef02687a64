import { AwsClient } from "aws4fetch";

/** The API Gateway Management API, for the connection an event came from. */
export interface Connections {
  /** Send to a client; false when the client is already gone (410). */
  post(connectionId: string, data: string): Promise<boolean>;
  /** Close a client's connection; false when it is already gone. */
  close(connectionId: string): Promise<boolean>;
}

/** A Management API answer other than success or 410 Gone, with the status and error type AWS gave. */
export class ManagementApiError extends Error {
  readonly status: number;
  readonly errorType: string | undefined;
  constructor(operation: string, status: number, errorType: string | undefined) {
    super(`${operation} failed: status ${status}${errorType === undefined ? "" : ` (${errorType})`}`);
    this.name = "ManagementApiError";
    this.status = status;
    this.errorType = errorType;
  }
}

const LOOPBACK = /^(?:127\.\d+\.\d+\.\d+|localhost|\[::1\])(?::\d+)?$/;

/** https://{domainName}/{stage} as in production; http only for a loopback gateway (`make dev`). */
export function managementEndpoint(domainName: string, stage: string): string {
  const scheme = LOOPBACK.test(domainName) ? "http" : "https";
  return `${scheme}://${domainName}/${encodeURIComponent(stage)}`;
}

/** Lambda puts the function role's credentials and the region in the environment of every container. */
function clientFromEnvironment(env: Record<string, string | undefined> = process.env): AwsClient {
  const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION } = env;
  if (!AWS_ACCESS_KEY_ID || !AWS_SECRET_ACCESS_KEY || !AWS_REGION) {
    throw new Error("AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION must be set (Lambda sets them)");
  }
  // Two retries on 5xx and 429 with jittered back-off: the AWS SDK's standard three attempts.
  return new AwsClient({
    accessKeyId: AWS_ACCESS_KEY_ID,
    secretAccessKey: AWS_SECRET_ACCESS_KEY,
    ...(AWS_SESSION_TOKEN ? { sessionToken: AWS_SESSION_TOKEN } : {}),
    region: AWS_REGION,
    service: "execute-api",
    retries: 2,
  });
}

let client: AwsClient | undefined;

async function unlessGone(operation: string, url: string, init: RequestInit): Promise<boolean> {
  client ??= clientFromEnvironment();
  const response = await client.fetch(url, init);
  // Drain the body either way so the keep-alive socket is reused.
  await response.arrayBuffer();
  if (response.ok) return true;
  if (response.status === 410) return false;
  throw new ManagementApiError(operation, response.status, response.headers.get("x-amzn-errortype")?.split(":")[0]);
}

/** SigV4-signed calls to `{endpoint}/@connections/{id}`; one signer and fetch's socket pool for the container. */
export function connectionsFor(endpoint: string): Connections {
  const url = (connectionId: string): string => `${endpoint}/@connections/${encodeURIComponent(connectionId)}`;
  return {
    post: (connectionId, data) =>
      unlessGone("PostToConnection", url(connectionId), { method: "POST", body: data, headers: { "content-type": "application/json" } }),
    close: (connectionId) => unlessGone("DeleteConnection", url(connectionId), { method: "DELETE" }),
  };
}
