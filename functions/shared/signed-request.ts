// One SigV4-signed HTTP request (sigv4.ts) over our HTTP/1.1 client (http1.ts): the Management API client, the
// DynamoDB client and Cognito's all send through here, so the socket pools, the credentials and the signing live in
// one place.
import { WsAuthError } from "./errors.ts";
import { exchange, Http1Failure } from "./http1.ts";
import { signRequest, wirePath } from "./sigv4.ts";

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
  /** Names in lower case (see http1.ts for a repeated header). */
  readonly headers: Readonly<Record<string, string>>;
  /** The body, when `maxAnswerBytes` asked for it; otherwise "". */
  readonly text: string;
}

/** Sign and send one request (signed afresh on each call: the signature carries the time). */
export async function sendSigned(url: URL, options: SignedRequest): Promise<SignedAnswer> {
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
  try {
    const answer = await exchange({
      origin: url,
      method: options.method,
      path,
      headers,
      body,
      maxSockets: options.maxSockets ?? Number.POSITIVE_INFINITY,
      deadlineMs: options.deadlineMs,
      maxAnswerBytes: options.maxAnswerBytes ?? 0,
    });
    return { status: answer.status, headers: answer.headers, text: answer.body.toString("utf8") };
  } catch (err) {
    if (!(err instanceof Http1Failure)) throw err;
    const { cause } = err;
    throw new TransportError(options.service, err.code, err.reached, cause === undefined ? undefined : { cause });
  }
}
