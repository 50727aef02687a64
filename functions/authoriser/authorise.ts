import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { log } from "../shared/log.ts";
import type { AuthoriserConfig } from "./config.ts";
import { Rejection } from "./errors.ts";
import { extractToken } from "./extract-token.ts";
import { buildAllowPolicy, buildDenyPolicy, isInRequiredGroups, isMethodArn } from "./policy.ts";
import { toRejection, type TokenVerifier } from "./verifier.ts";

/** API Gateway turns this exact message into a 401 without calling any integration. */
export const UNAUTHORIZED = "Unauthorized";

function connectionFields(event: APIGatewayRequestAuthorizerEvent): Record<string, string | undefined> {
  const context = event.requestContext as { connectionId?: string; requestId?: string } | undefined;
  return { connectionId: context?.connectionId, requestId: context?.requestId };
}

/**
 * Decide one $connect: Allow scoped to the methodArn, Deny (403) for a valid token outside the required groups,
 * and `Unauthorized` (401) for everything else. Never throws anything but `Error("Unauthorized")`.
 */
export async function authorise(
  event: APIGatewayRequestAuthorizerEvent,
  config: AuthoriserConfig,
  verifier: TokenVerifier,
): Promise<APIGatewayAuthorizerResult> {
  try {
    if (typeof event !== "object" || event === null || !isMethodArn(event.methodArn)) {
      throw new Rejection("bad_request", "event has no valid methodArn");
    }
    const { token, source } = extractToken(event, config.tokenQueryParam);
    const claims = await verifier.verify(token);
    if (!isInRequiredGroups(claims, config.requiredGroups)) {
      log("WARN", "connection denied", { reason: "forbidden", source, sub: String(claims.sub), ...connectionFields(event) });
      return buildDenyPolicy(event.methodArn, claims);
    }
    log("INFO", "connection allowed", { source, sub: String(claims.sub), ...connectionFields(event) });
    return buildAllowPolicy(event.methodArn, claims);
  } catch (err) {
    const rejection = toRejection(err);
    log(rejection.reason === "internal" ? "ERROR" : "WARN", "connection refused", {
      reason: rejection.reason,
      ...(typeof event === "object" && event !== null ? connectionFields(event) : {}),
    });
    throw new Error(UNAUTHORIZED);
  }
}
