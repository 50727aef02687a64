// The JOSE header: which algorithm, which key, and whether the token calls itself an access token.
import type { SignatureAlgorithm } from "./config.ts";
import { Rejection } from "./errors.ts";

export const MAX_KID_LENGTH = 256;

/** RFC 9068 2.1: an access token's `typ`, in its short form and as the full media type (RFC 7515 4.1.9). */
const ACCESS_TOKEN_TYPES: readonly unknown[] = ["at+jwt", "application/at+jwt"];
/** RFC 7519 5.1 (JWT), spelt as the RFCs spell them; anything else is refused. */
const TOKEN_TYPES: readonly unknown[] = [undefined, "JWT", ...ACCESS_TOKEN_TYPES];

export interface CheckedHeader {
  readonly alg: SignatureAlgorithm;
  readonly kid: string;
  /** The header says `typ: at+jwt` (RFC 9068): an OAuth access token. */
  readonly atJwt: boolean;
}

/** An allowed alg, a kid, no critical extensions: refused before any key lookup, so alg tricks cost no fetch. */
export function checkHeader(header: Record<string, unknown>, allowed: readonly SignatureAlgorithm[]): CheckedHeader {
  const { alg, kid, crit, typ } = header;
  if (typeof alg !== "string" || !(allowed as readonly string[]).includes(alg)) {
    throw new Rejection("unsupported_algorithm", "alg is not an allowed algorithm");
  }
  if (typeof kid !== "string" || kid === "" || kid.length > MAX_KID_LENGTH) {
    throw new Rejection("malformed_token", "header has no usable kid");
  }
  if (crit !== undefined) throw new Rejection("malformed_token", "header has critical extensions");
  if (!TOKEN_TYPES.includes(typ)) throw new Rejection("malformed_token", "header typ is not a JWT type");
  return { alg: alg as SignatureAlgorithm, kid, atJwt: ACCESS_TOKEN_TYPES.includes(typ) };
}
