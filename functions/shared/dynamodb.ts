import { WsAuthError } from "./errors.ts";
import { sendSigned, TransportError } from "./signed-request.ts";

// SigV4-signed calls to DynamoDB's JSON API (sigv4.ts), not @aws-sdk/client-dynamodb: `make bench` measures the
// SDK at several times the cold start of $connect (bench/registry.ts), and $connect sits on the handshake path.

/** A DynamoDB answer other than success, with AWS's error type (e.g. ConditionalCheckFailedException). */
export class DynamoDbError extends WsAuthError {
  readonly status: number;
  readonly errorType: string;
  /** The item a failed condition was checked against, when the call asked for it (ReturnValuesOnConditionCheckFailure). */
  readonly item: Item | undefined;
  constructor(operation: string, status: number, errorType: string, options?: ErrorOptions & { item?: Item }) {
    super(`DynamoDB ${operation} failed: status ${status} (${errorType})`, options);
    this.name = "DynamoDbError";
    this.status = status;
    this.errorType = errorType;
    this.item = options?.item;
  }
}

export type AttributeValue =
  | { S: string }
  | { N: string }
  | { BOOL: boolean }
  | { NULL: true }
  | { L: AttributeValue[] };
export type Item = Record<string, AttributeValue>;

export interface DynamoDb {
  call<T = Record<string, unknown>>(operation: string, body: Record<string, unknown>): Promise<T>;
}

// A Lambda container runs one invocation at a time; the cap matters where many share one (the sweeper's 16
// closes, the local host), so that a burst queues here instead of opening a socket per call.
const MAX_SOCKETS = 16;
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;
/** Every call, retries included, ends within this: a deadline from the first attempt, not an idle-socket timeout. */
export const DYNAMODB_DEADLINE_MS = 5_000;
/** moto on loopback (`make dev`, the tests) shares a loaded machine: hundreds of calls at once queue past 5 s. */
export const LOOPBACK_DEADLINE_MS = 30_000;

/** DynamoDB answers in milliseconds; a loopback stand-in (plain http is only allowed there) may not. */
export function dynamoDbDeadlineMs(endpoint: string): number {
  return endpoint.startsWith("http:") ? LOOPBACK_DEADLINE_MS : DYNAMODB_DEADLINE_MS;
}

interface ErrorAnswer {
  readonly errorType: string;
  readonly item: Item | undefined;
}

/** `{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","Item":{...}}` -> its type and item. */
export function readError(text: string): ErrorAnswer {
  try {
    const { __type: type, Item: item } = JSON.parse(text) as { __type?: unknown; Item?: unknown };
    if (typeof type === "string") {
      const isItem = typeof item === "object" && item !== null && !Array.isArray(item);
      return { errorType: type.slice(type.lastIndexOf("#") + 1), item: isItem ? (item as Item) : undefined };
    }
  } catch {
    // Not JSON: a proxy or load balancer answered.
  }
  return { errorType: "UnknownError", item: undefined };
}

/** Throttling (a 400) is retried, as is any 5xx; a client error (validation, access, missing table...) never is. */
const RETRYABLE = new Set(["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"]);
/** No retry can help: the deadline is spent, or the endpoint's name does not resolve (a configuration error). */
const FINAL_TRANSPORT_CODES = new Set(["DEADLINE", "ENOTFOUND"]);
export const DYNAMODB_ATTEMPTS = 3;

function isRetryable(err: unknown): boolean {
  return err instanceof TransportError && !FINAL_TRANSPORT_CODES.has(err.code);
}

export interface DynamoDbOptions {
  readonly deadlineMs?: number;
}

/**
 * DynamoDB's JSON API at `endpoint`, with the SDK's standard policy within one deadline: three attempts for
 * throttling, 5xx and network errors. Every call we make is safe to repeat: reads, puts of a whole item, and
 * conditional writes whose repeat fails its condition.
 */
export function createDynamoDb(endpoint: string, region: string, options: DynamoDbOptions = {}): DynamoDb {
  const url = new URL(endpoint);
  const deadlineMs = options.deadlineMs ?? dynamoDbDeadlineMs(endpoint);
  return {
    async call<T>(operation: string, body: Record<string, unknown>): Promise<T> {
      const payload = JSON.stringify(body);
      const deadline = Date.now() + deadlineMs;
      for (let attempt = 1; ; attempt += 1) {
        let failure: DynamoDbError;
        let retryable: boolean;
        try {
          const answer = await sendSigned(url, {
            method: "POST",
            service: "dynamodb",
            region,
            headers: {
              "Content-Type": "application/x-amz-json-1.0",
              "X-Amz-Target": `DynamoDB_20120810.${operation}`,
            },
            body: payload,
            maxSockets: MAX_SOCKETS,
            deadlineMs: Math.max(1, deadline - Date.now()),
            maxAnswerBytes: MAX_ANSWER_BYTES,
          });
          if (answer.status >= 200 && answer.status < 300) return JSON.parse(answer.text) as T;
          const { errorType, item } = readError(answer.text);
          failure = new DynamoDbError(operation, answer.status, errorType, { item });
          retryable = answer.status >= 500 || RETRYABLE.has(errorType);
        } catch (err) {
          const code = err instanceof TransportError ? err.code : (err as Error).name;
          failure = new DynamoDbError(operation, 0, code, { cause: err });
          retryable = isRetryable(err);
        }
        const pause = Math.random() * 50 * 2 ** attempt;
        if (!retryable || attempt === DYNAMODB_ATTEMPTS || Date.now() + pause >= deadline) throw failure;
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    },
  };
}
