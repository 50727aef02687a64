import { JwtVerifier } from "aws-jwt-verify";
import { validateCognitoJwtFields } from "aws-jwt-verify/cognito-verifier";
import {
  CognitoJwtInvalidClientIdError,
  CognitoJwtInvalidTokenUseError,
  FetchError,
  JwkInvalidKtyError,
  JwkInvalidUseError,
  JwksNotAvailableInCacheError,
  JwksValidationError,
  JwkValidationError,
  JwtExpiredError,
  JwtInvalidAudienceError,
  JwtInvalidClaimError,
  JwtInvalidIssuerError,
  JwtInvalidSignatureAlgorithmError,
  JwtInvalidSignatureError,
  JwtNotBeforeError,
  JwtParseError,
  JwtWithoutValidKidError,
  KidNotFoundInJwksError,
  WaitPeriodNotYetEndedJwkError,
} from "aws-jwt-verify/error";
import type { JwtPayload } from "aws-jwt-verify/jwt-model";
import type { Jwks, JwksCache } from "aws-jwt-verify/jwk";
import type { AuthoriserConfig } from "./config.ts";
import { Rejection, type RejectionReason } from "./errors.ts";
import { JwksFetchError } from "./jwks.ts";

export type Claims = JwtPayload;

export interface TokenVerifier {
  verify(token: string): Promise<Claims>;
  /** Load the keys now (init), so that the first connection does not wait for them. */
  prefetch(): Promise<void>;
}

const MAX_KID_LENGTH = 256;

function decodeSegment(segment: string): unknown {
  return JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
}

/**
 * Each segment must be the one base64url spelling of its bytes: the decoder ignores a last character's unused bits,
 * so without this a signed token has several accepted spellings (16 for a 2048-bit signature).
 */
export function checkCanonicalEncoding(token: string): void {
  for (const segment of token.split(".")) {
    if (Buffer.from(segment, "base64url").toString("base64url") !== segment) {
      throw new Rejection("malformed_token", "a segment is not canonical base64url");
    }
  }
}

/** RS256 only, a kid, no critical extensions: refused before any key lookup, so alg tricks cost no fetch. */
export function checkHeader(token: string): void {
  let header: unknown;
  try {
    header = decodeSegment(token.slice(0, token.indexOf(".")));
  } catch {
    throw new Rejection("malformed_token", "header is not base64url JSON");
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    throw new Rejection("malformed_token", "header is not a JSON object");
  }
  const { alg, kid, crit, typ } = header as Record<string, unknown>;
  if (alg !== "RS256") throw new Rejection("unsupported_algorithm", "alg is not RS256");
  if (typeof kid !== "string" || kid === "" || kid.length > MAX_KID_LENGTH) {
    throw new Rejection("malformed_token", "header has no usable kid");
  }
  if (crit !== undefined) throw new Rejection("malformed_token", "header has critical extensions");
  if (typ !== undefined && typ !== "JWT") throw new Rejection("malformed_token", "header typ is not JWT");
}

type ClaimType = "string" | "number";

const COMMON_CLAIMS: Record<string, ClaimType> = {
  sub: "string",
  iss: "string",
  exp: "number",
  iat: "number",
  auth_time: "number",
  token_use: "string",
  jti: "string",
};
const ID_CLAIMS: Record<string, ClaimType> = { ...COMMON_CLAIMS, aud: "string", "cognito:username": "string" };
const ACCESS_CLAIMS: Record<string, ClaimType> = { ...COMMON_CLAIMS, client_id: "string", username: "string" };
const OIDC_CLAIMS: Record<string, ClaimType> = { sub: "string", iss: "string", exp: "number", iat: "number" };

function requireClaims(payload: JwtPayload, required: Record<string, ClaimType>): void {
  for (const [name, type] of Object.entries(required)) {
    const value = payload[name];
    if (value === undefined) throw new Rejection("missing_claim", `claim ${name} is missing`);
    const ok = type === "number" ? typeof value === "number" && Number.isFinite(value) : typeof value === "string" && value !== "";
    if (!ok) throw new Rejection("invalid_claim", `claim ${name} is not a ${type}`);
  }
  const groups = payload["cognito:groups"];
  if (groups !== undefined && !(Array.isArray(groups) && groups.every((group) => typeof group === "string"))) {
    throw new Rejection("invalid_claim", "claim cognito:groups is not a list of strings");
  }
}

