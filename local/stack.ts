// The whole stack on loopback: a local issuer standing in for Cognito, one Lambda host per built zip, and the
// gateway in front. `make dev` and the end-to-end tests start exactly this.
import { type ApiDescription, identitySources, loadApiDescription, routeRequirementsValue } from "./api-description.ts";
import type { GatewayConfig } from "./gateway/config.ts";
import { RefusalReasons } from "./gateway/refusal-reasons.ts";
import { type Invocation, LocalGateway, type LocalGatewayOptions } from "./gateway/server.ts";
import { LocalIssuer } from "./issuer/issuer.ts";
import { createFunctionHosts, stopFunctionHosts } from "./lambda/functions.ts";
import type { LambdaHost } from "./lambda/host.ts";
import { type LocalRegistry, startLocalRegistry } from "./registry-table.ts";
import { checkStackSettings } from "./settings-check.ts";
import { parseSweepInterval, type Sweeper, startSweeper } from "./sweep-schedule.ts";

export const DEFAULT_TOKEN_LOCATION = "query";
export const DEFAULT_TOKEN_QUERY_PARAM = "auth";

/** Variables the stack sets (the local issuer's, the table, api.json's route requirements); the caller's are ignored. */
const ISSUER_VARIABLES = new Set([
  "USER_POOL_ID",
  "CLIENT_ID",
  "JWKS_URI",
  "ISSUER",
  "JWKS_JSON",
  "CONNECTIONS_TABLE",
  "ROUTE_REQUIREMENTS",
]);

export interface LocalStackOptions {
  readonly config: GatewayConfig;
  /** Values for the functions' variables (TOKEN_USE, REQUIRED_GROUPS, TOKEN_QUERY_PARAM...). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** A key of api.json's authoriser.tokenLocations. */
  readonly tokenLocation?: string;
  readonly api?: ApiDescription;
  readonly distDir?: string;
  readonly onLog?: (line: string, source: string) => void;
  readonly onInvocation?: (invocation: Invocation) => void;
  /** A running DynamoDB (a shared moto in tests); default: DYNAMODB_ENDPOINT from env, else moto started here. */
  readonly dynamodbEndpoint?: string;
  /** Dev only: tell refused clients the authoriser's reason (x-local-gateway-reason header and body). */
  readonly explainRefusals?: boolean;
  readonly httpRoutes?: LocalGatewayOptions["httpRoutes"];
}

