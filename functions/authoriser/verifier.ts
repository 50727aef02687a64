import { verify as verifySignature } from "node:crypto";
import {
  FetchError,
  JwksNotAvailableInCacheError,
  JwksValidationError,
  JwkValidationError,
  JwtExpiredError,
  JwtInvalidAudienceError,
  JwtInvalidClaimError,
  JwtInvalidIssuerError,
  JwtNotBeforeError,
  JwtWithoutValidKidError,
  KidNotFoundInJwksError,
  WaitPeriodNotYetEndedJwkError,
} from "aws-jwt-verify/error";
import { validateJwtFields } from "aws-jwt-verify/jwt";
import type { JwtPayload } from "aws-jwt-verify/jwt-model";
import type { AuthoriserConfig, SignatureAlgorithm } from "./config.ts";
import { ConfigError, JwksFetchError, Rejection, type RejectionReason } from "./errors.ts";
import type { RefreshingJwksCache, VerificationKey } from "./jwks.ts";

export type Claims = JwtPayload;

/** Who a verified token names: what the policy, the context and the group check read. */
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
}

export interface VerifiedToken {
  readonly claims: Claims;
  readonly identity: Identity;
}

export interface TokenVerifier {
  /**
   * Verify one token string against the configuration: resolves to the identity, or rejects with a `Rejection`
   * whose `reason` says why. Usable outside the Lambda handler (the refresh route).
   */
  verify(token: string): Promise<VerifiedToken>;
  /** Load the keys now (init), so that the first connection does not wait for them. */
  prefetch(): Promise<void>;
}

const MAX_KID_LENGTH = 256;
const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * A segment is canonical when it is the one base64url spelling of its bytes: no impossible length, and no bits
 * set in the last character beyond the data (the decoder ignores them, so a signed token would otherwise have
 * several accepted spellings). Checked on the last character only, without re-encoding.
 */
export function isCanonicalSegment(segment: string): boolean {
  const rest = segment.length % 4;
  if (rest === 0) return true;
  if (rest === 1) return false;
  const value = BASE64URL.indexOf(segment.charAt(segment.length - 1));
  return (value & (rest === 2 ? 0x0f : 0x03)) === 0;
}

/** Every segment canonical base64url (see isCanonicalSegment). */
export function checkCanonicalEncoding(token: string): void {
  for (const segment of token.split(".")) {
    if (!isCanonicalSegment(segment)) throw new Rejection("malformed_token", "a segment is not canonical base64url");
  }
}

// JSON.parse defines a "__proto__" key as an own data property, never as the prototype, and claims are only ever
// read by name (own properties in readPath), so a plain parse is safe here.
/**
 * The bytes of a segment, each character read once. Node's decoder skips characters outside the alphabet, so a
 * segment holding any decodes to fewer bytes than its length promises: that is how a stray character is caught.
 */
function decodeSegment(segment: string): Buffer {
  const bytes = Buffer.from(segment, "base64url");
  if (bytes.length !== Math.floor((segment.length * 3) / 4))
    throw new Rejection("malformed_token", "a segment is not base64url");
  return bytes;
}

