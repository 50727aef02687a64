// The whole stack on loopback: a local issuer standing in for Cognito, one Lambda host per built zip, and the
// gateway in front. `make dev` and the end-to-end tests start exactly this.
import { LocalIssuer } from "../dev/issuer.ts";
import type { LambdaHost } from "../lambda/host.ts";
import type { GatewayConfig } from "./config.ts";
import { createFunctionHosts, stopFunctionHosts } from "./functions.ts";
import { RefusalReasons } from "./refusal-reasons.ts";
import { type Invocation, LocalGateway, type LocalGatewayOptions } from "./server.ts";
import { identitySources, loadStack, type Stack } from "./stack.ts";

export const DEFAULT_TOKEN_LOCATION = "query";
export const DEFAULT_TOKEN_QUERY_PARAM = "auth";

/** Variables the local issuer sets for the authoriser; any value of the caller's for them is ignored. */
const ISSUER_VARIABLES = new Set(["USER_POOL_ID", "CLIENT_ID", "JWKS_URI", "ISSUER", "JWKS_JSON"]);

export interface LocalStackOptions {
  readonly config: GatewayConfig;
  /** Values for the functions' variables (TOKEN_USE, REQUIRED_GROUPS, TOKEN_QUERY_PARAM...). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** A key of stack.json's authoriser.tokenLocations. */
  readonly tokenLocation?: string;
  readonly stack?: Stack;
  readonly distDir?: string;
  readonly onLog?: (line: string, source: string) => void;
  readonly onInvocation?: (invocation: Invocation) => void;
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
  close(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const stack = options.stack ?? loadStack();
  const tokenLocation = options.tokenLocation ?? DEFAULT_TOKEN_LOCATION;
  const callerEnv = Object.fromEntries(Object.entries(options.env ?? {}).filter(([name]) => !ISSUER_VARIABLES.has(name)));
  const tokenQueryParam = callerEnv.TOKEN_QUERY_PARAM?.trim() || DEFAULT_TOKEN_QUERY_PARAM;
  const sources = identitySources(stack, tokenLocation, { TOKEN_QUERY_PARAM: tokenQueryParam });

  const issuer = new LocalIssuer();
  const refusalReasons = options.explainRefusals ? new RefusalReasons() : undefined;
  const callerLog = options.onLog;
  const authoriserName = stack.authoriser?.function;
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
  try {
    await issuer.listen({ host: "127.0.0.1" });
    hosts = createFunctionHosts({
      stack,
      ...(options.distDir === undefined ? {} : { distDir: options.distDir }),
      env: { ...callerEnv, USER_POOL_ID: issuer.userPoolId, CLIENT_ID: issuer.clientId, JWKS_URI: issuer.jwksUri },
      timeoutMs: options.config.lambdaTimeoutMs,
      ...(hostLog ? { onLog: hostLog } : {}),
    });
    // Init every container now, so a bad variable fails the start-up instead of the first connection.
    await Promise.all(Object.values(hosts).map((host) => host.warm()));
    gateway = new LocalGateway({
      config: options.config,
      stack,
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
    await issuer.close();
    throw err;
  }
  const started = gateway;
  return {
    issuer,
    gateway: started,
    hosts,
    tokenLocation,
    tokenQueryParam,
    close: async () => {
      await started.close();
      await stopFunctionHosts(hosts);
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
