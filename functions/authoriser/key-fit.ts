// Key fit: whether the key under the token's kid may verify this alg, and the signature check with it.
import { verify } from "node:crypto";
import type { SignatureAlgorithm } from "./config.ts";
import type { VerificationKey } from "./jwks.ts";

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

/** The key's type must fit the alg (no RSA key for an ES256 token, no P-384 key for ES256...), and its `alg` too. */
export function keyFits(alg: SignatureAlgorithm, key: VerificationKey): boolean {
  const jwk = key.jwk as { kty?: unknown; crv?: unknown; alg?: unknown };
  const fits = alg.startsWith("RS")
    ? jwk.kty === "RSA"
    : alg === "EdDSA"
      ? jwk.kty === "OKP" && (jwk.crv === "Ed25519" || jwk.crv === "Ed448")
      : jwk.kty === "EC" && jwk.crv === EC_CURVE[alg];
  return fits && (jwk.alg === undefined || jwk.alg === alg);
}

/**
 * The signature over the signed input. ECDSA signatures are the JWS form (r || s, RFC 7518 3.4); both `s` and
 * `n - s` verify, as in every ECDSA verifier, so an ES* token has two accepted signatures (see SECURITY.md).
 */
export function signatureVerifies(
  alg: SignatureAlgorithm,
  key: VerificationKey,
  signedInput: Buffer,
  signature: Buffer,
): boolean {
  const keyInput = alg.startsWith("ES") ? { key: key.keyObject, dsaEncoding: "ieee-p1363" as const } : key.keyObject;
  return verify(HASH[alg], signedInput, keyInput, signature);
}
