import { type RegistryConfig, RegistryConfigError, parseRegistryConfig } from "../shared/registry-config.ts";

/** The registry's variables, and the one user pool whose sign-outs this function acts on (automatic path). */
export interface RevokeConfig {
  readonly registry: RegistryConfig;
  /** Unset: sign-out events are refused (the direct path still works). */
  readonly userPoolId: string | undefined;
  /** Cognito's regional endpoint, or COGNITO_ENDPOINT (a loopback stand-in in tests). */
  readonly cognitoEndpoint: string;
}

const USER_POOL_ID = /^[a-z]{2}(?:-[a-z]+)+-\d_[0-9A-Za-z]+$/;
const LOOPBACK_HTTP = /^http:\/\/(?:localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])(?::\d+)?$/;

export function parseRevokeConfig(env: Record<string, string | undefined>): RevokeConfig {
  const registry = parseRegistryConfig(env);
  const userPoolId = env.USER_POOL_ID?.trim() || undefined;
  if (userPoolId !== undefined && !USER_POOL_ID.test(userPoolId)) {
    throw new RegistryConfigError(
      "USER_POOL_ID",
      "a Cognito user pool id such as eu-west-1_AbC123, or unset",
      userPoolId,
    );
  }
  const endpoint = env.COGNITO_ENDPOINT?.trim() || undefined;
  if (
    endpoint !== undefined &&
    !LOOPBACK_HTTP.test(endpoint) &&
    !/^https:\/\/[A-Za-z0-9.-]+(?::\d+)?$/.test(endpoint)
  ) {
    throw new RegistryConfigError(
      "COGNITO_ENDPOINT",
      "an https:// origin (http:// only for a loopback host), without path",
      endpoint,
    );
  }
  return Object.freeze({
    registry,
    userPoolId,
    cognitoEndpoint: endpoint ?? `https://cognito-idp.${registry.region}.amazonaws.com`,
  });
}
