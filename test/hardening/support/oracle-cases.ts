// Cases for the differential oracle: tokens signed once per (issuer kind, alg, token kind, claim or header change),
// then varied cheaply after signing (signature edits, respellings, padding, the ECDSA twin), under key sets that
// publish, replace or misdescribe the signing key. A seeded generator picks the cases, so a run can be replayed.
import { generateKeyPairSync, type KeyObject, sign } from "node:crypto";

export const ALGS = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "EdDSA"] as const;
export type Alg = (typeof ALGS)[number];

export const POOL_ID = "eu-west-1_Oracle1";
export const CLIENT_ID = "oracleclient123";
export const REGIONAL_ISSUER = `https://cognito-idp.eu-west-1.amazonaws.com/${POOL_ID}`;
export const GLOBAL_ISSUER = `https://issuer-cognito-idp.eu-west-1.amazonaws.com/${POOL_ID}`;
export const OIDC_ISSUER = "https://login.oracle.example/tenant/";
export const OIDC_JWKS = "https://login.oracle.example/tenant/keys";
export const API_AUDIENCE = "api://oracle";

export type Family = "cognito" | "oidc";
export type Kind = "id" | "access" | "m2m" | "oidc-id" | "oidc-at";
export type KeySet = "published" | "replaced" | "otherKid" | "jwkAlgOther" | "wrongType";
export type Post =
  | "none"
  | "flipSignature"
  | "appendA"
  | "padSignature"
  | "padPayload"
  | "dropSignature"
  | "respell"
  | "highS"
  | "otherPayload"
  | "plusSlash";

/** A value a claim or header field is set to; DELETE removes it. */
export const DELETE = Symbol("delete");
export type Change = { readonly where: "claim" | "header"; readonly name: string; readonly value: unknown };

export interface OracleCase {
  readonly family: Family;
  readonly kind: Kind;
  readonly alg: Alg;
  readonly issuer: string;
  readonly change: Change | undefined;
  readonly keySet: KeySet;
  readonly post: Post;
  readonly token: string;
}

/** mulberry32: small, fast, seeded. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function keyPair(alg: Alg): { privateKey: KeyObject; publicKey: KeyObject } {
  if (alg.startsWith("RS")) return generateKeyPairSync("rsa", { modulusLength: 2048 });
  if (alg === "EdDSA") return generateKeyPairSync("ed25519");
  const curve = { ES256: "P-256", ES384: "P-384", ES512: "P-521" }[alg as "ES256"];
  return generateKeyPairSync("ec", { namedCurve: curve });
}

const hashOf = (alg: Alg): string | null => (alg === "EdDSA" ? null : `sha${alg.slice(2)}`);
const CURVE_ORDER: Partial<Record<Alg, bigint>> = {
  ES256: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  ES384: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  ES512:
    0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
};

export interface OracleKeys {
  readonly signing: Record<Alg, KeyObject>;
  /** Each key set's JWKS (public keys, each with kid, alg and use). */
  readonly jwks: Record<KeySet, { keys: Record<string, unknown>[] }>;
}

