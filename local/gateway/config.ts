import { isIP } from "node:net";
import { DEFAULT_MAX_CONCURRENCY } from "../lambda/host.ts";

/** Settings of the local gateway, parsed once and frozen; every limit defaults to API Gateway's own. */
export interface GatewayConfig {
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  readonly stage: string;
  readonly apiId: string;
  readonly region: string;
  readonly accountId: string;
  /** API Gateway closes a connection idle for 10 minutes. */
  readonly idleTimeoutMs: number;
  /** API Gateway closes every connection after 2 hours. */
  readonly maxDurationMs: number;
  /** API Gateway's WebSocket message limit: 128 KB. */
  readonly maxMessageBytes: number;
  /** API Gateway's WebSocket frame limit: 32 KB; a larger message must be sent in fragments. */
  readonly maxFrameBytes: number;
  /** Per-invocation Lambda timeout. */
  readonly lambdaTimeoutMs: number;
  /** Containers per function at most (local processes); an invocation past it waits for a free one. */
  readonly lambdaConcurrency: number;
  /** RESERVED_CONCURRENCY, as Terraform's reserved_concurrency map: those functions throttle past it. */
  readonly reservedConcurrency: Readonly<Record<string, number>>;
}

export const DEFAULT_GATEWAY_CONFIG: GatewayConfig = Object.freeze({
  host: "127.0.0.1",
  port: 3001,
  stage: "dev",
  apiId: "local0api1",
  region: "eu-west-1",
  accountId: "123456789012",
  idleTimeoutMs: 10 * 60 * 1000,
  maxDurationMs: 2 * 60 * 60 * 1000,
  maxMessageBytes: 128 * 1024,
  maxFrameBytes: 32 * 1024,
  lambdaTimeoutMs: 10_000,
  lambdaConcurrency: DEFAULT_MAX_CONCURRENCY,
  reservedConcurrency: Object.freeze({}),
});

export class GatewayConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, expected: string, got: string) {
    super(`${variable}: expected ${expected}, got ${JSON.stringify(got)}`);
    this.name = "GatewayConfigError";
    this.variable = variable;
  }
}

type Env = Record<string, string | undefined>;

function wholeNumber(env: Env, name: string, min: number, max: number): number | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max)
    throw new GatewayConfigError(name, `a whole number from ${min} to ${max}`, raw);
  return value;
}

function parseHost(raw: string | undefined): string {
  const host = raw?.trim() || DEFAULT_GATEWAY_CONFIG.host;
  const bare = host.replace(/^\[(.*)\]$/, "$1");
  if (bare !== "localhost" && isIP(bare) === 0)
    throw new GatewayConfigError("HOST", "an IP address such as 127.0.0.1 or ::1 (or localhost)", host);
  return bare;
}

const STAGE = /^[A-Za-z0-9_-]{1,128}$/;
const RESERVATION = /^([a-z][a-z0-9-]*)=(\d{1,4})$/;

/** RESERVED_CONCURRENCY="message=5,authoriser=50": Terraform's reserved_concurrency map, in one variable. */
function parseReservedConcurrency(raw: string | undefined): Readonly<Record<string, number>> {
  const reserved: Record<string, number> = {};
  for (const part of (raw ?? "").split(",").map((item) => item.trim())) {
    if (part === "") continue;
    const match = RESERVATION.exec(part);
    if (!match || Number(match[2]) > 1000)
      throw new GatewayConfigError(
        "RESERVED_CONCURRENCY",
        "function=count pairs, comma-separated, counts 0 to 1000 (e.g. message=5)",
        raw ?? "",
      );
    reserved[match[1] as string] = Number(match[2]);
  }
  return Object.freeze(reserved);
}

/** The gateway's settings from the environment (PORT, HOST, STAGE, IDLE_TIMEOUT_SECONDS, MAX_CONNECTION_SECONDS, LAMBDA_TIMEOUT_SECONDS, LAMBDA_CONCURRENCY, RESERVED_CONCURRENCY). */
export function parseGatewayConfig(env: Env, overrides: Partial<GatewayConfig> = {}): GatewayConfig {
  const stage = env.STAGE?.trim() || DEFAULT_GATEWAY_CONFIG.stage;
  if (!STAGE.test(stage)) throw new GatewayConfigError("STAGE", "a stage name of letters, digits, '-' and '_'", stage);
  const idle = wholeNumber(env, "IDLE_TIMEOUT_SECONDS", 1, 600);
  const max = wholeNumber(env, "MAX_CONNECTION_SECONDS", 1, 7200);
  const lambda = wholeNumber(env, "LAMBDA_TIMEOUT_SECONDS", 1, 900);
  const concurrency = wholeNumber(env, "LAMBDA_CONCURRENCY", 1, 1000);
  return Object.freeze({
    ...DEFAULT_GATEWAY_CONFIG,
    host: parseHost(env.HOST),
    port: wholeNumber(env, "PORT", 0, 65_535) ?? DEFAULT_GATEWAY_CONFIG.port,
    stage,
    ...(idle === undefined ? {} : { idleTimeoutMs: idle * 1000 }),
    ...(max === undefined ? {} : { maxDurationMs: max * 1000 }),
    ...(lambda === undefined ? {} : { lambdaTimeoutMs: lambda * 1000 }),
    ...(concurrency === undefined ? {} : { lambdaConcurrency: concurrency }),
    reservedConcurrency: parseReservedConcurrency(env.RESERVED_CONCURRENCY),
    ...overrides,
  });
}

/** host:port as a URL authority, for ws:// URLs and the event's domainName; a wildcard bind is reached on loopback. */
export function authority(host: string, port: number): string {
  const reachable = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return isIP(reachable) === 6 ? `[${reachable}]:${port}` : `${reachable}:${port}`;
}
