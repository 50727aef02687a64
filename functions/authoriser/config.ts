import { assertIsJwks } from "aws-jwt-verify/jwk";
import { ConfigError } from "./errors.ts";

export { ConfigError };

/** Signature algorithms aws-jwt-verify supports; ALLOWED_ALGORITHMS picks among them. */
export const SUPPORTED_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "EdDSA"] as const;
export type SignatureAlgorithm = (typeof SUPPORTED_ALGORITHMS)[number];

/** Settings of the authoriser, parsed once at init from the environment. */
export interface AuthoriserConfig {
  /** Set for a Cognito user pool; undefined for a generic OIDC issuer (ISSUER). */
  readonly userPoolId: string | undefined;
  /** The first accepted issuer (Cognito: the regional format). */
  readonly issuer: string;
  readonly jwksUri: string;
  /** Every accepted `iss`, compared exactly, each with the JWKS URL its keys come from. */
  readonly issuers: ReadonlyMap<string, string>;
  readonly clientIds: readonly string[];
  /** `any` accepts both Cognito ID and access tokens; generic OIDC issuers have no token_use. */
  readonly tokenUse: "id" | "access" | "any";
  readonly tokenQueryParam: string;
  readonly requiredGroups: readonly string[];
  /** Empty: no scope check; otherwise only access tokens carrying at least one of these scopes pass. */
  readonly requiredScopes: readonly string[];
  /** Where the groups are: a claim name (`cognito:groups`, `roles`) or a dotted path (`realm_access.roles`). */
  readonly groupsClaim: string;
  /** ISSUER only: the claim (name or dotted path) that names the user; undefined uses `sub`. */
  readonly usernameClaim: string | undefined;
  readonly allowedAlgorithms: readonly SignatureAlgorithm[];
  /** Keys known at deploy time, seeding the cache so that a cold start makes no network call. */
  readonly seedJwks: unknown;
  readonly jwksCacheSeconds: number;
}

type Env = Record<string, string | undefined>;

