// A generic OIDC issuer's claims (ISSUER): the ones every JWT it signs must carry, and which kind of token it is.
import type { Claims, ClaimType } from "./claims.ts";
import { requireClaims } from "./claims.ts";
import type { AuthoriserConfig } from "./config.ts";
import { Rejection } from "./errors.ts";

// OIDC Core 1.0, 2 (ID Token) and RFC 9068 2.2 (access token): iss, sub, exp, iat are REQUIRED in both; aud is
// checked against CLIENT_ID with exp and nbf (validateJwtFields).
const OIDC_CLAIMS: Record<string, ClaimType> = { sub: "string", iss: "string", exp: "number", iat: "number" };

/**
 * Which kind of token this is: its `token_use` where it has one (a Cognito pool set up as a plain ISSUER), else
 * `access` for a header `typ` of `at+jwt` (RFC 9068 2.1) and `id` for every other token.
 */
export function oidcTokenUse(payload: Claims, atJwt: boolean): unknown {
  if (payload.token_use !== undefined) return payload.token_use;
  return atJwt ? "access" : "id";
}

export function checkOidcClaims(payload: Claims, atJwt: boolean, config: AuthoriserConfig): void {
  requireClaims(payload, OIDC_CLAIMS);
  if (config.tokenUse !== "any" && oidcTokenUse(payload, atJwt) !== config.tokenUse) {
    throw new Rejection("wrong_token_use", "the token is not of the configured TOKEN_USE");
  }
}
