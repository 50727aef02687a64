import sinon from "sinon";
import { parseConfig, type AuthoriserConfig } from "../../functions/authoriser/config.ts";
import { RefreshingJwksCache } from "../../functions/authoriser/jwks.ts";
import { createTokenVerifier, type TokenVerifier } from "../../functions/authoriser/verifier.ts";
import { LocalIssuer } from "../../local/issuer/issuer.ts";

export interface StubbedAuthoriser {
  issuer: LocalIssuer;
  config: AuthoriserConfig;
  fetch: sinon.SinonStub<[string], Promise<ArrayBuffer>>;
  cache: RefreshingJwksCache;
  verifier: TokenVerifier;
}

export function jwksBody(issuer: LocalIssuer): ArrayBuffer {
  const bytes = Buffer.from(JSON.stringify(issuer.jwks()));
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** The authoriser's real modules, with the JWKS fetch replaced by a sinon stub serving the issuer's keys. */
export function makeStubbedAuthoriser(
  env: Record<string, string> = {},
  issuer: LocalIssuer = new LocalIssuer(),
): StubbedAuthoriser {
  const config = parseConfig({ USER_POOL_ID: issuer.userPoolId, CLIENT_ID: issuer.clientId, ...env });
  const fetch = sinon.stub<[string], Promise<ArrayBuffer>>().callsFake(async () => jwksBody(issuer));
  const cache = new RefreshingJwksCache({ fetcher: { fetch }, maxAgeMs: config.jwksCacheSeconds * 1000 });
  return { issuer, config, fetch, cache, verifier: createTokenVerifier(config, cache) };
}
