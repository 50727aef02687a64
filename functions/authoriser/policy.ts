import type { APIGatewayAuthorizerResult } from "aws-lambda";
import { isInAnyGroup } from "../shared/groups.ts";
import { Rejection } from "./errors.ts";
import type { Identity } from "./verifier.ts";

/** arn:aws:execute-api:region:account:api-id/stage/route-key, as API Gateway sends it for a WebSocket $connect. */
const METHOD_ARN = /^arn:aws[\w-]*:execute-api:[a-z0-9-]+:\d{12}:[A-Za-z0-9]+\/[^/*\s]+\/\$?[^/*\s]+$/;

/** API Gateway refuses an authoriser result larger than 8 KB (Lambda authoriser output quota). */
export const MAX_RESULT_BYTES = 8 * 1024;

export function isMethodArn(value: unknown): value is string {
  return typeof value === "string" && METHOD_ARN.test(value);
}

export type ClaimsContext = {
  sub: string;
  username: string;
  /** A JSON array in a string (`["admin","ops"]`): group names may hold commas, and context values are scalars. */
  groups: string;
  /** The token's scopes, encoded as `groups` is; per-route checks read them (functions/shared/route-authorisation.ts). */
  scopes: string;
  exp: number;
  token_use: string;
  /** Only when the token has one: the revoke function finds a sign-in session's connections by it. */
  origin_jti?: string;
};

/** Only what handlers need, only scalar values (API Gateway refuses objects and arrays in context). */
export function buildContext(identity: Identity): ClaimsContext {
  return {
    sub: identity.principalId,
    username: identity.username,
    groups: JSON.stringify(identity.groups),
    scopes: JSON.stringify(identity.scopes),
    exp: identity.exp,
    token_use: identity.tokenUse,
    ...(identity.originJti === undefined ? {} : { origin_jti: identity.originJti }),
  };
}

function policy(effect: "Allow" | "Deny", methodArn: string, identity: Identity): APIGatewayAuthorizerResult {
  const context = buildContext(identity);
  const result: APIGatewayAuthorizerResult = {
    principalId: identity.principalId,
    policyDocument: {
      Version: "2012-10-17",
      Statement: [{ Action: "execute-api:Invoke", Effect: effect, Resource: methodArn }],
    },
    context,
  };
  checkResultSize(result, context, methodArn);
  return result;
}

/**
 * A result over 8 KB is refused (401, reason result_too_large) rather than sent for API Gateway to fail on.
 * The exact size is measured only when a cheap bound (6 bytes per character at most, as a JSON \u escape) says
 * it might be over, so the common small result costs no extra serialisation.
 */
export function checkResultSize(result: APIGatewayAuthorizerResult, context: ClaimsContext, methodArn: string): void {
  const chars =
    result.principalId.length +
    context.sub.length +
    context.username.length +
    context.groups.length +
    context.scopes.length +
    context.token_use.length +
    (context.origin_jti?.length ?? 0) +
    methodArn.length;
  if (chars * 6 + 512 <= MAX_RESULT_BYTES) return;
  const bytes = Buffer.byteLength(JSON.stringify(result));
  if (bytes > MAX_RESULT_BYTES) {
    throw new Rejection(
      "result_too_large",
      `authoriser result of ${bytes} bytes exceeds API Gateway's ${MAX_RESULT_BYTES}`,
    );
  }
}

/** Allow exactly the route being connected to, never a wildcard. */
export function buildAllowPolicy(methodArn: string, identity: Identity): APIGatewayAuthorizerResult {
  return policy("Allow", methodArn, identity);
}

export function buildDenyPolicy(methodArn: string, identity: Identity): APIGatewayAuthorizerResult {
  return policy("Deny", methodArn, identity);
}

/** REQUIRED_GROUPS empty: every verified caller; otherwise at least one group in common. */
export function isInRequiredGroups(identity: Identity, requiredGroups: readonly string[]): boolean {
  return requiredGroups.length === 0 || isInAnyGroup(identity.groups, requiredGroups);
}
