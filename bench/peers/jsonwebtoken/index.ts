// Peer: the authoriser on `jsonwebtoken` + `jwks-rsa`, the usual Node choice (bench only).
import jwt from "jsonwebtoken";
import jwksClient from "jwks-rsa";
import { parseConfig } from "../../../functions/authoriser/config.ts";
import { createPeerHandler, type PeerClaims, PeerRejection } from "../handler.ts";

const config = parseConfig(process.env);
const seed = config.seedJwks as { keys: jwksClient.JSONWebKey[] } | undefined;
const client = jwksClient({
  jwksUri: config.jwksUri,
  cache: true,
  cacheMaxAge: config.jwksCacheSeconds * 1000,
  rateLimit: true,
  ...(seed ? { getKeysInterceptor: async () => seed.keys } : {}),
});
// Keys ready before the first call, as ours are: from the seed (the interceptor) or one fetch.
if (seed?.keys[0]) await client.getSigningKey(seed.keys[0].kid);
else await client.getSigningKeys();

export const handler = createPeerHandler(config, async (token) => {
  const decoded = jwt.decode(token, { complete: true });
  const kid = decoded?.header.kid;
  if (typeof kid !== "string") throw new PeerRejection("kid");
  const key = await client.getSigningKey(kid);
  const claims = jwt.verify(token, key.getPublicKey(), { algorithms: ["RS256"], issuer: config.issuer });
  if (typeof claims !== "object") throw new PeerRejection("payload");
  return claims as PeerClaims;
});
