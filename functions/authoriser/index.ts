import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent, Context } from "aws-lambda";
import { log } from "../shared/log.ts";
import { authorise } from "./authorise.ts";
import { parseConfig } from "./config.ts";
import { causeChain } from "./errors.ts";
import { BoundedFetcher, RefreshingJwksCache } from "./jwks.ts";
import { createTokenVerifier } from "./verifier.ts";

// Init runs once per container: a bad configuration fails here, loudly, naming the variable.
const config = parseConfig(process.env);
const jwksCache = new RefreshingJwksCache({ fetcher: new BoundedFetcher(), maxAgeMs: config.jwksCacheSeconds * 1000 });
const verifier = createTokenVerifier(config, jwksCache);

// Fetch the keys during init so the first $connect does not pay for them; a failure is logged, never a crashed
// container, and invocations fetch again once the back-off ends.
await verifier.prefetch().catch((err: unknown) => {
  log("WARN", "JWKS prefetch failed; will fetch on first use", { error: causeChain(err) });
});

// Not async: authorise's own promise goes back to the runtime, one asynchronous step fewer per call.
export function handler(
  event: APIGatewayRequestAuthorizerEvent,
  context?: Context,
): Promise<APIGatewayAuthorizerResult> {
  return authorise(event, config, verifier, context?.awsRequestId);
}