export function makeKeys(): OracleKeys {
  const signing = {} as Record<Alg, KeyObject>;
  const published: Record<string, unknown>[] = [];
  const replaced: Record<string, unknown>[] = [];
  for (const alg of ALGS) {
    const pair = keyPair(alg);
    signing[alg] = pair.privateKey;
    published.push({ ...pair.publicKey.export({ format: "jwk" }), kid: `kid-${alg}`, alg, use: "sig" });
    replaced.push({ ...keyPair(alg).publicKey.export({ format: "jwk" }), kid: `kid-${alg}`, alg, use: "sig" });
  }
  const byAlg = (alg: string) => published.find((key) => key.alg === alg) as Record<string, unknown>;
  return {
    signing,
    jwks: {
      published: { keys: published },
      // Another key of the same type under the same kid: a key the IdP replaced.
      replaced: { keys: replaced },
      // The right key, published under another kid only.
      otherKid: { keys: published.map((key) => ({ ...key, kid: `other-${key.kid}` })) },
      // The right key, its JWK naming another alg of the same key type (RS256 <-> RS384, ES* alg without curve change).
      jwkAlgOther: {
        keys: published.map((key) => ({
          ...key,
          alg: {
            RS256: "RS384",
            RS384: "RS512",
            RS512: "RS256",
            ES256: "ES384",
            ES384: "ES512",
            ES512: "ES256",
            EdDSA: "ES256",
          }[key.alg as Alg],
        })),
      },
      // Under each kid, a key of another type (RSA under the EC kids, EC under the RSA and Ed25519 kids), no alg.
      wrongType: {
        keys: published.map((key) => {
          const other = byAlg(String(key.alg).startsWith("RS") || key.alg === "EdDSA" ? "ES256" : "RS256");
          return { ...other, kid: key.kid, alg: undefined };
        }),
      },
    },
  };
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");

export function signToken(
  keys: OracleKeys,
  alg: Alg,
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
): string {
  const input = `${b64(header)}.${b64(claims)}`;
  const key = keys.signing[alg];
  const signature = sign(
    hashOf(alg),
    Buffer.from(input),
    alg.startsWith("ES") ? { key, dsaEncoding: "ieee-p1363" } : key,
  );
  return `${input}.${signature.toString("base64url")}`;
}

export function baseClaims(kind: Kind, issuer: string, now: number): Record<string, unknown> {
  const times = { iat: now - 5, exp: now + 3600 };
  switch (kind) {
    case "id":
      return {
        sub: "5f0e3c4a-1111-2222-3333-444455556666",
        "cognito:groups": ["admins"],
        iss: issuer,
        "cognito:username": "alice",
        origin_jti: "0b2f3c4d-aaaa-bbbb-cccc-ddddeeeeffff",
        aud: CLIENT_ID,
        event_id: "1b2f3c4d-aaaa-bbbb-cccc-ddddeeeeffff",
        token_use: "id",
        auth_time: now - 10,
        jti: "2b2f3c4d-aaaa-bbbb-cccc-ddddeeeeffff",
        email: "alice@example.com",
        ...times,
      };
    case "access":
      return {
        sub: "5f0e3c4a-1111-2222-3333-444455556666",
        "cognito:groups": ["admins"],
        iss: issuer,
        client_id: CLIENT_ID,
        origin_jti: "0b2f3c4d-aaaa-bbbb-cccc-ddddeeeeffff",
        event_id: "1b2f3c4d-aaaa-bbbb-cccc-ddddeeeeffff",
        token_use: "access",
        scope: "aws.cognito.signin.user.admin",
        auth_time: now - 10,
        jti: "3b2f3c4d-aaaa-bbbb-cccc-ddddeeeeffff",
        username: "alice",
        ...times,
      };
    case "m2m":
      return {
        sub: CLIENT_ID,
        token_use: "access",
        scope: "chat/send",
        auth_time: now - 10,
        iss: issuer,
        version: 2,
        jti: "4b2f3c4d-aaaa-bbbb-cccc-ddddeeeeffff",
        client_id: CLIENT_ID,
        ...times,
      };
    case "oidc-id":
      return { iss: issuer, sub: "user-1", aud: CLIENT_ID, nonce: "n-1", name: "Alice", ...times };
    case "oidc-at":
      return {
        iss: issuer,
        sub: "user-1",
        aud: [API_AUDIENCE, CLIENT_ID],
        client_id: "spa",
        scope: "openid chat.send",
        scp: ["chat.send"],
        jti: "5b2f3c4d-aaaa-bbbb-cccc-ddddeeeeffff",
        ...times,
      };
  }
}

const CLAIM_VALUES = (now: number): unknown[] => [
  DELETE,
  null,
  "",
  "x",
  0,
  -1,
  1.5,
  true,
  [],
  {},
  [CLIENT_ID],
  [CLIENT_ID, 5],
  CLIENT_ID,
  "id",
  "access",
  "12345",
  now - 100_000,
  now - 30,
  now + 100_000,
  REGIONAL_ISSUER,
  GLOBAL_ISSUER,
  OIDC_ISSUER,
  `${OIDC_ISSUER}x`,
  ["a", "b"],
];
const COGNITO_CLAIM_NAMES = [
  "sub",
  "iss",
  "aud",
  "exp",
  "nbf",
  "iat",
  "token_use",
  "client_id",
  "username",
  "cognito:username",
  "auth_time",
  "scope",
  "jti",
  "origin_jti",
  "event_id",
  "cognito:groups",
];
const OIDC_CLAIM_NAMES = ["iss", "sub", "aud", "exp", "nbf", "iat", "scope", "scp", "jti", "token_use", "azp"];
const HEADER_CHANGES: Array<[string, unknown[]]> = [
  ["alg", [DELETE, "none", "HS256", 5, "rs256", ...ALGS]],
  ["kid", [DELETE, "", 5, "x".repeat(300), "kid-unknown"]],
  ["typ", [DELETE, "JWT", "at+jwt", "application/at+jwt", "jwt", "JOSE", 5]],
  ["crit", [["exp"], [], "x"]],
  ["jku", ["https://attacker.example/jwks"]],
  ["x5u", ["https://attacker.example/cert"]],
  ["jwk", [{ kty: "oct", k: "c2VjcmV0" }]],
  ["b64", [false]],
];
// Half the cases keep the token as signed, and most use the published keys, so that each claim and header change
// is judged on its own often enough in a short run.
const POSTS: Post[] = [
  ...Array<Post>(9).fill("none"),
  "flipSignature",
  "appendA",
  "padSignature",
  "padPayload",
  "dropSignature",
  "respell",
  "highS",
  "otherPayload",
  "plusSlash",
];
const KEY_SETS: KeySet[] = [...Array<KeySet>(8).fill("published"), "replaced", "otherKid", "jwkAlgOther", "wrongType"];

function highS(token: string, alg: Alg): string {
  const order = CURVE_ORDER[alg];
  if (order === undefined) return token;
  const [header, payload, signature] = token.split(".") as [string, string, string];
  const bytes = Buffer.from(signature, "base64url");
  const half = bytes.length / 2;
  const s = BigInt(`0x${bytes.subarray(half).toString("hex")}`);
  const twin = Buffer.from((order - s).toString(16).padStart(half * 2, "0"), "hex");
  return `${header}.${payload}.${Buffer.concat([bytes.subarray(0, half), twin]).toString("base64url")}`;
}

function applyPost(token: string, post: Post, alg: Alg, random: () => number, other: string): string {
  const [header, payload, signature] = token.split(".") as [string, string, string];
  switch (post) {
    case "none":
      return token;
    case "flipSignature": {
      const bytes = Buffer.from(signature, "base64url");
      const at = Math.floor(random() * bytes.length);
      bytes[at] = (bytes[at] as number) ^ (1 << Math.floor(random() * 8));
      return `${header}.${payload}.${bytes.toString("base64url")}`;
    }
    case "appendA":
      return `${token}A`;
    case "padSignature":
      return `${token}${"=".repeat((4 - (signature.length % 4)) % 4 || 1)}`;
    case "padPayload":
      return `${header}.${payload}${"=".repeat((4 - (payload.length % 4)) % 4 || 1)}.${signature}`;
    case "dropSignature":
      return `${header}.${payload}.`;
    case "respell": {
      const at = Math.floor(random() * token.length);
      const code = token.charCodeAt(at);
      return `${token.slice(0, at)}${String.fromCharCode(0x4e00 | code)}${token.slice(at + 1)}`;
    }
    case "highS":
      return highS(token, alg);
    case "otherPayload":
      return `${header}.${other.split(".")[1]}.${signature}`;
    case "plusSlash":
      return token.replaceAll("-", "+").replaceAll("_", "/");
  }
}

/** Cases, each token signed once per distinct signed content and reused across key sets and edits after signing. */
export class CaseMaker {
  private readonly signed = new Map<string, string>();
  private readonly random: () => number;
  readonly now = Math.floor(Date.now() / 1000);
  signatures = 0;

  private readonly keys: OracleKeys;

  constructor(keys: OracleKeys, seed: number) {
    this.keys = keys;
    this.random = prng(seed);
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)] as T;
  }

  next(): OracleCase {
    const family: Family = this.random() < 0.6 ? "cognito" : "oidc";
    const kind: Kind =
      family === "cognito" ? this.pick(["id", "access", "m2m"] as const) : this.pick(["oidc-id", "oidc-at"] as const);
    const alg = this.pick(ALGS);
    const issuer = family === "oidc" ? OIDC_ISSUER : this.pick([REGIONAL_ISSUER, GLOBAL_ISSUER]);
    const roll = this.random();
    let change: Change | undefined;
    if (roll < 0.55) {
      change = {
        where: "claim",
        name: this.pick(family === "cognito" ? COGNITO_CLAIM_NAMES : OIDC_CLAIM_NAMES),
        value: this.pick(CLAIM_VALUES(this.now)),
      };
    } else if (roll < 0.8) {
      const [name, values] = this.pick(HEADER_CHANGES);
      change = { where: "header", name, value: this.pick(values) };
    }
    const keySet = this.pick(KEY_SETS);
    const signed = this.signedToken(family, kind, alg, issuer, change);
    const picked = this.pick(POSTS);
    const token = applyPost(signed, picked, alg, this.random, this.signedToken(family, kind, alg, issuer, undefined));
    // An edit that changed nothing (no "-" to respell as "+", no twin of an RSA signature) is no edit.
    const post = token === signed ? "none" : picked;
    return { family, kind, alg, issuer, change, keySet, post, token };
  }

  private signedToken(family: Family, kind: Kind, alg: Alg, issuer: string, change: Change | undefined): string {
    const id = JSON.stringify([family, kind, alg, issuer, change?.where, change?.name, describe(change?.value)]);
    const cached = this.signed.get(id);
    if (cached !== undefined) return cached;
    const header: Record<string, unknown> = {
      alg,
      kid: `kid-${alg}`,
      ...(kind === "oidc-at" ? { typ: "at+jwt" } : {}),
    };
    const claims = baseClaims(kind, issuer, this.now);
    if (change !== undefined) {
      const target = change.where === "claim" ? claims : header;
      if (change.value === DELETE) delete target[change.name];
      else target[change.name] = change.value;
    }
    const token = signToken(this.keys, alg, header, claims);
    this.signatures += 1;
    this.signed.set(id, token);
    return token;
  }
}

export function describe(value: unknown): string {
  return value === DELETE ? "<deleted>" : JSON.stringify(value);
}
