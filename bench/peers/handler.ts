// The authoriser's decision around a peer library's verify: same token extraction, group check, policy and log
// line as functions/authoriser, so that only the verification differs between the peers and ours.
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import type { AuthoriserConfig } from "../../functions/authoriser/config.ts";
import { extractToken } from "../../functions/authoriser/extract-token.ts";
import type { Claims } from "../../functions/authoriser/claims.ts";
import { identityOf } from "../../functions/authoriser/identity.ts";
import {
  buildAllowPolicy,
  buildDenyPolicy,
  isInRequiredGroups,
  isMethodArn,
} from "../../functions/authoriser/policy.ts";
import { log } from "../../functions/shared/log.ts";

export type PeerClaims = Claims;

export class PeerRejection extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = "PeerRejection";
  }
}

/** Claims a Cognito token must carry for this pool beyond what every JWT library checks (iss, exp, alg). */
export function checkCognitoClaims(claims: PeerClaims, config: AuthoriserConfig): void {
  const tokenUse = claims.token_use;
  if (tokenUse !== "id" && tokenUse !== "access") throw new PeerRejection("token_use");
  if (config.tokenUse !== "any" && tokenUse !== config.tokenUse) throw new PeerRejection("token_use");
  const clientId = tokenUse === "id" ? claims.aud : claims.client_id;
  if (typeof clientId !== "string" || !config.clientIds.includes(clientId)) throw new PeerRejection("client id");
  if (typeof claims.sub !== "string" || claims.sub === "") throw new PeerRejection("sub");
}

export function createPeerHandler(
  config: AuthoriserConfig,
  verify: (token: string) => Promise<PeerClaims>,
): (event: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult> {
  return async (event) => {
    try {
      if (!isMethodArn(event.methodArn)) throw new PeerRejection("methodArn");
      const { token, source } = extractToken(event, config.tokenQueryParam);
      const claims = await verify(token);
      checkCognitoClaims(claims, config);
      const identity = identityOf(claims, config, false);
      const connectionId = (event.requestContext as { connectionId?: string } | undefined)?.connectionId;
      if (!isInRequiredGroups(identity, config.requiredGroups)) {
        log("WARN", "connection denied", { reason: "forbidden", source, sub: identity.principalId, connectionId });
        return buildDenyPolicy(event.methodArn, identity);
      }
      log("INFO", "connection allowed", { source, sub: identity.principalId, connectionId });
      return buildAllowPolicy(event.methodArn, identity);
    } catch (err) {
      log("WARN", "connection refused", { reason: err instanceof Error ? err.name : "internal" });
      throw new Error("Unauthorized");
    }
  };
}
