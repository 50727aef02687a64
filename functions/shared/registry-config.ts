import { WsAuthError } from "./errors.ts";

/** Where the connection registry lives, parsed once at init from the environment. */
export interface RegistryConfig {
  readonly tableName: string;
  /** DynamoDB's regional endpoint, or DYNAMODB_ENDPOINT (moto in `make dev` and the tests). */
  readonly endpoint: string;
  readonly region: string;
}

export class RegistryConfigError extends WsAuthError {
  readonly variable: string;
  constructor(variable: string, expected: string, got: string | undefined) {
    super(
      `${variable}: expected ${expected}, got ${got === undefined ? "nothing (unset)" : JSON.stringify(got.slice(0, 80))}`,
    );
    this.name = "RegistryConfigError";
    this.variable = variable;
  }
}

type Env = Record<string, string | undefined>;

const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/;
const LOOPBACK_HOST = /^(?:localhost|\[::1\]|127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;

function parseEndpoint(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RegistryConfigError("DYNAMODB_ENDPOINT", "an absolute URL such as http://127.0.0.1:5000", raw);
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK_HOST.test(url.hostname))) {
    throw new RegistryConfigError("DYNAMODB_ENDPOINT", "an https:// URL (http:// only for a loopback host)", raw);
  }
  if (url.username || url.password || url.pathname !== "/" || url.search) {
    throw new RegistryConfigError("DYNAMODB_ENDPOINT", "a bare origin without credentials, path or query", raw);
  }
  return url.origin;
}

export function parseRegistryConfig(env: Env): RegistryConfig {
  const tableName = env.CONNECTIONS_TABLE?.trim();
  if (!tableName || !TABLE_NAME.test(tableName)) {
    throw new RegistryConfigError(
      "CONNECTIONS_TABLE",
      "the DynamoDB table name of the connection registry (3-255 of A-Z a-z 0-9 _ . -)",
      tableName,
    );
  }
  const region = env.AWS_REGION?.trim();
  if (!region || !REGION.test(region))
    throw new RegistryConfigError("AWS_REGION", "an AWS region such as eu-west-1 (Lambda sets it)", region);
  const endpointRaw = env.DYNAMODB_ENDPOINT?.trim();
  const endpoint = endpointRaw ? parseEndpoint(endpointRaw) : `https://dynamodb.${region}.amazonaws.com`;
  return Object.freeze({ tableName, endpoint, region });
}
