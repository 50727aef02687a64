// The factory: one verify() that runs decode, header, issuer, key fit and signature, claims, then identity.
import {
  JwksNotAvailableInCacheError,
  JwtExpiredError,
  JwtInvalidAudienceError,
  JwtNotBeforeError,
  KidNotFoundInJwksError,
} from "aws-jwt-verify/error";
import { validateJwtFields } from "aws-jwt-verify/jwt";
import type { Claims } from "./claims.ts";
import { checkCognitoClaims } from "./cognito-claims.ts";
import type { AuthoriserConfig, SignatureAlgorithm } from "./config.ts";
import { type DecodedToken, decodeToken } from "./decode.ts";
import { ConfigError, JwksFetchError, Rejection, type RejectionReason } from "./errors.ts";
import { type CheckedHeader, checkHeader } from "./header.ts";
import { type Identity, identityOf } from "./identity.ts";
import type { RefreshingJwksCache, VerificationKey } from "./jwks.ts";
import { keyFits, signatureVerifies } from "./key-fit.ts";
import { checkOidcClaims } from "./oidc-claims.ts";

export type { Claims, Identity };

export interface VerifiedToken {
  readonly claims: Claims;
  readonly identity: Identity;
}

export interface TokenVerifier {
  /**
   * Verify one token string against the configuration: the identity, or a `Rejection` whose `reason` says why. With
   * the key cached (every warm call) it returns or throws at once, with no promise; otherwise the promise of a JWKS
   * fetch resolves or rejects the same way. Callers `await` it inside a try. Usable outside the Lambda handler (the
   * refresh route).
   */
  verify(token: string): VerifiedToken | Promise<VerifiedToken>;
  /** Load the keys now (init), so that the first connection does not wait for them. */
  prefetch(): Promise<void>;
}

// What the library code we call can throw: validateJwtFields (issuer null, no scope) and the JWKS cache.
const REASONS: ReadonlyArray<[abstract new (...args: never[]) => Error, RejectionReason]> = [
  [JwtExpiredError, "expired"],
  [JwtNotBeforeError, "not_yet_valid"],
  [JwtInvalidAudienceError, "wrong_audience"],
  [KidNotFoundInJwksError, "unknown_key"],
  [JwksNotAvailableInCacheError, "keys_unavailable"],
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

// Issue 16: the last header that passed its checks, with what they gave. One entry, replaced by the next header that
// passes, so however many headers a caller sends, one is held (SECURITY.md); a header that fails is never kept.
// Tokens of one issuer share one header, so its decode, JSON.parse and checks happen once per key rotation.
let lastHeader:
  | {
      readonly segment: string;
      readonly header: Record<string, unknown>;
      readonly allowed: readonly SignatureAlgorithm[];
      readonly checked: CheckedHeader;
    }
  | undefined;

function checkedHeader(decoded: DecodedToken, allowed: readonly SignatureAlgorithm[]): CheckedHeader {
  const last = lastHeader;
  if (last !== undefined && last.header === decoded.header && last.allowed === allowed) return last.checked;
  const checked = checkHeader(decoded.header, allowed);
  lastHeader = { segment: decoded.headerSegment, header: decoded.header, allowed, checked };
  return checked;
}

/**
 * Verify a token string: decoding (one spelling), header, `iss` against the configured issuers (before any key
 * lookup, so no cache ever holds a caller-chosen value), the key of the latest good JWKS for that kid, the
 * signature, then the claims and the identity. Synchronous when the key is cached (every warm call): a promise only
 * where a JWKS fetch is waited for, so the warm path takes no asynchronous step of its own.
 */
function verifyTokenString(
  token: string,
  config: AuthoriserConfig,
  keys: RefreshingJwksCache,
): VerifiedToken | Promise<VerifiedToken> {
  const decoded = decodeToken(token, lastHeader);
  const payload = decoded.payload as Claims;
  const header = checkedHeader(decoded, config.allowedAlgorithms);

  const jwksUri = typeof payload.iss === "string" ? config.issuers.get(payload.iss) : undefined;
  if (jwksUri === undefined) throw new Rejection("wrong_issuer", "iss is not a configured issuer");

  const key = keys.cachedKey(jwksUri, header.kid);
  if (key !== undefined) return verifyWithKey(decoded, header, key, config);
  return keys.getVerificationKey(jwksUri, header.kid).then(
    (fetched) => verifyWithKey(decoded, header, fetched, config),
    (err: unknown) => {
      throw toRejection(err);
    },
  );
}

/** The signature with the key found for the token's kid, then the claims and the identity. */
function verifyWithKey(
  decoded: DecodedToken,
  { alg, atJwt }: CheckedHeader,
  key: VerificationKey,
  config: AuthoriserConfig,
): VerifiedToken {
  const payload = decoded.payload as Claims;
  if (!keyFits(alg, key)) {
    throw new Rejection("unsupported_algorithm", "the key for this kid does not fit the token's alg");
  }
  if (!signatureVerifies(alg, key, decoded.signedInput, decoded.signature)) {
    throw new Rejection("invalid_signature", "the signature does not verify");
  }

  const cognito = config.userPoolId !== undefined;
  let machine = false;
  let access = true;
  try {
    // exp, nbf and (OIDC) aud by aws-jwt-verify's own checks; iss was matched exactly above.
    validateJwtFields(payload, { issuer: null, audience: cognito ? null : [...config.clientIds] });
  } catch (err) {
    throw toRejection(err);
  }
  if (cognito) ({ machine, access } = checkCognitoClaims(payload, config));
  else checkOidcClaims(payload, atJwt, config);
  const identity = identityOf(payload, config, machine);
  // A pool's ID tokens carry no scopes; another issuer's scopes are read wherever it puts them (see identity.ts).
  if (config.requiredScopes.length > 0) {
    if (!access || !identity.scopes.some((scope) => config.requiredScopes.includes(scope))) {
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
