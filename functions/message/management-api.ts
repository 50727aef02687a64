import type { Agent, IncomingMessage, request as httpRequest } from "node:http";
import { createRequire } from "node:module";
import aws4 from "aws4";

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

interface Transport {
  readonly request: typeof httpRequest;
  readonly agent: Agent;
}

// node:http(s) through require, on first use: an ES import of node:http also loads undici (~20 ms of init).
const requireBuiltin = createRequire(import.meta.url);
const transports = new Map<string, Transport>();

/** One keep-alive socket pool per scheme for the life of the container. */
function transportFor(protocol: string): Transport {
  let transport = transports.get(protocol);
  if (transport === undefined) {
    const module = requireBuiltin(protocol === "http:" ? "node:http" : "node:https") as typeof import("node:http");
    transport = { request: module.request, agent: new module.Agent({ keepAlive: true }) };
    transports.set(protocol, transport);
  }
  return transport;
}

interface Answer {
  readonly status: number;
  readonly errorType: string | undefined;
}

/** Lambda puts the function role's credentials and the region in the environment of every container. */
function signingContext(env: Record<string, string | undefined> = process.env) {
  const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION } = env;
  if (!AWS_ACCESS_KEY_ID || !AWS_SECRET_ACCESS_KEY || !AWS_REGION) {
    throw new Error("AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION must be set (Lambda sets them)");
  }
  return {
    region: AWS_REGION,
    credentials: {
      accessKeyId: AWS_ACCESS_KEY_ID,
      secretAccessKey: AWS_SECRET_ACCESS_KEY,
      ...(AWS_SESSION_TOKEN ? { sessionToken: AWS_SESSION_TOKEN } : {}),
    },
  };
}

/** One SigV4-signed request (signed afresh on each attempt: the signature carries the time). */
function send(url: URL, method: "POST" | "DELETE", body: string | undefined): Promise<Answer> {
  const { region, credentials } = signingContext();
  const { request, agent } = transportFor(url.protocol);
  const options = aws4.sign(
    {
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port,
      path: url.pathname,
      method,
      service: "execute-api",
      region,
      headers: { Host: url.host, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      ...(body === undefined ? {} : { body }),
      agent,
    },
    credentials,
  );
  return new Promise((resolve, reject) => {
    const req = request(options, (res: IncomingMessage) => {
      res.resume();
      res.on("end", () => {
        const errorType = res.headers["x-amzn-errortype"];
        resolve({
          status: res.statusCode ?? 0,
          errorType: typeof errorType === "string" ? errorType.split(":")[0] : undefined,
        });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
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
