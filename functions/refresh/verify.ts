// The one file through which refresh reaches the authoriser's verifier: the same configuration (same variables),
// the same checks, the same reasons. When the authoriser's verifier changes shape, only this adapter follows it.
import { parseConfig } from "../authoriser/config.ts";
import { BoundedFetcher, RefreshingJwksCache } from "../authoriser/jwks.ts";
import { isInRequiredGroups } from "../authoriser/policy.ts";
import { createTokenVerifier, toRejection } from "../authoriser/verifier.ts";

export type RefreshVerdict =
  | {
      readonly ok: true;
      readonly sub: string;
      readonly exp: number;
      readonly username: string;
      readonly groups: readonly string[];
      readonly scopes: readonly string[];
      readonly originJti?: string;
    }
  | { readonly ok: false; readonly reason: string };

export interface RefreshVerifier {
  verify(token: string): Promise<RefreshVerdict>;
}

/** The authoriser's verifier for the authoriser's variables; a bad configuration throws at init, naming the variable. */
export function createRefreshVerifier(env: Record<string, string | undefined>): RefreshVerifier {
  const config = parseConfig(env);
  const jwksCache = new RefreshingJwksCache({
    fetcher: new BoundedFetcher(),
    maxAgeMs: config.jwksCacheSeconds * 1000,
  });
  const verifier = createTokenVerifier(config, jwksCache);
  return {
    async verify(token) {
      try {
        const { identity } = await verifier.verify(token);
        // The authoriser answers 403 to a valid token outside REQUIRED_GROUPS: no refresh past that either.
        if (!isInRequiredGroups(identity, config.requiredGroups)) return { ok: false, reason: "forbidden" };
        // principalId is the token's sub (for a machine-to-machine token, its client id, which is also its sub).
        const { username, groups, scopes, originJti } = identity;
        const verdict = { ok: true, sub: identity.principalId, exp: identity.exp, username, groups, scopes } as const;
        return originJti === undefined ? verdict : { ...verdict, originJti };
      } catch (err) {
        return { ok: false, reason: toRejection(err).reason };
      }
    },
  };
}
