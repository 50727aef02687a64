// Identity: who a verified token names, as the policy, the context and the group check read it.
import type { Claims } from "./claims.ts";
import type { AuthoriserConfig } from "./config.ts";
import { Rejection } from "./errors.ts";

export interface Identity {
  /** `sub`, or the app client id for a machine-to-machine token (whose sub is that client id). */
  readonly principalId: string;
  readonly username: string;
  readonly groups: readonly string[];
  readonly scopes: readonly string[];
  readonly exp: number;
  /** `id`, `access`, or "" for an OIDC token without token_use. */
  readonly tokenUse: string;
  readonly machine: boolean;
  /** Cognito's `origin_jti` (one per sign-in session, when token revocation is on); undefined without one. */
  readonly originJti?: string | undefined;
}

/** A claim by name, or by dotted path through own properties (`realm_access.roles`); undefined when absent. */
export function readPath(payload: Claims, path: string): unknown {
  if (Object.hasOwn(payload, path)) return payload[path];
  let value: unknown = payload;
  for (const step of path.split(".")) {
    if (typeof value !== "object" || value === null || Array.isArray(value) || !Object.hasOwn(value, step))
      return undefined;
    value = (value as Record<string, unknown>)[step];
  }
  return value;
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

function readGroups(payload: Claims, groupsClaim: string): string[] {
  const groups = readPath(payload, groupsClaim);
  if (groups === undefined) return [];
  if (!isStringList(groups)) throw new Rejection("invalid_claim", "the groups claim is not a list of strings");
  return groups;
}

/**
 * RFC 9068 2.2.3 and RFC 8693 4.2: `scope`, one space-separated string (Auth0, Keycloak, Cognito; its type is
 * checked with the registered claims). A generic issuer may use `scp` instead: a list (Okta) or a
 * space-separated string (Entra ID). Cognito puts scopes only in `scope`, so only that is read for a pool.
 */
function readScopes(payload: Claims, cognito: boolean): string[] {
  const scopes = payload.scope !== undefined || cognito ? payload.scope : payload.scp;
  if (scopes === undefined) return [];
  if (isStringList(scopes)) return scopes;
  if (typeof scopes !== "string") throw new Rejection("invalid_claim", "scp is neither a string nor a list of strings");
  return scopes.split(" ").filter((item) => item !== "");
}

/**
 * The user's name. Cognito: `cognito:username` (ID token) or `username` (access token), both required there.
 * Another issuer: `sub`, unless USERNAME_CLAIM names another claim, which must then be a non-empty string
 * (`preferred_username` is not the default: users can change it and it is not unique, OIDC Core 5.7).
 */
function readUsername(payload: Claims, config: AuthoriserConfig): string {
  if (config.userPoolId !== undefined) {
    return (payload.token_use === "id" ? payload["cognito:username"] : payload.username) as string;
  }
  if (config.usernameClaim === undefined) return payload.sub as string;
  const username = readPath(payload, config.usernameClaim);
  if (username === undefined) throw new Rejection("missing_claim", "the USERNAME_CLAIM claim is missing");
  if (typeof username !== "string" || username === "") {
    throw new Rejection("invalid_claim", "the USERNAME_CLAIM claim is not a string");
  }
  return username;
}

/** The identity a verified payload names (machine: a client-credentials token, named by its client id). */
export function identityOf(payload: Claims, config: AuthoriserConfig, machine: boolean): Identity {
  const principalId = machine ? (payload.client_id as string) : (payload.sub as string);
  return {
    principalId,
    username: machine ? principalId : readUsername(payload, config),
    groups: readGroups(payload, config.groupsClaim),
    scopes: readScopes(payload, config.userPoolId !== undefined),
    exp: payload.exp as number,
    tokenUse: typeof payload.token_use === "string" ? payload.token_use : "",
    machine,
    // Its type (a non-empty string when present) was checked with the other claims.
    originJti: payload.origin_jti as string | undefined,
  };
}
