/** Settings of the authoriser, parsed once at init from the environment. */
export interface AuthoriserConfig {
  /** Set for a Cognito user pool; undefined for a generic OIDC issuer (ISSUER). */
  readonly userPoolId: string | undefined;
  readonly issuer: string;
  readonly jwksUri: string;
  readonly clientIds: readonly string[];
  /** `any` accepts both Cognito ID and access tokens; generic OIDC issuers have no token_use. */
  readonly tokenUse: "id" | "access" | "any";
  readonly tokenQueryParam: string;
  readonly requiredGroups: readonly string[];
  /** Keys known at deploy time, seeding the cache so that a cold start makes no network call. */
  readonly seedJwks: unknown;
  readonly jwksCacheSeconds: number;
}

export class ConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, expected: string, got: string | undefined) {
    super(`${variable}: expected ${expected}, got ${got === undefined ? "nothing (unset)" : JSON.stringify(truncate(got))}`);
    this.name = "ConfigError";
    this.variable = variable;
  }
}

type Env = Record<string, string | undefined>;

const USER_POOL_ID = /^(?<region>[a-z]{2}(?:-gov)?-[a-z]+-\d)_[A-Za-z0-9]+$/;
const CLIENT_ID = /^[\w.:\/-]{1,128}$/;
const QUERY_PARAM = /^[A-Za-z0-9_.~-]{1,64}$/;
const GROUP = /^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u;
const LOOPBACK_HOST = /^(?:localhost|\[::1\]|127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;

function truncate(value: string): string {
  return value.length > 80 ? `${value.slice(0, 77)}...` : value;
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

function commaList(value: string | undefined): string[] {
  return (value ?? "").split(",").map((item) => item.trim()).filter((item) => item !== "");
}

/** https everywhere; plain http only to this machine (local issuers and test servers). */
export function parseKeysUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(name, "an absolute https:// URL", value);
  }
  const loopback = LOOPBACK_HOST.test(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new ConfigError(name, "an https:// URL (http:// only for a loopback host)", value);
  }
  if (url.username || url.password) throw new ConfigError(name, "a URL without credentials", "<url with credentials>");
  return url.toString();
}

function parseSeedJwks(value: string | undefined): unknown {
  if (value === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new ConfigError("JWKS_JSON", "a JSON Web Key Set ({\"keys\": [...]})", value);
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new ConfigError("JWKS_JSON", "a JSON Web Key Set with a non-empty \"keys\" array", value);
  }
  return parsed;
}

export function parseConfig(env: Env): AuthoriserConfig {
  const userPoolIdRaw = optional(env, "USER_POOL_ID");
  const issuerRaw = optional(env, "ISSUER");
  const jwksUriRaw = optional(env, "JWKS_URI");

  let userPoolId: string | undefined;
  let issuer: string;
  let defaultJwksUri: string | undefined;
  if (issuerRaw !== undefined) {
    issuer = parseKeysUrl("ISSUER", issuerRaw).replace(/\/$/, "");
    if (jwksUriRaw === undefined) throw new ConfigError("JWKS_URI", "the issuer's JWKS URL (required with ISSUER)", undefined);
    if (userPoolIdRaw !== undefined) throw new ConfigError("USER_POOL_ID", "unset when ISSUER is set (one issuer only)", userPoolIdRaw);
  } else {
    const match = userPoolIdRaw === undefined ? null : USER_POOL_ID.exec(userPoolIdRaw);
    if (!match?.groups) {
      throw new ConfigError("USER_POOL_ID", "a Cognito user pool id like eu-west-1_AbC123 (or set ISSUER for another OIDC provider)", userPoolIdRaw);
    }
    userPoolId = userPoolIdRaw;
    issuer = `https://cognito-idp.${match.groups.region}.amazonaws.com/${userPoolId}`;
    defaultJwksUri = `${issuer}/.well-known/jwks.json`;
  }
  const jwksUri = jwksUriRaw !== undefined ? parseKeysUrl("JWKS_URI", jwksUriRaw) : (defaultJwksUri as string);

  const clientIds = commaList(env.CLIENT_ID);
  if (clientIds.length === 0 || !clientIds.every((id) => CLIENT_ID.test(id))) {
    throw new ConfigError("CLIENT_ID", "one or more app client ids, comma-separated", env.CLIENT_ID);
  }

  const tokenUseRaw = optional(env, "TOKEN_USE") ?? (issuerRaw === undefined ? "id" : "any");
  if (tokenUseRaw !== "id" && tokenUseRaw !== "access" && tokenUseRaw !== "any") {
    throw new ConfigError("TOKEN_USE", "one of id, access, any", tokenUseRaw);
  }

  const tokenQueryParam = optional(env, "TOKEN_QUERY_PARAM") ?? "auth";
  if (!QUERY_PARAM.test(tokenQueryParam)) {
    throw new ConfigError("TOKEN_QUERY_PARAM", "a query parameter name of letters, digits, '-', '_', '.', '~'", tokenQueryParam);
  }

  const requiredGroups = commaList(env.REQUIRED_GROUPS);
  if (!requiredGroups.every((group) => GROUP.test(group))) {
    throw new ConfigError("REQUIRED_GROUPS", "Cognito group names, comma-separated", env.REQUIRED_GROUPS);
  }

  const cacheRaw = optional(env, "JWKS_CACHE_SECONDS") ?? "3600";
  const jwksCacheSeconds = Number(cacheRaw);
  if (!/^\d+$/.test(cacheRaw) || jwksCacheSeconds < 60 || jwksCacheSeconds > 86_400) {
    throw new ConfigError("JWKS_CACHE_SECONDS", "whole seconds from 60 to 86400", cacheRaw);
  }

  return Object.freeze({
    userPoolId,
    issuer,
    jwksUri,
    clientIds: Object.freeze(clientIds),
    tokenUse: tokenUseRaw,
    tokenQueryParam,
    requiredGroups: Object.freeze(requiredGroups),
    seedJwks: parseSeedJwks(optional(env, "JWKS_JSON")),
    jwksCacheSeconds,
  });
}
