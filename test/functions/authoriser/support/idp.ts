// Tokens as real identity providers issue them, signed with jose (not our local issuer), and the authoriser's
// real modules around them with the JWKS fetch answered from memory.
import { KeyObject, randomUUID, sign } from "node:crypto";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import { parseConfig, type AuthoriserConfig } from "../../../../functions/authoriser/config.ts";
import type { Rejection } from "../../../../functions/authoriser/errors.ts";
import { RefreshingJwksCache } from "../../../../functions/authoriser/jwks.ts";
import {
  createTokenVerifier,
  type TokenVerifier,
  type VerifiedToken,
} from "../../../../functions/authoriser/verifier.ts";

export const REGION = "us-east-1";
export const POOL_ID = "us-east-1_example";
export const CLIENT_ID = "1example23456789";
export const REGIONAL_ISSUER = `https://cognito-idp.${REGION}.amazonaws.com/${POOL_ID}`;
export const UPDATED_ISSUER = `https://issuer-cognito-idp.${REGION}.amazonaws.com/${POOL_ID}`;

export interface IdpKey {
  readonly kid: string;
  readonly alg: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export async function makeIdpKey(alg = "RS256", kid: string = `${alg}-${randomUUID()}`): Promise<IdpKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

export async function signWith(
  key: IdpKey,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, ...header }).sign(key.privateKey);
}

/**
 * Sign with node:crypto, not jose, for what jose refuses to sign: an unknown `crit`, an RSA key under another RS*
 * alg than its own. `alg` in the header picks the hash (RS*, ES* as r || s); EdDSA is not needed here.
 */
export function signRaw(key: IdpKey, claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const fullHeader = { alg: key.alg, kid: key.kid, ...header };
  const alg = String(fullHeader.alg);
  const input = `${Buffer.from(JSON.stringify(fullHeader)).toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
  const privateKey = KeyObject.from(key.privateKey);
  const signature = sign(
    `sha${alg.slice(2)}`,
    Buffer.from(input),
    alg.startsWith("ES") ? { key: privateKey, dsaEncoding: "ieee-p1363" } : privateKey,
  );
  return `${input}.${signature.toString("base64url")}`;
}

const now = (): number => Math.floor(Date.now() / 1000);

/** Modelled on AWS's example ID token payload ("Understanding the identity (ID) token"). */
export function cognitoIdClaims(
  options: { iss?: string; jti?: boolean; groups?: string[] } = {},
): Record<string, unknown> {
  const issued = now();
  return {
    sub: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
    "cognito:groups": options.groups ?? ["test-group-a", "test-group-b", "test-group-c"],
    email_verified: true,
    "cognito:preferred_role": "arn:aws:iam::111122223333:role/my-test-role",
    iss: options.iss ?? REGIONAL_ISSUER,
    "cognito:username": "my-test-user",
    ...(options.jti === false ? {} : { origin_jti: randomUUID(), jti: randomUUID() }),
    "cognito:roles": ["arn:aws:iam::111122223333:role/my-test-role"],
    aud: CLIENT_ID,
    identities: [
      {
        providerName: "SignInWithApple",
        providerType: "SignInWithApple",
        issuer: null,
        primary: "false",
        userId: "example",
        dateCreated: "1654023000000",
      },
    ],
    event_id: randomUUID(),
    token_use: "id",
    auth_time: issued - 10,
    exp: issued + 3600,
    iat: issued,
    email: "my-test-user@example.com",
  };
}

/** Modelled on AWS's example access token payload ("Understanding the access token"). */
export function cognitoAccessClaims(
  options: { iss?: string; jti?: boolean; scope?: string } = {},
): Record<string, unknown> {
  const issued = now();
  return {
    sub: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
    device_key: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
    "cognito:groups": ["admin"],
    iss: options.iss ?? REGIONAL_ISSUER,
    version: 2,
    client_id: CLIENT_ID,
    ...(options.jti === false ? {} : { origin_jti: randomUUID(), jti: randomUUID() }),
    event_id: randomUUID(),
    token_use: "access",
    scope: options.scope ?? "aws.cognito.signin.user.admin phone openid profile email",
    auth_time: issued - 10,
    exp: issued + 3600,
    iat: issued,
    username: "my-test-user",
  };
}

/** A client-credentials (M2M) access token: no user, sub is the app client id, custom scopes. */
export function cognitoM2mClaims(
  options: { iss?: string; jti?: boolean; scope?: string } = {},
): Record<string, unknown> {
  const issued = now();
  return {
    sub: CLIENT_ID,
    token_use: "access",
    scope: options.scope ?? "solar-system-data/asteroids.add",
    auth_time: issued,
    iss: options.iss ?? REGIONAL_ISSUER,
    exp: issued + 3600,
    iat: issued,
    version: 2,
    ...(options.jti === false ? {} : { jti: randomUUID() }),
    client_id: CLIENT_ID,
  };
}

export interface IdpVerifier {
  readonly config: AuthoriserConfig;
  readonly cache: RefreshingJwksCache;
  readonly verifier: TokenVerifier;
  /** The URLs the JWKS was fetched from, in order. */
  readonly fetched: string[];
  /** What the IdP publishes now; replace it to rotate. */
  jwks: { keys: JWK[] };
  clock: number;
}

/** The authoriser's config, JWKS cache and verifier, the JWKS served from `jwks` for any URL. */
export function makeVerifier(env: Record<string, string>, keys: readonly IdpKey[]): IdpVerifier {
  const config = parseConfig(env);
  const state = {
    fetched: [] as string[],
    jwks: { keys: keys.map((key) => key.publicJwk) },
    clock: Date.now(),
  };
  const fetch = async (uri: string): Promise<ArrayBuffer> => {
    state.fetched.push(uri);
    const bytes = Buffer.from(JSON.stringify(state.jwks));
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  };
  const cache = new RefreshingJwksCache({
    fetcher: { fetch },
    maxAgeMs: config.jwksCacheSeconds * 1000,
    now: () => state.clock,
  });
  const verifier = createTokenVerifier(config, cache);
  return Object.assign(state, { config, cache, verifier });
}

export function cognitoEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { USER_POOL_ID: POOL_ID, CLIENT_ID, ...extra };
}

/**
 * The refusal reason, or "allowed" with the identity. A refusal must say what was wrong beyond its reason class (the
 * detail is what a debugger reads in the error's message and cause chain), so an empty message fails here.
 */
export async function outcome(
  verifier: TokenVerifier,
  token: string,
): Promise<{ reason: string; verified?: VerifiedToken; error?: Rejection }> {
  try {
    return { reason: "allowed", verified: await verifier.verify(token) };
  } catch (err) {
    const reason = (err as Rejection).reason ?? "not a Rejection";
    if ((err as Error).message === "" || (err as Error).message === undefined)
      return { reason: `${reason} without a detail` };
    return { reason, error: err as Rejection };
  }
}