function decodeJsonObject(segment: string, part: string): Record<string, unknown> {
  const bytes = decodeSegment(segment);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw new Rejection("malformed_token", `${part} is not base64url JSON`, { cause: err });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Rejection("malformed_token", `${part} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** The registered claims' JSON types, as aws-jwt-verify's decomposeUnverifiedJwt asserts them: else malformed_token. */
function checkPayloadShape(payload: Record<string, unknown>): void {
  const { exp, nbf, iat, iss, sub, aud, scope, jti } = payload;
  const ok =
    (exp === undefined || Number.isFinite(exp)) &&
    (nbf === undefined || Number.isFinite(nbf)) &&
    (iat === undefined || Number.isFinite(iat)) &&
    (iss === undefined || typeof iss === "string") &&
    (sub === undefined || typeof sub === "string") &&
    (scope === undefined || typeof scope === "string") &&
    (jti === undefined || typeof jti === "string") &&
    (aud === undefined ||
      typeof aud === "string" ||
      (Array.isArray(aud) && aud.every((item) => typeof item === "string")));
  if (!ok) throw new Rejection("malformed_token", "a registered claim has the wrong JSON type");
}

/** An allowed alg, a kid, no critical extensions: refused before any key lookup, so alg tricks cost no fetch. */
function checkHeader(
  header: Record<string, unknown>,
  allowed: readonly SignatureAlgorithm[],
): { alg: SignatureAlgorithm; kid: string } {
  const { alg, kid, crit, typ } = header;
  if (typeof alg !== "string" || !(allowed as readonly string[]).includes(alg)) {
    throw new Rejection("unsupported_algorithm", "alg is not an allowed algorithm");
  }
  if (typeof kid !== "string" || kid === "" || kid.length > MAX_KID_LENGTH) {
    throw new Rejection("malformed_token", "header has no usable kid");
  }
  if (crit !== undefined) throw new Rejection("malformed_token", "header has critical extensions");
  // RFC 7519 5.1 (JWT) and RFC 9068 2.1 (at+jwt, OAuth access tokens, as Auth0 and Okta sign them), spelt exactly.
  if (typ !== undefined && typ !== "JWT" && typ !== "at+jwt" && typ !== "application/at+jwt") {
    throw new Rejection("malformed_token", "header typ is not a JWT type");
  }
  return { alg: alg as SignatureAlgorithm, kid };
}

// Issue 16: the last header that passed checkHeader, and what it gave. One entry, replaced by the next header that
// differs, so however many headers a caller sends, one is held (SECURITY.md); a header that fails is never kept.
// Tokens of one issuer share one header, so the decode and JSON.parse of it happen once per key rotation.
let lastHeader:
  | { b64: string; allowed: readonly SignatureAlgorithm[]; alg: SignatureAlgorithm; kid: string }
  | undefined;

function checkedHeader(
  headerB64: string,
  allowed: readonly SignatureAlgorithm[],
): { alg: SignatureAlgorithm; kid: string } {
  const last = lastHeader;
  if (last !== undefined && last.b64 === headerB64 && last.allowed === allowed) return last;
  const { alg, kid } = checkHeader(decodeJsonObject(headerB64, "header"), allowed);
  lastHeader = { b64: headerB64, allowed, alg, kid };
  return lastHeader;
}

const HASH: Record<SignatureAlgorithm, string | null> = {
  RS256: "sha256",
  RS384: "sha384",
  RS512: "sha512",
  ES256: "sha256",
  ES384: "sha384",
  ES512: "sha512",
  EdDSA: null,
};
const EC_CURVE: Partial<Record<SignatureAlgorithm, string>> = { ES256: "P-256", ES384: "P-384", ES512: "P-521" };

/** The key's type must fit the alg (no RSA key for an ES256 token, no P-384 key for ES256...). */
export function keyFits(alg: SignatureAlgorithm, key: VerificationKey): boolean {
  const jwk = key.jwk as { kty?: unknown; crv?: unknown; alg?: unknown };
  const fits = alg.startsWith("RS")
    ? jwk.kty === "RSA"
    : alg === "EdDSA"
      ? jwk.kty === "OKP" && (jwk.crv === "Ed25519" || jwk.crv === "Ed448")
      : jwk.kty === "EC" && jwk.crv === EC_CURVE[alg];
  return fits && (jwk.alg === undefined || jwk.alg === alg);
}

type ClaimType = "string" | "number";

// Claims Cognito always sets, per token type. Sources:
// - all: sub, iss, exp, iat, token_use: AWS "Understanding the identity (ID) token" and "Understanding the access
//   token" (payload claims); aws-jwt-verify's validateCognitoJwtFields requires token_use to be id or access
//   (checkCognitoFields does the same).
// - jti and origin_jti are NOT required: Cognito adds them only when token revocation is on for the app client
//   (AWS "Revoking tokens").
const COGNITO_CLAIMS: Record<string, ClaimType> = {
  sub: "string",
  iss: "string",
  exp: "number",
  iat: "number",
  token_use: "string",
};
// ID token: aud (the app client id, checked by checkCognitoFields), cognito:username and auth_time (AWS "Understanding
// the identity (ID) token", default payload).
const ID_CLAIMS: Record<string, ClaimType> = {
  ...COGNITO_CLAIMS,
  aud: "string",
  "cognito:username": "string",
  auth_time: "number",
};
// User access token: client_id (checked by checkCognitoFields), username, auth_time (AWS "Understanding the access
// token", payload).
const ACCESS_CLAIMS: Record<string, ClaimType> = {
  ...COGNITO_CLAIMS,
  client_id: "string",
  username: "string",
  auth_time: "number",
};
// Machine-to-machine access token (client credentials grant): no user, so no username; sub is the app client id and
// scope lists the granted custom scopes (AWS "Scopes, M2M, and resource servers"; GetClientToken API reference).
const M2M_CLAIMS: Record<string, ClaimType> = { ...COGNITO_CLAIMS, client_id: "string", scope: "string" };
// OIDC Core 1.0, 2 (ID Token): iss, sub, aud, exp, iat are REQUIRED; aud is checked against CLIENT_ID by validateJwtFields.
const OIDC_CLAIMS: Record<string, ClaimType> = { sub: "string", iss: "string", exp: "number", iat: "number" };

function requireClaims(payload: Claims, required: Record<string, ClaimType>): void {
  for (const name in required) {
    const value = payload[name];
    if (value === undefined) throw new Rejection("missing_claim", `claim ${name} is missing`);
    const ok =
      required[name] === "number"
        ? typeof value === "number" && Number.isFinite(value)
        : typeof value === "string" && value !== "";
    if (!ok) throw new Rejection("invalid_claim", `claim ${name} is not a ${required[name]}`);
  }
  // Optional, but never empty when present (Cognito's are UUIDs).
  for (const name of OPTIONAL_IDS) {
    const value = payload[name];
    if (value !== undefined && (typeof value !== "string" || value === ""))
      throw new Rejection("invalid_claim", `claim ${name} is not a string`);
  }
}

const OPTIONAL_IDS = ["jti", "origin_jti", "event_id"] as const;

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

function readGroups(payload: Claims, groupsClaim: string): string[] {
  const groups = readPath(payload, groupsClaim);
  if (groups === undefined) return [];
  if (!Array.isArray(groups) || !groups.every((group) => typeof group === "string")) {
    throw new Rejection("invalid_claim", "the groups claim is not a list of strings");
  }
  return groups;
}

function readScopes(payload: Claims): string[] {
  // RFC 8693 4.2 / RFC 9068 2.2.3: scope is one space-separated string; Entra ID puts delegated scopes in scp.
  const scope = payload.scope ?? payload.scp;
  if (scope === undefined) return [];
  if (typeof scope !== "string") throw new Rejection("invalid_claim", "scope is not a string");
  return scope.split(" ").filter((item) => item !== "");
}

/**
 * The checks of aws-jwt-verify's validateCognitoJwtFields, written here so that its module (which pulls in the
 * whole JwtVerifier) stays out of the bundle: token_use is id or access and fits TOKEN_USE; the app client is `aud`
 * for an ID token, `client_id` for an access token.
 */
function checkCognitoFields(payload: Claims, config: AuthoriserConfig): void {
  const tokenUse = payload.token_use;
  if (tokenUse !== "id" && tokenUse !== "access")
    throw new Rejection("wrong_token_use", "token_use is neither id nor access");
  if (config.tokenUse !== "any" && tokenUse !== config.tokenUse)
    throw new Rejection("wrong_token_use", "token_use is not the configured one");
  const client = tokenUse === "id" ? payload.aud : payload.client_id;
  if (typeof client !== "string" || !config.clientIds.includes(client)) {
    throw new Rejection("wrong_audience", "the token is for another app client");
  }
}

function checkCognitoClaims(payload: Claims, config: AuthoriserConfig): { machine: boolean } {
  checkCognitoFields(payload, config);
  if (payload.token_use === "id") {
    requireClaims(payload, ID_CLAIMS);
    return { machine: false };
  }
  // An access token without username is a client-credentials token, whose sub is its own client id.
  const machine = payload.username === undefined && payload.sub === payload.client_id;
  requireClaims(payload, machine ? M2M_CLAIMS : ACCESS_CLAIMS);
  return { machine };
}

function checkOidcClaims(payload: Claims, config: AuthoriserConfig): void {
  requireClaims(payload, OIDC_CLAIMS);
  if (config.tokenUse !== "any" && payload.token_use !== config.tokenUse) {
    throw new Rejection("wrong_token_use", "token_use is not the configured one");
  }
}

/** The identity a verified payload names (machine: a client-credentials token, named by its client id). */
export function identityOf(payload: Claims, config: AuthoriserConfig, machine: boolean): Identity {
  const sub = payload.sub as string;
  const principalId = machine ? (payload.client_id as string) : sub;
  const named = payload["cognito:username"] ?? payload.username ?? payload.preferred_username;
  return {
    principalId,
    username: machine ? principalId : typeof named === "string" && named !== "" ? named : sub,
    groups: readGroups(payload, config.groupsClaim),
    scopes: readScopes(payload),
    exp: payload.exp as number,
    tokenUse: typeof payload.token_use === "string" ? payload.token_use : "",
    machine,
  };
}

const REASONS: ReadonlyArray<[abstract new (...args: never[]) => Error, RejectionReason]> = [
  [JwtExpiredError, "expired"],
  [JwtNotBeforeError, "not_yet_valid"],
  [JwtInvalidIssuerError, "wrong_issuer"],
  [JwtInvalidAudienceError, "wrong_audience"],
  [KidNotFoundInJwksError, "unknown_key"],
  [WaitPeriodNotYetEndedJwkError, "unknown_key"],
  [JwtWithoutValidKidError, "malformed_token"],
  [JwtInvalidClaimError, "invalid_claim"],
  [JwksNotAvailableInCacheError, "keys_unavailable"],
  [JwksValidationError, "keys_unavailable"],
  [JwkValidationError, "keys_unavailable"],
  [FetchError, "keys_unavailable"],
  [JwksFetchError, "keys_unavailable"],
];

/** Every failure becomes a Rejection with a reason class and the original error as its cause; unknown ones are `internal`. */
export function toRejection(err: unknown): Rejection {
  if (err instanceof Rejection) return err;
  for (const [type, reason] of REASONS) {
    if (err instanceof type) return new Rejection(reason, `refused: ${reason}`, { cause: err });
  }
  return new Rejection("internal", "unexpected error while verifying", { cause: err });
}

/**
 * Verify a token string: shape, canonical encoding, header, `iss` against the configured issuers (before any key
 * lookup, so no cache ever holds a caller-chosen value), the key of the latest good JWKS for that kid, the
 * signature, then the claims. Each segment is decoded once.
 */
async function verifyTokenString(
  token: string,
  config: AuthoriserConfig,
  keys: RefreshingJwksCache,
): Promise<VerifiedToken> {
  // Three non-empty segments; the alphabet is checked as each segment is decoded (see decodeSegment).
  const dot1 = token.indexOf(".");
  const dot2 = token.indexOf(".", dot1 + 1);
  if (dot1 < 1 || dot2 < dot1 + 2 || dot2 === token.length - 1 || token.indexOf(".", dot2 + 1) !== -1) {
    throw new Rejection("malformed_token", "token is not three base64url segments");
  }
  // Node's base64url decoder also reads "+" and "/": a second spelling of the same bytes.
  if (token.includes("+") || token.includes("/")) throw new Rejection("malformed_token", "token is not base64url");
  const headerB64 = token.slice(0, dot1);
  const payloadB64 = token.slice(dot1 + 1, dot2);
  const signatureB64 = token.slice(dot2 + 1);
  if (!isCanonicalSegment(headerB64) || !isCanonicalSegment(payloadB64) || !isCanonicalSegment(signatureB64)) {
    throw new Rejection("malformed_token", "a segment is not canonical base64url");
  }
  const { alg, kid } = checkedHeader(headerB64, config.allowedAlgorithms);
  const payload = decodeJsonObject(payloadB64, "payload") as Claims;
  checkPayloadShape(payload);

  const jwksUri = typeof payload.iss === "string" ? config.issuers.get(payload.iss) : undefined;
  if (jwksUri === undefined) throw new Rejection("wrong_issuer", "iss is not a configured issuer");

  let key = keys.cachedKey(jwksUri, kid);
  if (key === undefined) {
    try {
      key = await keys.getVerificationKey(jwksUri, kid);
    } catch (err) {
      throw toRejection(err);
    }
  }
  if (!keyFits(alg, key))
    throw new Rejection("unsupported_algorithm", "the key for this kid does not fit the token's alg");
  const signed = Buffer.from(token.slice(0, dot2), "latin1");
  const signature = decodeSegment(signatureB64);
  const valid = verifySignature(
    HASH[alg],
    signed,
    alg.startsWith("ES") ? { key: key.keyObject, dsaEncoding: "ieee-p1363" } : key.keyObject,
    signature,
  );
  if (!valid) throw new Rejection("invalid_signature", "the signature does not verify");

  const cognito = config.userPoolId !== undefined;
  let machine = false;
  try {
    // exp, nbf and (OIDC) aud by aws-jwt-verify's own checks; iss was matched exactly above.
    validateJwtFields(payload, { issuer: null, audience: cognito ? null : [...config.clientIds] });
    if (cognito) machine = checkCognitoClaims(payload, config).machine;
    else checkOidcClaims(payload, config);
  } catch (err) {
    throw toRejection(err);
  }
  const identity = identityOf(payload, config, machine);
  if (config.requiredScopes.length > 0) {
    const isAccess = cognito ? payload.token_use === "access" : true;
    if (!isAccess || !identity.scopes.some((scope) => config.requiredScopes.includes(scope))) {
      throw new Rejection("missing_scope", "the token carries none of REQUIRED_SCOPES");
    }
  }
  return { claims: payload, identity };
}

export function createTokenVerifier(config: AuthoriserConfig, keys: RefreshingJwksCache): TokenVerifier {
  const uris = [...new Set(config.issuers.values())];
  if (config.seedJwks !== undefined) {
    for (const uri of uris) keys.addJwks(uri, config.seedJwks as never);
    const usable = keys
      .signatureKeys(config.jwksUri)
      .some((key) => config.allowedAlgorithms.some((alg) => keyFits(alg, key)));
    if (!usable) {
      throw new ConfigError(
        "JWKS_JSON",
        `a key set with at least one signature key for ${config.allowedAlgorithms.join(", ")}`,
        "a key set without one",
      );
    }
  }
  return {
    verify: (token) => verifyTokenString(token, config, keys),
    // The first issuer's keys only (Cognito: the regional format), so a cold start makes one fetch; the other
    // format's keys are fetched on its first token.
    async prefetch() {
      if (config.seedJwks === undefined) await keys.getJwks(config.jwksUri);
    },
  };
}
