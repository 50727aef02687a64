// Every error the authoriser raises, under AuthoriserError and so under the functions' one root, WsAuthError.
// Each passes `{ cause }` through to Error, so the original error is never lost.
import { WsAuthError } from "../shared/errors.ts";

export class AuthoriserError extends WsAuthError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    // Written out, not new.target.name: the bundle's minifier renames classes.
    this.name = "AuthoriserError";
  }
}

/** A bad environment variable at init: one error that names it and what it expected. */
export class ConfigError extends AuthoriserError {
  readonly variable: string;
  constructor(variable: string, expected: string, got: string | undefined, options?: { cause?: unknown }) {
    super(
      `${variable}: expected ${expected}, got ${got === undefined ? "nothing (unset)" : JSON.stringify(truncate(got))}`,
      options,
    );
    this.name = "ConfigError";
    this.variable = variable;
  }
}

export class JwksFetchError extends AuthoriserError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(`JWKS fetch failed: ${detail}`, options);
    this.name = "JwksFetchError";
  }
}

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
  | "missing_scope"
  | "forbidden"
  | "keys_unavailable"
  | "result_too_large"
  | "bad_request"
  | "internal";

export class Rejection extends AuthoriserError {
  readonly reason: RejectionReason;
  constructor(reason: RejectionReason, detail: string, options?: { cause?: unknown }) {
    super(detail, options);
    this.name = "Rejection";
    this.reason = reason;
  }
}

function truncate(value: string): string {
  return value.length > 80 ? `${value.slice(0, 77)}...` : value;
}

/** `Name: message` of an error and each of its causes (at most 5 deep): what an `internal` refusal logs. */
export function causeChain(err: unknown): string[] {
  const chain: string[] = [];
  let current: unknown = err;
  while (current !== undefined && current !== null && chain.length < 5) {
    chain.push(current instanceof Error ? current.name : typeof current);
    current = current instanceof Error ? current.cause : undefined;
  }
  return chain;
}
