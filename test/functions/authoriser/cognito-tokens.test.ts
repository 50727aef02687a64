import { expect } from "chai";
import {
  CLIENT_ID,
  cognitoAccessClaims,
  cognitoEnv,
  cognitoIdClaims,
  cognitoM2mClaims,
  makeIdpKey,
  makeVerifier,
  outcome,
  POOL_ID,
  REGIONAL_ISSUER,
  signWith,
  UPDATED_ISSUER,
  type IdpKey,
} from "./support/idp.ts";

describe("Cognito tokens shaped like AWS's documented examples, signed with jose", () => {
  let key: IdpKey;
  before(async () => {
    key = await makeIdpKey();
  });

  for (const iss of [REGIONAL_ISSUER, UPDATED_ISSUER]) {
    for (const jti of [true, false]) {
      const label = `${iss.includes("issuer-cognito") ? "updated" : "regional"} issuer, ${jti ? "with" : "without"} jti`;

      it(`allows an ID token (${label}) naming the user`, async () => {
        const idp = makeVerifier(cognitoEnv(), [key]);
        const { reason, verified } = await outcome(idp.verifier, await signWith(key, cognitoIdClaims({ iss, jti })));
        expect(reason).to.equal("allowed");
        expect(verified?.identity).to.include({
          principalId: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
          username: "my-test-user",
          tokenUse: "id",
          machine: false,
        });
        expect(verified?.identity.groups).to.deep.equal(["test-group-a", "test-group-b", "test-group-c"]);
      });

      it(`allows a user access token (${label}) where TOKEN_USE is access`, async () => {
        const idp = makeVerifier(cognitoEnv({ TOKEN_USE: "access" }), [key]);
        const { reason, verified } = await outcome(
          idp.verifier,
          await signWith(key, cognitoAccessClaims({ iss, jti })),
        );
        expect(reason).to.equal("allowed");
        expect(verified?.identity).to.include({ username: "my-test-user", tokenUse: "access", machine: false });
      });

      it(`allows a machine-to-machine token (${label}), named by its client id`, async () => {
        const idp = makeVerifier(cognitoEnv({ TOKEN_USE: "any" }), [key]);
        const { reason, verified } = await outcome(idp.verifier, await signWith(key, cognitoM2mClaims({ iss, jti })));
        expect(reason).to.equal("allowed");
        expect(verified?.identity).to.include({ principalId: CLIENT_ID, username: CLIENT_ID, machine: true });
        expect(verified?.identity.scopes).to.deep.equal(["solar-system-data/asteroids.add"]);
      });
    }
  }

  it("fetches each issuer format's keys from its own well-known URL", async () => {
    const idp = makeVerifier(cognitoEnv(), [key]);
    expect(
      (await outcome(idp.verifier, await signWith(key, cognitoIdClaims({ iss: UPDATED_ISSUER })))).reason,
    ).to.equal("allowed");
    expect(
      (await outcome(idp.verifier, await signWith(key, cognitoIdClaims({ iss: REGIONAL_ISSUER })))).reason,
    ).to.equal("allowed");
    expect(idp.fetched).to.deep.equal([
      `${UPDATED_ISSUER}/.well-known/jwks.json`,
      `${REGIONAL_ISSUER}/.well-known/jwks.json`,
    ]);
  });

  it("takes every issuer's keys from JWKS_URI when it is set", async () => {
    const idp = makeVerifier(cognitoEnv({ JWKS_URI: "https://keys.example.com/jwks.json" }), [key]);
    await outcome(idp.verifier, await signWith(key, cognitoIdClaims({ iss: UPDATED_ISSUER })));
    await outcome(idp.verifier, await signWith(key, cognitoIdClaims({ iss: REGIONAL_ISSUER })));
    expect(idp.fetched).to.deep.equal(["https://keys.example.com/jwks.json"]);
  });

  const strangers: Array<[string, string]> = [
    ["another pool", REGIONAL_ISSUER.replace(POOL_ID, "us-east-1_other")],
    ["the pool's id under another region", `https://cognito-idp.eu-west-1.amazonaws.com/${POOL_ID}`],
    ["the updated format under another region", `https://issuer-cognito-idp.eu-west-1.amazonaws.com/${POOL_ID}`],
    ["a trailing slash", `${REGIONAL_ISSUER}/`],
    ["another host", `https://cognito-idp.${"us-east-1"}.amazonaws.com.attacker.example/${POOL_ID}`],
    ["plain http", REGIONAL_ISSUER.replace("https:", "http:")],
    ["upper case", REGIONAL_ISSUER.toUpperCase()],
  ];
  for (const [what, iss] of strangers) {
    it(`refuses an iss of ${what} as wrong_issuer, before any key fetch`, async () => {
      const idp = makeVerifier(cognitoEnv(), [key]);
      expect(await outcome(idp.verifier, await signWith(key, cognitoIdClaims({ iss })))).to.include({
        reason: "wrong_issuer",
      });
      expect(idp.fetched).to.deep.equal([]);
    });
  }

  it("refuses a machine-to-machine token where TOKEN_USE is id (the default)", async () => {
    const idp = makeVerifier(cognitoEnv(), [key]);
    expect((await outcome(idp.verifier, await signWith(key, cognitoM2mClaims()))).reason).to.equal("wrong_token_use");
  });

  it("refuses an access token without username whose sub is not its client id", async () => {
    const idp = makeVerifier(cognitoEnv({ TOKEN_USE: "access" }), [key]);
    const { username: _, ...claims } = cognitoAccessClaims();
    expect((await outcome(idp.verifier, await signWith(key, claims))).reason).to.equal("missing_claim");
  });

  it("refuses a machine-to-machine token of another app client", async () => {
    const idp = makeVerifier(cognitoEnv({ TOKEN_USE: "access" }), [key]);
    const claims = { ...cognitoM2mClaims(), sub: "otherclient", client_id: "otherclient" };
    expect((await outcome(idp.verifier, await signWith(key, claims))).reason).to.equal("wrong_audience");
  });

  for (const [tokenUse, make, missing] of [
    ["id", cognitoIdClaims, ["sub", "iss", "exp", "iat", "token_use", "aud", "cognito:username", "auth_time"]],
    ["access", cognitoAccessClaims, ["sub", "exp", "iat", "client_id", "username", "auth_time"]],
  ] as const) {
    for (const name of missing) {
      it(`refuses a ${tokenUse} token without ${name}`, async () => {
        const idp = makeVerifier(cognitoEnv({ TOKEN_USE: "any" }), [key]);
        const claims: Record<string, unknown> = make();
        delete claims[name];
        expect((await outcome(idp.verifier, await signWith(key, claims))).reason).to.not.equal("allowed");
      });
    }
  }

  it("refuses a machine-to-machine token without scope", async () => {
    const idp = makeVerifier(cognitoEnv({ TOKEN_USE: "access" }), [key]);
    const { scope: _, ...claims } = cognitoM2mClaims();
    expect((await outcome(idp.verifier, await signWith(key, claims))).reason).to.equal("missing_claim");
  });

  describe("REQUIRED_SCOPES", () => {
    const env = cognitoEnv({ TOKEN_USE: "any", REQUIRED_SCOPES: "solar-system-data/asteroids.add, chat/send" });

    it("allows an access token carrying one of the scopes", async () => {
      const idp = makeVerifier(env, [key]);
      expect((await outcome(idp.verifier, await signWith(key, cognitoM2mClaims()))).reason).to.equal("allowed");
      expect(
        (await outcome(idp.verifier, await signWith(key, cognitoAccessClaims({ scope: "openid chat/send" })))).reason,
      ).to.equal("allowed");
    });

    it("refuses an access token carrying none of them, and every ID token", async () => {
      const idp = makeVerifier(env, [key]);
      expect((await outcome(idp.verifier, await signWith(key, cognitoAccessClaims()))).reason).to.equal(
        "missing_scope",
      );
      expect(
        (await outcome(idp.verifier, await signWith(key, cognitoM2mClaims({ scope: "chat/sendx" })))).reason,
      ).to.equal("missing_scope");
      expect((await outcome(idp.verifier, await signWith(key, cognitoIdClaims()))).reason).to.equal("missing_scope");
    });
  });
});
