// What the revoke function is asked to do: a direct invoke ({"sub"} or {"origin_jti"}), or Cognito's
// AdminUserGlobalSignOut as EventBridge delivers it from CloudTrail. Anything else is refused by name.
import { WsAuthError } from "../shared/errors.ts";
import type { RevocationTarget } from "../shared/registry.ts";
import { isRecord } from "../shared/is-record.ts";

/** The most connections one invocation closes; the answer's `more` says when to invoke again. */
export const MAX_LIMIT = 1000;
/** Cognito writes this in place of fields it hides from CloudTrail. */
export const HIDDEN_BY_COGNITO = "HIDDEN_FOR_SECURITY_REASONS";
const MAX_ID_LENGTH = 255;
const DIRECT_FIELDS = new Set(["sub", "origin_jti", "requestedBy", "limit"]);
const SHOWN_FIELD = /^[A-Za-z0-9_-]{1,32}$/;

export class RevokeInputError extends WsAuthError {
  constructor(message: string) {
    super(`revoke: ${message}`);
    this.name = "RevokeInputError";
  }
}

export type RevokeRequest =
  | {
      readonly kind: "direct";
      readonly target: RevocationTarget;
      readonly requestedBy: string | undefined;
      readonly limit: number;
    }
  | {
      readonly kind: "sign_out";
      readonly userPoolId: string;
      /** As the caller of AdminUserGlobalSignOut gave it: a username or an alias (email, phone). */
      readonly username: string;
      /** The IAM identity that signed the user out, from the CloudTrail record. */
      readonly requestedBy: string | undefined;
      readonly eventId: string | undefined;
    };

/** Printable, 1-255 characters: an identifier, never a token (a JWT is longer) and never a control character. */
function identifier(value: unknown, field: string): string {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_ID_LENGTH) {
    throw new RevokeInputError(`${field} must be a string of 1-${MAX_ID_LENGTH} characters`);
  }
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) throw new RevokeInputError(`${field} must not hold control characters`);
  }
  return value;
}

function optionalIdentifier(value: unknown, field: string): string | undefined {
  return value === undefined ? undefined : identifier(value, field);
}

function parseDirect(event: Record<string, unknown>): RevokeRequest {
  const unknown = Object.keys(event).filter((key) => !DIRECT_FIELDS.has(key));
  if (unknown.length > 0) {
    // Named only when short and plain: a key is the caller's text, and could be a token pasted in the wrong place.
    const named = unknown.filter((key) => SHOWN_FIELD.test(key)).slice(0, 5);
    const others = unknown.length - named.length;
    const list = [...named, ...(others > 0 ? [`${others} other${others === 1 ? "" : "s"}`] : [])].join(", ");
    throw new RevokeInputError(`unknown field(s) ${list}: expected {"sub"} or {"origin_jti"}`);
  }
  if ((event.sub === undefined) === (event.origin_jti === undefined)) {
    throw new RevokeInputError(
      'give exactly one of "sub" (all of a user\'s connections) or "origin_jti" (one session)',
    );
  }
  const limit = event.limit ?? MAX_LIMIT;
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new RevokeInputError(`limit must be a whole number from 1 to ${MAX_LIMIT}`);
  }
  const target: RevocationTarget =
    event.sub !== undefined
      ? { sub: identifier(event.sub, "sub") }
      : { originJti: identifier(event.origin_jti, "origin_jti") };
  return { kind: "direct", target, requestedBy: optionalIdentifier(event.requestedBy, "requestedBy"), limit };
}

/** An EventBridge event of CloudTrail's record of AdminUserGlobalSignOut (the rule matches nothing else). */
function parseSignOut(event: Record<string, unknown>): RevokeRequest {
  const detail = event.detail;
  if (!isRecord(detail) || detail.eventName !== "AdminUserGlobalSignOut") {
    throw new RevokeInputError("an EventBridge event must be CloudTrail's AdminUserGlobalSignOut");
  }
  const parameters = detail.requestParameters;
  if (!isRecord(parameters)) throw new RevokeInputError("the sign-out event has no requestParameters");
  const username = identifier(parameters.username, "requestParameters.username");
  if (username === HIDDEN_BY_COGNITO) {
    throw new RevokeInputError("Cognito hid the username in this event: no user to map to a sub");
  }
  const userIdentity = isRecord(detail.userIdentity) ? detail.userIdentity : {};
  return {
    kind: "sign_out",
    userPoolId: identifier(parameters.userPoolId, "requestParameters.userPoolId"),
    username,
    requestedBy: typeof userIdentity.arn === "string" ? userIdentity.arn : undefined,
    eventId: typeof detail.eventID === "string" ? detail.eventID : undefined,
  };
}

export function parseRevokeRequest(event: unknown): RevokeRequest {
  if (!isRecord(event)) throw new RevokeInputError('expected a JSON object: {"sub":"..."} or {"origin_jti":"..."}');
  if (event["detail-type"] === "AWS API Call via CloudTrail") return parseSignOut(event);
  return parseDirect(event);
}
