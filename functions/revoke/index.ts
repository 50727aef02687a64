import type { Context } from "aws-lambda";
import { connectionsFor } from "../shared/management-api.ts";
import { recordClosed } from "../shared/connection-metrics.ts";
import { ConnectionRegistry } from "../shared/registry.ts";
import { cognitoDirectory } from "./cognito-user.ts";
import { parseRevokeConfig } from "./config.ts";
import { handleRevoke } from "./handle-revoke.ts";
import type { RevokeResult } from "./revoke.ts";

// Init: CONNECTIONS_TABLE, AWS_REGION, USER_POOL_ID and COGNITO_ENDPOINT, each failing here by name when wrong.
const config = parseRevokeConfig(process.env);
const registry = new ConnectionRegistry(config.registry);
const directory = cognitoDirectory(config.cognitoEndpoint, config.registry.region);
/** Without a Lambda context (a direct call in a test or a bench harness), as much as the default function timeout. */
const DEFAULT_REMAINING_MS = 10_000;

/** Invoked by a back end or ops (`aws lambda invoke`), or by EventBridge on AdminUserGlobalSignOut: never a route. */
export async function handler(event: unknown, context?: Context): Promise<RevokeResult> {
  const started = Date.now();
  return handleRevoke(event, {
    registry,
    directory,
    userPoolId: config.userPoolId,
    connectionsAt: (endpoint, deadlineMs) => connectionsFor(endpoint, { deadlineMs }),
    remainingMs: () =>
      typeof context?.getRemainingTimeInMillis === "function"
        ? context.getRemainingTimeInMillis()
        : DEFAULT_REMAINING_MS - (Date.now() - started),
    awsRequestId: context?.awsRequestId,
    onClosed: (closed) => recordClosed(config.registry.tableName, "revocation", closed),
  });
}
