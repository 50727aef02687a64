// One SigV4-signed HTTP request (sigv4.ts) over node:http(s): the Management API client and the DynamoDB client
// both send through here, so the socket pools, the credentials and the signing live in one place.
import type { Agent, IncomingHttpHeaders, IncomingMessage, request as httpRequest } from "node:http";
import { WsAuthError } from "./errors.ts";
import { signRequest, wirePath } from "./sigv4.ts";

interface Transport {
  readonly request: typeof httpRequest;
  readonly agent: Agent;
}

// node:http(s) on first use, through process.getBuiltinModule: an ES import of node:http also loads undici (~20 ms
// of init).
const transports = new Map<string, Transport>();

/** One keep-alive socket pool per scheme and socket cap, for the life of the container. */
function transportFor(protocol: string, maxSockets: number): Transport {
  const key = `${protocol}${maxSockets}`;
  let transport = transports.get(key);
  if (transport === undefined) {
    const module = process.getBuiltinModule(protocol === "http:" ? "node:http" : "node:https");
    transport = { request: module.request, agent: new module.Agent({ keepAlive: true, maxSockets }) };
    transports.set(key, transport);
  }
  return transport;
}

/** The environment lacks what a signed call needs (credentials, region): no retry can help. */
export class SigningConfigError extends WsAuthError {
  constructor(message: string) {
    super(message);
    this.name = "SigningConfigError";
  }
}

/**
 * A request that got no answer: refused, reset, or past its deadline. `mayHaveReached` is false only when no
 * connection to the service was ever made, so a caller knows whether a retry could act twice.
 */
export class TransportError extends WsAuthError {
  readonly mayHaveReached: boolean;
  /** Node's error code (ECONNREFUSED, ENOTFOUND...), or DEADLINE when the deadline passed. */
  readonly code: string;
  constructor(service: string, code: string, mayHaveReached: boolean, options?: ErrorOptions) {
    super(`${service} call failed: ${code}`, options);
    this.name = "TransportError";
    this.code = code;
    this.mayHaveReached = mayHaveReached;
  }
}

/** Lambda puts the role's credentials in the environment of every container; read at each call (they rotate). */
function credentials(env: Record<string, string | undefined> = process.env) {
  const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN } = env;
  if (!AWS_ACCESS_KEY_ID || !AWS_SECRET_ACCESS_KEY)
    throw new SigningConfigError("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set (Lambda sets them)");
  return {
    accessKeyId: AWS_ACCESS_KEY_ID,
    secretAccessKey: AWS_SECRET_ACCESS_KEY,
    ...(AWS_SESSION_TOKEN ? { sessionToken: AWS_SESSION_TOKEN } : {}),
  };
}

export interface SignedRequest {
  readonly method: "POST" | "DELETE";
  readonly service: string;
  readonly region: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Sockets per scheme at most (default: no cap). */
  readonly maxSockets?: number;
  /** Give up on the whole request (connect, send, answer) this long after it starts: a deadline, not an idle timeout. */
  readonly deadlineMs: number;
  /** Keep at most this many bytes of the answer's body; a larger answer fails (default: the body is discarded). */
  readonly maxAnswerBytes?: number;
}

export interface SignedAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The body, when `maxAnswerBytes` asked for it; otherwise "". */
  readonly text: string;
}

/** Sign and send one request (signed afresh on each call: the signature carries the time). */
export async function sendSigned(url: URL, options: SignedRequest): Promise<SignedAnswer> {
  const { request, agent } = transportFor(url.protocol, options.maxSockets ?? Number.POSITIVE_INFINITY);
  const path = wirePath(url.pathname);
  const body = options.body ?? "";
  // node:crypto (~2 ms) loads here, on the first signature, not at init: the sweeper's init and any path that never
  // calls AWS skip it.
  const headers = signRequest(
    {
      method: options.method,
      path,
      headers: {
        host: url.host,
        ...options.headers,
        ...(options.body === undefined ? {} : { "content-length": String(Buffer.byteLength(body)) }),
      },
      body,
      service: options.service,
      region: options.region,
    },
    credentials(),
  );
  const signed = {
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port,
    path,
    method: options.method,
    headers,
    agent,
  };
  const keep = options.maxAnswerBytes ?? 0;
  return new Promise((resolve, reject) => {
    // Set once a connection to the service exists (a reused keep-alive socket already is one): from then on, the
    // service may have the request even if no answer comes.
    let reached = false;
    const timer = setTimeout(() => {
      fail("DEADLINE");
      req.destroy();
    }, options.deadlineMs);
    const fail = (code: string, cause?: unknown): void => {
      clearTimeout(timer);
      reject(new TransportError(options.service, code, reached, cause === undefined ? undefined : { cause }));
    };
    const req = request(signed, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        if (keep === 0) return;
        size += chunk.length;
        if (size > keep) res.destroy(new Error(`${options.service} answer over ${keep} bytes`));
        else chunks.push(chunk);
      });
      res.on("end", () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") });
      });
      res.on("error", (err: NodeJS.ErrnoException) => fail(err.code ?? "ANSWER_ERROR", err));
    });
    req.on("socket", (socket) => {
      if (!socket.connecting) reached = true;
      else
        socket.once("connect", () => {
          reached = true;
        });
    });
    req.on("error", (err: NodeJS.ErrnoException) => fail(err.code ?? "REQUEST_ERROR", err));
    req.end(options.body);
  });
}
