// Peer: the authoriser on `jose` (bench only). Keys from JWKS_JSON when given, else fetched once at init.
import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, jwtVerify } from "jose";
import { parseConfig } from "../../../functions/authoriser/config.ts";
import { createPeerHandler, type PeerClaims } from "../handler.ts";

const config = parseConfig(process.env);
const remote =
  config.seedJwks === undefined
    ? createRemoteJWKSet(new URL(config.jwksUri), { cacheMaxAge: config.jwksCacheSeconds * 1000 })
    : undefined;
const keys = remote ?? createLocalJWKSet(config.seedJwks as JSONWebKeySet);
if (remote) await remote.reload();

export const handler = createPeerHandler(config, async (token) => {
  const { payload } = await jwtVerify(token, keys, { issuer: config.issuer, algorithms: ["RS256"] });
  return payload as PeerClaims;
});
