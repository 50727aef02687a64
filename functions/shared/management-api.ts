import { WsAuthError } from "./errors.ts";
import { sendSigned } from "./signed-request.ts";

/** The API Gateway Management API, for the connection an event came from. */
export interface Connections {
  /** Send to a client; false when the client is already gone (410). */
  post(connectionId: string, data: string): Promise<boolean>;
  /** Close a client's connection; false when it is already gone. */
  close(connectionId: string): Promise<boolean>;
}

/** A Management API answer other than success or 410 Gone, with the status and error type AWS gave. */
export class ManagementApiError extends WsAuthError {
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

export interface EndpointContext {
  readonly domainName: string;
  readonly apiId: string;
  readonly stage: string;
}

/**
 * The API's own execute-api host, not `domainName`: on a custom domain, `domainName` is that domain, whose base path
 * mapping need not reach `@connections`. Plain http only for a loopback gateway (`make dev`).
 */
export function managementEndpoint(context: EndpointContext, region: string | undefined): string {
  const stage = encodeURIComponent(context.stage);
  if (LOOPBACK.test(context.domainName)) return `http://${context.domainName}/${stage}`;
  const host = region ? `${context.apiId}.execute-api.${region}.amazonaws.com` : context.domainName;
  return `https://${host}/${stage}`;
}

interface Answer {
  readonly status: number;
  readonly errorType: string | undefined;
}

/** One SigV4-signed call in the region Lambda names in every container's environment. */
async function send(url: URL, method: "POST" | "DELETE", body: string | undefined): Promise<Answer> {
  const region = process.env.AWS_REGION;
  if (!region) throw new Error("AWS_REGION must be set (Lambda sets it)");
  const answer = await sendSigned(url, {
    method,
    service: "execute-api",
    region,
    ...(body === undefined ? {} : { headers: { "Content-Type": "application/json" }, body }),
  });
  const errorType = answer.headers["x-amzn-errortype"];
  return { status: answer.status, errorType: typeof errorType === "string" ? errorType.split(":")[0] : undefined };
}

const ATTEMPTS = 3;

/** The AWS SDK's standard policy: three attempts for throttling, 5xx and network errors, with jittered back-off. */
async function sendWithRetries(url: URL, method: "POST" | "DELETE", body: string | undefined): Promise<Answer> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const answer = await send(url, method, body);
      if (attempt === ATTEMPTS || (answer.status !== 429 && answer.status < 500)) return answer;
    } catch (err) {
      if (attempt === ATTEMPTS) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 50 * 2 ** attempt));
  }
}

async function unlessGone(operation: string, url: URL, method: "POST" | "DELETE", body?: string): Promise<boolean> {
  const { status, errorType } = await sendWithRetries(url, method, body);
  if (status >= 200 && status < 300) return true;
  if (status === 410) return false;
  throw new ManagementApiError(operation, status, errorType);
}

/** SigV4-signed calls to `{endpoint}/@connections/{id}`. */
export function connectionsFor(endpoint: string): Connections {
  const url = (connectionId: string): URL => new URL(`${endpoint}/@connections/${encodeURIComponent(connectionId)}`);
  return {
    post: (connectionId, data) => unlessGone("PostToConnection", url(connectionId), "POST", data),
    close: (connectionId) => unlessGone("DeleteConnection", url(connectionId), "DELETE"),
  };
}
