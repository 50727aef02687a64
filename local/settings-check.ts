// Every setting of the local stack checked in-process before anything starts (no build, no moto, no containers):
// a bad one fails in one line that names its variable, the same line the function would fail its cold start with.
import { parseConfig as parseAuthoriserConfig } from "../functions/authoriser/config.ts";
import { parseRegistryConfig } from "../functions/shared/registry-config.ts";
import { parseSweeperConfig } from "../functions/sweeper/config.ts";
import type { ApiDescription } from "./api-description.ts";
import { type GatewayConfig, GatewayConfigError } from "./gateway/config.ts";
import { LOCAL_CLIENT_ID, LOCAL_USER_POOL_ID } from "./issuer/issuer.ts";
import { LOCAL_REGION } from "./registry-table.ts";
import { parseSweepInterval } from "./sweep-schedule.ts";

type Env = Readonly<Record<string, string | undefined>>;

/** A start-up error that names the setting at fault; its message is the one line to print. */
export interface SettingError extends Error {
  readonly variable: string;
}

export function isSettingError(err: unknown): err is SettingError {
  return err instanceof Error && typeof (err as { variable?: unknown }).variable === "string";
}

/**
 * Throws the first bad setting among those the local stack passes on: the token location, the sweep interval, the
 * warning window (REAUTH_WARNING_SECONDS, at least one interval), DYNAMODB_ENDPOINT, and the authoriser's variables
 * (TOKEN_USE, REQUIRED_GROUPS...) as the stack would set them (issuer, client and JWKS URL are the local issuer's).
 */
export function checkStackSettings(
  env: Env,
  api: ApiDescription,
  tokenLocation: string,
  gateway?: Pick<GatewayConfig, "reservedConcurrency">,
): void {
  const functions = Object.keys(api.functions);
  const unknown = Object.keys(gateway?.reservedConcurrency ?? {}).filter((name) => !functions.includes(name));
  if (unknown.length > 0)
    throw new GatewayConfigError(
      "RESERVED_CONCURRENCY",
      `function names among ${functions.join(", ")}`,
      unknown.join(","),
    );
  const locations = Object.keys(api.authoriser?.tokenLocations ?? {});
  if (api.authoriser !== undefined && !locations.includes(tokenLocation))
    throw new GatewayConfigError("TOKEN_LOCATION", `one of ${locations.join(", ")}`, tokenLocation);
  const sweepIntervalMs = parseSweepInterval(env);
  parseSweeperConfig({ ...env, SWEEP_INTERVAL_SECONDS: String(sweepIntervalMs / 1000) });
  parseRegistryConfig({
    CONNECTIONS_TABLE: "wsauth-connections-check",
    AWS_REGION: LOCAL_REGION,
    DYNAMODB_ENDPOINT: env.DYNAMODB_ENDPOINT,
  });
  if (api.authoriser !== undefined)
    parseAuthoriserConfig({
      ...env,
      USER_POOL_ID: LOCAL_USER_POOL_ID,
      CLIENT_ID: LOCAL_CLIENT_ID,
      JWKS_URI: `http://127.0.0.1:1/${LOCAL_USER_POOL_ID}/.well-known/jwks.json`,
      ISSUER: undefined,
      JWKS_JSON: undefined,
    });
}
