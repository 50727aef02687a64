import { WsAuthError } from "./errors.ts";
import { sendSigned } from "./signed-request.ts";

// SigV4-signed calls to DynamoDB's JSON API with aws4, not @aws-sdk/client-dynamodb: `make bench` measures the
// SDK at several times the cold start of $connect (bench/registry.ts), and $connect sits on the handshake path.

/** A DynamoDB answer other than success, with AWS's error type (e.g. ConditionalCheckFailedException). */
export class DynamoDbError extends WsAuthError {
  readonly status: number;
  readonly errorType: string;
  constructor(operation: string, status: number, errorType: string, options?: ErrorOptions) {
    super(`DynamoDB ${operation} failed: status ${status} (${errorType})`, options);
    this.name = "DynamoDbError";
    this.status = status;
    this.errorType = errorType;
  }
}

export type AttributeValue = { S: string } | { N: string } | { BOOL: boolean } | { NULL: true };
export type Item = Record<string, AttributeValue>;

export interface DynamoDb {
  call<T = Record<string, unknown>>(operation: string, body: Record<string, unknown>): Promise<T>;
}

// A Lambda container runs one invocation at a time; the cap matters where many share one (the sweeper's 16
// closes, the local host), so that a burst queues here instead of opening a socket per call.
const MAX_SOCKETS = 16;
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

interface Answer {
  readonly status: number;
  readonly text: string;
}

function send(url: URL, region: string, operation: string, body: string): Promise<Answer> {
  return sendSigned(url, {
    method: "POST",
    service: "dynamodb",
    region,
    headers: { "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": `DynamoDB_20120810.${operation}` },
    body,
    maxSockets: MAX_SOCKETS,
    timeoutMs: 5_000,
    maxAnswerBytes: MAX_ANSWER_BYTES,
  });
}

/** `com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException` -> `ConditionalCheckFailedException`. */
function errorTypeOf(text: string): string {
  try {
    const type = (JSON.parse(text) as { __type?: unknown }).__type;
    if (typeof type === "string") return type.slice(type.lastIndexOf("#") + 1);
  } catch {
    // Not JSON: a proxy or load balancer answered.
  }
  return "UnknownError";
}

const RETRYABLE = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "InternalServerError",
]);
const ATTEMPTS = 3;

/** DynamoDB's JSON API at `endpoint`, with the SDK's standard policy: three attempts for throttling, 5xx and network errors. */
export function createDynamoDb(endpoint: string, region: string): DynamoDb {
  const url = new URL(endpoint);
  return {
    async call<T>(operation: string, body: Record<string, unknown>): Promise<T> {
      const payload = JSON.stringify(body);
      for (let attempt = 1; ; attempt += 1) {
        let answer: Answer;
        try {
          answer = await send(url, region, operation, payload);
        } catch (err) {
          if (attempt === ATTEMPTS) throw new DynamoDbError(operation, 0, "NetworkError", { cause: err });
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 50 * 2 ** attempt));
          continue;
        }
        if (answer.status >= 200 && answer.status < 300) return JSON.parse(answer.text) as T;
        const errorType = errorTypeOf(answer.text);
        if (attempt === ATTEMPTS || !(answer.status >= 500 || RETRYABLE.has(errorType)))
          throw new DynamoDbError(operation, answer.status, errorType);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 50 * 2 ** attempt));
      }
    },
  };
}
