// The three verifiers the oracle compares, built with the same settings over the same key set: ours, aws-jwt-verify
// (CognitoJwtVerifier for a pool, JwtVerifier for another issuer) and jose's jwtVerify.
import { CognitoJwtVerifier, JwtVerifier } from "aws-jwt-verify";
import { createLocalJWKSet, jwtVerify } from "jose";
import { parseConfig } from "../../../functions/authoriser/config.ts";
import type { Rejection } from "../../../functions/authoriser/errors.ts";
import { RefreshingJwksCache } from "../../../functions/authoriser/jwks.ts";
import { createTokenVerifier } from "../../../functions/authoriser/verifier.ts";
import {
  ALGS,
  CLIENT_ID,
  GLOBAL_ISSUER,
  OIDC_ISSUER,
  OIDC_JWKS,
  POOL_ID,
  REGIONAL_ISSUER,
  type Family,
} from "./oracle-cases.ts";

export type Verdict = { readonly allow: boolean; readonly reason: string };
export type Verify = (token: string) => Promise<Verdict>;

/** The configurations compared: a pool with each TOKEN_USE, and a generic issuer. */
export const CONFIGS = ["cognito/any", "cognito/id", "cognito/access", "oidc/any"] as const;
export type ConfigName = (typeof CONFIGS)[number];

export function familyOf(config: ConfigName): Family {
  return config.startsWith("cognito") ? "cognito" : "oidc";
}

const tokenUseOf = (config: ConfigName) => config.split("/")[1] as "any" | "id" | "access";

export function ours(config: ConfigName, jwks: { keys: unknown[] }): Verify {
  const env: Record<string, string> =
    familyOf(config) === "cognito"
      ? { USER_POOL_ID: POOL_ID, CLIENT_ID, TOKEN_USE: tokenUseOf(config) }
      : { ISSUER: OIDC_ISSUER, JWKS_URI: OIDC_JWKS, CLIENT_ID, TOKEN_USE: tokenUseOf(config) };
  const body = Buffer.from(JSON.stringify(jwks));
  const cache = new RefreshingJwksCache({
    fetcher: {
      fetch: async () => body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer,
    },
    maxAgeMs: 3_600_000,
  });
  const verifier = createTokenVerifier(parseConfig({ ...env, ALLOWED_ALGORITHMS: ALGS.join(",") }), cache);
  return async (token) => {
    try {
      await verifier.verify(token);
      return { allow: true, reason: "allowed" };
    } catch (err) {
      return { allow: false, reason: (err as Rejection).reason ?? `thrown ${(err as Error).name}` };
    }
  };
}

export function awsJwtVerify(config: ConfigName, jwks: { keys: unknown[] }): Verify {
  const use = tokenUseOf(config);
  const verifier =
    familyOf(config) === "cognito"
      ? CognitoJwtVerifier.create({ userPoolId: POOL_ID, clientId: CLIENT_ID, tokenUse: use === "any" ? null : use })
      : JwtVerifier.create({ issuer: OIDC_ISSUER, audience: CLIENT_ID, jwksUri: OIDC_JWKS });
  verifier.cacheJwks(jwks as never);
  return async (token) => {
    try {
      verifier.verifySync(token as never);
      return { allow: true, reason: "allowed" };
    } catch (err) {
      return { allow: false, reason: (err as Error).name };
    }
  };
}

export function jose(config: ConfigName, jwks: { keys: unknown[] }): Verify {
  const keySet = createLocalJWKSet(JSON.parse(JSON.stringify(jwks)));
  const options =
    familyOf(config) === "cognito"
      ? { issuer: [REGIONAL_ISSUER, GLOBAL_ISSUER], algorithms: [...ALGS] }
      : { issuer: OIDC_ISSUER, audience: CLIENT_ID, algorithms: [...ALGS] };
  return async (token) => {
    try {
      await jwtVerify(token, keySet, options);
      return { allow: true, reason: "allowed" };
    } catch (err) {
      return { allow: false, reason: (err as { code?: string }).code ?? (err as Error).name };
    }
  };
}
