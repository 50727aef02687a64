import type { APIGatewayAuthorizerResult } from "aws-lambda";
import type { Claims } from "./verifier.ts";

/** arn:aws:execute-api:region:account:api-id/stage/route-key, as API Gateway sends it for a WebSocket $connect. */
const METHOD_ARN = /^arn:aws[\w-]*:execute-api:[a-z0-9-]+:\d{12}:[A-Za-z0-9]+\/[^/*\s]+\/\$?[^/*\s]+$/;

export function isMethodArn(value: unknown): value is string {
  return typeof value === "string" && METHOD_ARN.test(value);
}

export type ClaimsContext = {
  sub: string;
  username: string;
  groups: string;
  exp: number;
  token_use: string;
};

function asString(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** Only what handlers need, only scalar values (API Gateway refuses objects and arrays in context). */
export function buildContext(claims: Claims): ClaimsContext {
  const groups = claims["cognito:groups"];
  return {
    sub: asString(claims.sub),
    username: asString(claims["cognito:username"]) || asString(claims.username) || asString(claims.sub),
    groups: Array.isArray(groups) ? groups.join(",") : "",
    exp: typeof claims.exp === "number" ? claims.exp : 0,
    token_use: asString(claims.token_use),
  };
}

function policy(effect: "Allow" | "Deny", principalId: string, methodArn: string, context: ClaimsContext): APIGatewayAuthorizerResult {
  return {
    principalId,
    policyDocument: {
      Version: "2012-10-17",
      Statement: [{ Action: "execute-api:Invoke", Effect: effect, Resource: methodArn }],
    },
    context,
  };
}

/** Allow exactly the route being connected to, never a wildcard. */
export function buildAllowPolicy(methodArn: string, claims: Claims): APIGatewayAuthorizerResult {
  const context = buildContext(claims);
  return policy("Allow", context.sub, methodArn, context);
}

export function buildDenyPolicy(methodArn: string, claims: Claims): APIGatewayAuthorizerResult {
  const context = buildContext(claims);
  return policy("Deny", context.sub, methodArn, context);
}

/** REQUIRED_GROUPS empty: every verified user; otherwise at least one group in common. */
export function isInRequiredGroups(claims: Claims, requiredGroups: readonly string[]): boolean {
  if (requiredGroups.length === 0) return true;
  const groups = claims["cognito:groups"];
  return Array.isArray(groups) && groups.some((group) => requiredGroups.includes(String(group)));
}
