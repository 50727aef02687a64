import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { log } from "../shared/log.ts";
import type { AuthoriserConfig } from "./config.ts";
import { causeChain, Rejection } from "./errors.ts";
import { extractToken } from "./extract-token.ts";
import { buildAllowPolicy, buildDenyPolicy, isInRequiredGroups, isMethodArn } from "./policy.ts";
import { toRejection, type TokenVerifier } from "./verifier.ts";

/** API Gateway turns this exact message into a 401 without calling any integration. */
export const UNAUTHORIZED = "Unauthorized";

function requestFields(
  event: APIGatewayRequestAuthorizerEvent,
  awsRequestId: string | undefined,
): Record<string, string | undefined> {
  const context = (typeof event === "object" && event !== null ? event.requestContext : undefined) as
    | { connectionId?: string; requestId?: string }
    | undefined;
  return { awsRequestId, connectionId: context?.connectionId, requestId: context?.requestId };
}

/**
 * Decide one $connect: Allow scoped to the methodArn, Deny (403) for a valid token outside the required groups,
 * and `Unauthorized` (401) for everything else. Never throws anything but `Error("Unauthorized")`.
 */
export async function authorise(
  event: APIGatewayRequestAuthorizerEvent,
  config: AuthoriserConfig,
  verifier: TokenVerifier,
  awsRequestId?: string,
): Promise<APIGatewayAuthorizerResult> {
  try {
    if (typeof event !== "object" || event === null || !isMethodArn(event.methodArn)) {
      throw new Rejection("bad_request", "event has no valid methodArn");
    }
    const { token, source } = extractToken(event, config.tokenQueryParam);
    // Warm, the verifier answers without a promise: awaiting only a pending one saves this call an asynchronous step.
    const verified = verifier.verify(token);
    const { identity } = verified instanceof Promise ? await verified : verified;
    if (!isInRequiredGroups(identity, config.requiredGroups)) {
      const result = buildDenyPolicy(event.methodArn, identity);
      log("WARN", "connection denied", {
        reason: "forbidden",
        source,
        sub: identity.principalId,
        ...requestFields(event, awsRequestId),
      });
      return result;
    }
    const result = buildAllowPolicy(event.methodArn, identity);
    log("INFO", "connection allowed", { source, sub: identity.principalId, ...requestFields(event, awsRequestId) });
    return result;
  } catch (err) {
    const rejection = toRejection(err);
    const internal = rejection.reason === "internal";
    log(internal ? "ERROR" : "WARN", "connection refused", {
      reason: rejection.reason,
      // Names only: an error's message could quote what the caller sent.
      ...(internal ? { error: causeChain(rejection.cause ?? rejection) } : {}),
      ...requestFields(event, awsRequestId),
    });
    throw new Error(UNAUTHORIZED);
  }
}
