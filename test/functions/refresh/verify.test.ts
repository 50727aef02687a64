// The refresh adapter verifies exactly as the authoriser does: same variables, same checks, same reasons. Tokens
// are signed by jose (not our issuer) with a key published through JWKS_JSON, so no network is involved.
import { expect } from "chai";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { ConfigError } from "../../../functions/authoriser/config.ts";
import { createRefreshVerifier } from "../../../functions/refresh/verify.ts";

const POOL = "eu-west-1_RefreshPool";
const CLIENT = "refreshclient00000000000000";
const ISSUER = `https://cognito-idp.eu-west-1.amazonaws.com/${POOL}`;

describe("refresh verifier (the authoriser's, through functions/refresh/verify.ts)", () => {
  let sign: (claims: Record<string, unknown>) => Promise<string>;
  let env: Record<string, string>;

  before(async () => {
    const { privateKey, publicKey } = await generateKeyPair("RS256");
    const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" };
    env = { USER_POOL_ID: POOL, CLIENT_ID: CLIENT, JWKS_JSON: JSON.stringify({ keys: [jwk] }) };
    sign = (claims) => new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: "k1", typ: "JWT" }).sign(privateKey);
  });

  function idClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    const now = Math.floor(Date.now() / 1000);
    return {
      sub: "sub-1",
      iss: ISSUER,
      aud: CLIENT,
      token_use: "id",
      "cognito:username": "alice",
      "cognito:groups": ["members"],
      auth_time: now,
      iat: now,
      exp: now + 600,
      jti: "j1",
      ...overrides,
    };
  }

  it("accepts a valid token and gives its sub, exp and identity (for the registry)", async () => {
    const claims = idClaims();
    expect(await createRefreshVerifier(env).verify(await sign(claims))).to.deep.equal({
      ok: true,
      sub: "sub-1",
      exp: claims.exp,
      username: "alice",
      groups: ["members"],
      scopes: [],
    });
  });

  it("refuses what the authoriser refuses, with its reasons", async () => {
    const verifier = createRefreshVerifier(env);
    const now = Math.floor(Date.now() / 1000);
    expect(await verifier.verify(await sign(idClaims({ exp: now - 5 })))).to.deep.equal({
      ok: false,
      reason: "expired",
    });
    expect(await verifier.verify(await sign(idClaims({ aud: "another-client" })))).to.deep.equal({
      ok: false,
      reason: "wrong_audience",
    });
    expect(
      await verifier.verify(
        await sign(idClaims({ iss: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other" })),
      ),
    ).to.deep.equal({ ok: false, reason: "wrong_issuer" });
    expect(await verifier.verify("not.a.token")).to.deep.include({ ok: false });
  });

  it("applies REQUIRED_GROUPS and TOKEN_USE from the same variables", async () => {
    expect(
      await createRefreshVerifier({ ...env, REQUIRED_GROUPS: "admins" }).verify(await sign(idClaims())),
    ).to.deep.equal({ ok: false, reason: "forbidden" });
    expect(await createRefreshVerifier({ ...env, TOKEN_USE: "access" }).verify(await sign(idClaims()))).to.deep.equal({
      ok: false,
      reason: "wrong_token_use",
    });
  });

  it("fails at init with the authoriser's error naming the variable", () => {
    expect(() => createRefreshVerifier({ ...env, USER_POOL_ID: "nope" })).to.throw(
      ConfigError,
      /^USER_POOL_ID: expected/,
    );
  });
});