/** Claims Cognito always sets; the token's own token_use picks the set (after it was checked against TOKEN_USE). */
function checkCognitoClaims(payload: JwtPayload, config: AuthoriserConfig): void {
  validateCognitoJwtFields(payload, {
    tokenUse: config.tokenUse === "any" ? null : config.tokenUse,
    clientId: [...config.clientIds],
  });
  requireClaims(payload, payload.token_use === "access" ? ACCESS_CLAIMS : ID_CLAIMS);
}

function checkOidcClaims(payload: JwtPayload, config: AuthoriserConfig): void {
  requireClaims(payload, OIDC_CLAIMS);
  if (config.tokenUse !== "any" && payload.token_use !== config.tokenUse) {
    throw new Rejection("wrong_token_use", "token_use is not the configured one");
  }
}

const REASONS: ReadonlyArray<[abstract new (...args: never[]) => Error, RejectionReason]> = [
  [JwtExpiredError, "expired"],
  [JwtNotBeforeError, "not_yet_valid"],
  [JwtInvalidIssuerError, "wrong_issuer"],
  [JwtInvalidAudienceError, "wrong_audience"],
  [CognitoJwtInvalidClientIdError, "wrong_audience"],
  [CognitoJwtInvalidTokenUseError, "wrong_token_use"],
  [JwtInvalidSignatureAlgorithmError, "unsupported_algorithm"],
  [JwtInvalidSignatureError, "invalid_signature"],
  [JwkInvalidKtyError, "unsupported_algorithm"],
  [JwkInvalidUseError, "unknown_key"],
  [KidNotFoundInJwksError, "unknown_key"],
  [WaitPeriodNotYetEndedJwkError, "unknown_key"],
  [JwtWithoutValidKidError, "malformed_token"],
  [JwtParseError, "malformed_token"],
  [JwtInvalidClaimError, "invalid_claim"],
  [JwksNotAvailableInCacheError, "keys_unavailable"],
  [JwksValidationError, "keys_unavailable"],
  [JwkValidationError, "keys_unavailable"],
  [FetchError, "keys_unavailable"],
  [JwksFetchError, "keys_unavailable"],
];

/** Every failure becomes a Rejection with a reason class; unknown errors are `internal`, still a rejection. */
export function toRejection(err: unknown): Rejection {
  if (err instanceof Rejection) return err;
  for (const [type, reason] of REASONS) {
    if (err instanceof type) return new Rejection(reason, (err as Error).message);
  }
  return new Rejection("internal", err instanceof Error ? err.name : "non-error thrown");
}

export function createTokenVerifier(config: AuthoriserConfig, jwksCache: JwksCache): TokenVerifier {
  const cognito = config.userPoolId !== undefined;
  const verifier = JwtVerifier.create(
    {
      issuer: config.issuer,
      jwksUri: config.jwksUri,
      // Cognito access tokens carry client_id, not aud: the Cognito check below covers both.
      audience: cognito ? null : [...config.clientIds],
      customJwtCheck: ({ header, payload, jwk }) => {
        if (header.alg !== "RS256" || jwk.kty !== "RSA") throw new Rejection("unsupported_algorithm", "not an RS256 key");
        if (cognito) checkCognitoClaims(payload, config);
        else checkOidcClaims(payload, config);
      },
    },
    { jwksCache },
  );
  if (config.seedJwks !== undefined) verifier.cacheJwks(config.seedJwks as Jwks);

  return {
    async verify(token) {
      checkCanonicalEncoding(token);
      checkHeader(token);
      try {
        return await verifier.verify(token);
      } catch (err) {
        throw toRejection(err);
      }
    },
    async prefetch() {
      if (config.seedJwks === undefined) await jwksCache.getJwks(config.jwksUri);
    },
  };
}
