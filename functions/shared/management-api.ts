import { WsAuthError } from "./errors.ts";
import { SigningConfigError, sendSigned, TransportError } from "./signed-request.ts";

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
  constructor(operation: string, status: number, errorType: string | undefined, options?: ErrorOptions) {
    super(`${operation} failed: status ${status}${errorType === undefined ? "" : ` (${errorType})`}`, options);
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

/** Every call, retries included, ends within this: a deadline from the first attempt, not an idle-socket timeout. */
export const MANAGEMENT_API_DEADLINE_MS = 5_000;
export const MANAGEMENT_API_ATTEMPTS = 3;
/** The local gateway (plain http, loopback only) shares a loaded machine with everything else it runs. */
export const LOOPBACK_MANAGEMENT_DEADLINE_MS = 30_000;

/** API Gateway's Management API answers in milliseconds; the local gateway under a test's load may not. */
export function managementDeadlineMs(endpoint: string): number {
  return endpoint.startsWith("http:") ? LOOPBACK_MANAGEMENT_DEADLINE_MS : MANAGEMENT_API_DEADLINE_MS;
}
/** No retry can help: the deadline is spent, or the endpoint's name does not resolve (a configuration error). */
const FINAL_TRANSPORT_CODES = new Set(["DEADLINE", "ENOTFOUND"]);

type Method = "POST" | "DELETE";

/** One SigV4-signed call in the region Lambda names in every container's environment. */
async function send(url: URL, method: Method, body: string | undefined, deadlineMs: number): Promise<Answer> {
  const region = process.env.AWS_REGION;
  if (!region) throw new SigningConfigError("AWS_REGION must be set (Lambda sets it)");
  const answer = await sendSigned(url, {
    method,
    service: "execute-api",
    region,
    deadlineMs,
    ...(body === undefined ? {} : { headers: { "Content-Type": "application/json" }, body }),
  });
  const errorType = answer.headers["x-amzn-errortype"];
  return { status: answer.status, errorType: typeof errorType === "string" ? errorType.split(":")[0] : undefined };
}

/**
 * The AWS SDK's standard policy (three attempts, jittered back-off) within one deadline, but a PostToConnection
 * is retried only when the service cannot have acted on it: throttled (429), or no connection was ever made. A
 * 5xx or a reset after the request left may have delivered the message, and a retry would deliver it twice.
 * DeleteConnection is idempotent: it is also retried on 5xx and network errors.
 */
async function sendWithRetries(
  operation: string,
  url: URL,
  method: Method,
  body: string | undefined,
  deadlineMs: number,
): Promise<Answer> {
  const deadline = Date.now() + deadlineMs;
  for (let attempt = 1; ; attempt += 1) {
    let answer: Answer | undefined;
    let failure: unknown;
    try {
      answer = await send(url, method, body, Math.max(1, deadline - Date.now()));
    } catch (err) {
      if (!(err instanceof TransportError)) throw err;
      failure = new ManagementApiError(operation, 0, err.code, { cause: err });
      if (FINAL_TRANSPORT_CODES.has(err.code) || (method === "POST" && err.mayHaveReached)) throw failure;
    }
    const retryable = answer === undefined || answer.status === 429 || (method === "DELETE" && answer.status >= 500);
    const pause = Math.random() * 50 * 2 ** attempt;
    if (!retryable || attempt === MANAGEMENT_API_ATTEMPTS || Date.now() + pause >= deadline) {
      if (answer === undefined) throw failure;
      return answer;
    }
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

async function unlessGone(
  operation: string,
  url: URL,
  method: Method,
  body: string | undefined,
  deadlineMs: number,
): Promise<boolean> {
  const { status, errorType } = await sendWithRetries(operation, url, method, body, deadlineMs);
  if (status >= 200 && status < 300) return true;
  if (status === 410) return false;
  throw new ManagementApiError(operation, status, errorType);
}

export interface ConnectionsOptions {
  readonly deadlineMs?: number;
}

/** SigV4-signed calls to `{endpoint}/@connections/{id}`. */
export function connectionsFor(endpoint: string, options: ConnectionsOptions = {}): Connections {
  const deadlineMs = options.deadlineMs ?? managementDeadlineMs(endpoint);
  const url = (connectionId: string): URL => new URL(`${endpoint}/@connections/${encodeURIComponent(connectionId)}`);
  return {
    post: (connectionId, data) => unlessGone("PostToConnection", url(connectionId), "POST", data, deadlineMs),
    close: (connectionId) => unlessGone("DeleteConnection", url(connectionId), "DELETE", undefined, deadlineMs),
  };
}
