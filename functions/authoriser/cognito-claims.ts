// Cognito's claims: token_use, the app client, and the claims Cognito always sets for each kind of token.
import type { Claims, ClaimType } from "./claims.ts";
import { requireClaims } from "./claims.ts";
import type { AuthoriserConfig } from "./config.ts";
import { Rejection } from "./errors.ts";

// Claims Cognito always sets, per token type. Sources:
// - all: sub, iss, exp, iat, token_use: AWS "Understanding the identity (ID) token" and "Understanding the access
//   token" (payload claims); aws-jwt-verify's validateCognitoJwtFields requires token_use to be id or access.
// - jti and origin_jti are NOT required: Cognito adds them only when token revocation is on for the app client
//   (AWS "Revoking tokens").
const COGNITO_CLAIMS: Record<string, ClaimType> = {
  sub: "string",
  iss: "string",
  exp: "number",
  iat: "number",
  token_use: "string",
};
// ID token: aud (the app client id, checked by checkCognitoFields), cognito:username and auth_time (AWS
// "Understanding the identity (ID) token", default payload).
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

/** What the Cognito checks learnt about the token. */
export interface CognitoKind {
  readonly access: boolean;
  /** A client-credentials token: no user, named by its client id. */
  readonly machine: boolean;
}

/**
 * The checks of aws-jwt-verify's validateCognitoJwtFields, written here so that its module (which pulls in the
 * whole JwtVerifier) stays out of the bundle: token_use is id or access and fits TOKEN_USE; the app client is `aud`
 * for an ID token, `client_id` for an access token. Then the claims Cognito always sets for that kind.
 */
export function checkCognitoClaims(payload: Claims, config: AuthoriserConfig): CognitoKind {
  const tokenUse = payload.token_use;
  if (tokenUse !== "id" && tokenUse !== "access")
    throw new Rejection("wrong_token_use", "token_use is neither id nor access");
  if (config.tokenUse !== "any" && tokenUse !== config.tokenUse)
    throw new Rejection("wrong_token_use", "token_use is not the configured one");
  const access = tokenUse === "access";
  const client = access ? payload.client_id : payload.aud;
  if (typeof client !== "string" || !config.clientIds.includes(client)) {
    throw new Rejection("wrong_audience", "the token is for another app client");
  }
  if (!access) {
    requireClaims(payload, ID_CLAIMS);
    return { access, machine: false };
  }
  // An access token without username is a client-credentials token, whose sub is its own client id.
  const machine = payload.username === undefined && payload.sub === payload.client_id;
  requireClaims(payload, machine ? M2M_CLAIMS : ACCESS_CLAIMS);
  return { access, machine };
}