export interface LocalStack {
  readonly issuer: LocalIssuer;
  readonly gateway: LocalGateway;
  readonly hosts: Readonly<Record<string, LambdaHost>>;
  readonly tokenLocation: string;
  readonly tokenQueryParam: string;
  /** The connection registry's table in the local DynamoDB. */
  readonly registry: LocalRegistry;
  /** Runs the scheduled sweeper every SWEEP_INTERVAL_SECONDS; sweepNow() for a run on demand. */
  readonly sweeper: Sweeper | undefined;
  close(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const api = options.api ?? loadApiDescription();
  const tokenLocation = options.tokenLocation ?? DEFAULT_TOKEN_LOCATION;
  const callerEnv = Object.fromEntries(
    Object.entries(options.env ?? {}).filter(([name]) => !ISSUER_VARIABLES.has(name)),
  );
  const tokenQueryParam = callerEnv.TOKEN_QUERY_PARAM?.trim() || DEFAULT_TOKEN_QUERY_PARAM;
  // Before moto and the containers start: a bad setting fails here, in one line naming it.
  checkStackSettings(
    { ...callerEnv, DYNAMODB_ENDPOINT: options.dynamodbEndpoint ?? callerEnv.DYNAMODB_ENDPOINT },
    api,
    tokenLocation,
    options.config,
  );
  const sources = identitySources(api, tokenLocation, { TOKEN_QUERY_PARAM: tokenQueryParam });

  const sweepIntervalMs = parseSweepInterval(callerEnv);
  const issuer = new LocalIssuer();
  const refusalReasons = options.explainRefusals ? new RefusalReasons() : undefined;
  const callerLog = options.onLog;
  const authoriserName = api.authoriser?.function;
  const hostLog =
    refusalReasons === undefined
      ? callerLog
      : (line: string, source: string): void => {
          if (source === authoriserName) refusalReasons.observe(line);
          if (callerLog) callerLog(line, source);
          else process.stderr.write(`[${source}] ${line}\n`);
        };
  let hosts: Record<string, LambdaHost> = {};
  let gateway: LocalGateway | undefined;
  let registry: LocalRegistry | undefined;
  try {
    await issuer.listen({ host: "127.0.0.1" });
    registry = await startLocalRegistry({
      endpoint: options.dynamodbEndpoint ?? (callerEnv.DYNAMODB_ENDPOINT?.trim() || undefined),
    });
    hosts = createFunctionHosts({
      api,
      ...(options.distDir === undefined ? {} : { distDir: options.distDir }),
      env: {
        ...callerEnv,
        USER_POOL_ID: issuer.userPoolId,
        CLIENT_ID: issuer.clientId,
        JWKS_URI: issuer.jwksUri,
        CONNECTIONS_TABLE: registry.tableName,
        DYNAMODB_ENDPOINT: registry.endpoint,
        // The schedule below, so the sweeper checks REAUTH_WARNING_SECONDS against it (as Terraform passes it).
        SWEEP_INTERVAL_SECONDS: String(sweepIntervalMs / 1000),
        // As Terraform sets it: api.json's routeAuthorisation, for the functions that list it.
        ROUTE_REQUIREMENTS: routeRequirementsValue(api),
      },
      timeoutMs: options.config.lambdaTimeoutMs,
      maxConcurrency: options.config.lambdaConcurrency,
      reservedConcurrency: options.config.reservedConcurrency,
      ...(hostLog ? { onLog: hostLog } : {}),
    });
    // Init one container per function now, so a bad variable fails the start-up instead of the first connection.
    await Promise.all(Object.values(hosts).map((host) => host.warm()));
    gateway = new LocalGateway({
      config: options.config,
      api,
      functions: hosts,
      identitySources: sources,
      ...(hostLog ? { onLog: (line: string) => hostLog(line, "gateway") } : {}),
      ...(options.onInvocation ? { onInvocation: options.onInvocation } : {}),
      ...(refusalReasons ? { refusalReasons } : {}),
      ...(options.httpRoutes ? { httpRoutes: options.httpRoutes } : {}),
    });
    await gateway.listen();
  } catch (err) {
    await stopFunctionHosts(hosts);
    await registry?.close();
    await issuer.close();
    throw err;
  }
  const started = gateway;
  const startedRegistry = registry;
  const sweeperHosts = api.scheduled.flatMap((name) => (hosts[name] === undefined ? [] : [hosts[name]]));
  const sweeper =
    sweeperHosts.length === 0
      ? undefined
      : startSweeper(sweeperHosts, sweepIntervalMs, hostLog ? (line) => hostLog(line, "sweeper") : undefined);
  return {
    issuer,
    gateway: started,
    hosts,
    tokenLocation,
    tokenQueryParam,
    registry: startedRegistry,
    sweeper,
    close: async () => {
      await sweeper?.stop();
      await started.close();
      await stopFunctionHosts(hosts);
      await startedRegistry.close();
      await issuer.close();
    },
  };
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A wscat command line that connects with the token where the stack's identity source expects it. */
export function wscatCommand(url: string, token: string, tokenLocation: string, tokenQueryParam: string): string {
  if (tokenLocation === "protocol") return `wscat -c ${shellQuote(url)} -s bearer -s ${shellQuote(token)}`;
  const withToken = new URL(url);
  withToken.searchParams.set(tokenQueryParam, token);
  return `wscat -c ${shellQuote(withToken.toString())}`;
}