const USER_POOL_ID = /^(?<region>[a-z]{2}(?:-gov)?-[a-z]+-\d)_[A-Za-z0-9]+$/;
const CLIENT_ID = /^[\w.:/-]{1,128}$/;
const QUERY_PARAM = /^[A-Za-z0-9_.~-]{1,64}$/;
// Built on first use, from a string so that not even the parser sees it at load: its \p{…} classes cost ~0.8 ms of
// init, and REQUIRED_GROUPS is often unset.
let group: RegExp | undefined;
const GROUP = {
  test(value: string): boolean {
    // biome-ignore lint/complexity/useRegexLiterals: a literal would be parsed (and its \p{…} classes checked) at load.
    if (group === undefined) group = new RegExp("^[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]{1,128}$", "u");
    return group.test(value);
  },
};
// RFC 6749 3.3 scope-token: printable ASCII but space, `"` and `\`.
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]{1,256}$/;
const CLAIM_PATH = /^[\x21-\x7E]{1,256}$/;
const LOOPBACK_HOST = /^(?:localhost|\[::1\]|127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

function commaList(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/**
 * A list that switches a check on: unset or "" leaves it off, but a value that trims to nothing (" ", ",,")
 * fails, so a typo never turns the check off silently.
 */
function checkList(env: Env, name: string, pattern: { test(value: string): boolean }, expected: string): string[] {
  const raw = env[name];
  if (raw === undefined || raw === "") return [];
  const list = commaList(raw);
  if (list.length === 0 || !list.every((item) => pattern.test(item))) throw new ConfigError(name, expected, raw);
  return list;
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
    throw new ConfigError("JWKS_JSON", 'a JSON Web Key Set ({"keys": [...]})', value);
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new ConfigError("JWKS_JSON", 'a JSON Web Key Set with a non-empty "keys" array', value);
  }
  try {
    // The same test a fetched key set passes: every key an object with a string kty, its other fields strings.
    assertIsJwks(parsed as never);
  } catch (err) {
    throw new ConfigError("JWKS_JSON", "a JSON Web Key Set whose keys are JWK objects", value, { cause: err });
  }
  // Whether a key is usable (for ALLOWED_ALGORITHMS) is checked by the key store at init: see index.ts.
  return parsed;
}

export function parseConfig(env: Env): AuthoriserConfig {
  const userPoolIdRaw = optional(env, "USER_POOL_ID");
  const issuerRaw = optional(env, "ISSUER");
  const jwksUriRaw = optional(env, "JWKS_URI");

  let userPoolId: string | undefined;
  let issuerList: string[];
  if (issuerRaw !== undefined) {
    parseKeysUrl("ISSUER", issuerRaw);
    // OIDC Core 3.1.3.7: iss must exactly match; so ISSUER is kept as written (an Auth0 issuer ends in "/").
    issuerList = [issuerRaw];
    if (jwksUriRaw === undefined)
      throw new ConfigError("JWKS_URI", "the issuer's JWKS URL (required with ISSUER)", undefined);
    if (userPoolIdRaw !== undefined)
      throw new ConfigError("USER_POOL_ID", "unset when ISSUER is set (one issuer only)", userPoolIdRaw);
  } else {
    const match = userPoolIdRaw === undefined ? null : USER_POOL_ID.exec(userPoolIdRaw);
    if (!match?.groups) {
      throw new ConfigError(
        "USER_POOL_ID",
        "a Cognito user pool id like eu-west-1_AbC123 (or set ISSUER for another OIDC provider)",
        userPoolIdRaw,
      );
    }
    userPoolId = userPoolIdRaw;
    // Both formats Cognito issues (API reference, IssuerConfigurationType: LEGACY and UPDATED), for this pool only,
    // in the pool's own region; aws-jwt-verify's CognitoJwtVerifier accepts the same two.
    issuerList = [
      `https://cognito-idp.${match.groups.region}.amazonaws.com/${userPoolId}`,
      `https://issuer-cognito-idp.${match.groups.region}.amazonaws.com/${userPoolId}`,
    ];
  }
  const jwksOverride = jwksUriRaw !== undefined ? parseKeysUrl("JWKS_URI", jwksUriRaw) : undefined;
  // Each issuer's keys come from its own well-known URL unless JWKS_URI names one for all.
  const issuers = new Map(issuerList.map((iss) => [iss, jwksOverride ?? `${iss}/.well-known/jwks.json`] as const));
  const issuer = issuerList[0] as string;
  const jwksUri = issuers.get(issuer) as string;

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
    throw new ConfigError(
      "TOKEN_QUERY_PARAM",
      "a query parameter name of letters, digits, '-', '_', '.', '~'",
      tokenQueryParam,
    );
  }

  const requiredGroups = checkList(env, "REQUIRED_GROUPS", GROUP, "one or more group names, comma-separated");
  const requiredScopes = checkList(env, "REQUIRED_SCOPES", SCOPE, "one or more OAuth scopes, comma-separated");
  if (requiredScopes.length > 0 && tokenUseRaw === "id") {
    throw new ConfigError(
      "REQUIRED_SCOPES",
      "unset when TOKEN_USE is id (only access tokens carry scopes)",
      env.REQUIRED_SCOPES,
    );
  }

  const groupsClaimRaw = optional(env, "GROUPS_CLAIM") ?? "cognito:groups";
  if (!CLAIM_PATH.test(groupsClaimRaw)) {
    throw new ConfigError("GROUPS_CLAIM", "a claim name or dotted path such as realm_access.roles", groupsClaimRaw);
  }

  const usernameClaim = optional(env, "USERNAME_CLAIM");
  if (usernameClaim !== undefined && userPoolId !== undefined) {
    throw new ConfigError("USERNAME_CLAIM", "unset with USER_POOL_ID (Cognito names the user itself)", usernameClaim);
  }
  if (usernameClaim !== undefined && !CLAIM_PATH.test(usernameClaim)) {
    throw new ConfigError("USERNAME_CLAIM", "a claim name or dotted path such as preferred_username", usernameClaim);
  }

  const allowedAlgorithms = checkList(
    env,
    "ALLOWED_ALGORITHMS",
    /^[A-Za-z0-9]+$/,
    `one or more of ${SUPPORTED_ALGORITHMS.join(", ")}`,
  );
  if (!allowedAlgorithms.every((alg) => (SUPPORTED_ALGORITHMS as readonly string[]).includes(alg))) {
    throw new ConfigError(
      "ALLOWED_ALGORITHMS",
      `one or more of ${SUPPORTED_ALGORITHMS.join(", ")}`,
      env.ALLOWED_ALGORITHMS,
    );
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
    issuers,
    clientIds: Object.freeze(clientIds),
    tokenUse: tokenUseRaw,
    tokenQueryParam,
    requiredGroups: Object.freeze(requiredGroups),
    requiredScopes: Object.freeze(requiredScopes),
    groupsClaim: groupsClaimRaw,
    usernameClaim,
    allowedAlgorithms: Object.freeze(
      allowedAlgorithms.length > 0 ? (allowedAlgorithms as SignatureAlgorithm[]) : ["RS256" as const],
    ),
    seedJwks: parseSeedJwks(optional(env, "JWKS_JSON")),
    jwksCacheSeconds,
  });
}
