/**
 * Why a connection was refused. Logged as `reason`; never with the token.
 * `forbidden` is a valid token the policy refuses (403); every other reason is a 401.
 */
export type RejectionReason =
  | "missing_token"
  | "ambiguous_token"
  | "malformed_token"
  | "unsupported_algorithm"
  | "unknown_key"
  | "invalid_signature"
  | "expired"
  | "not_yet_valid"
  | "wrong_issuer"
  | "wrong_audience"
  | "wrong_token_use"
  | "missing_claim"
  | "invalid_claim"
  | "forbidden"
  | "keys_unavailable"
  | "bad_request"
  | "internal";

export class Rejection extends Error {
  readonly reason: RejectionReason;
  constructor(reason: RejectionReason, detail: string) {
    super(detail);
    this.name = "Rejection";
    this.reason = reason;
  }
}
