import { expect } from "chai";
import { generateKeyPairSync } from "node:crypto";
import fc from "fast-check";
import { parseConfig } from "../../../functions/authoriser/config.ts";
import { ConfigError } from "../../../functions/authoriser/errors.ts";
import { RefreshingJwksCache } from "../../../functions/authoriser/jwks.ts";
import { createTokenVerifier } from "../../../functions/authoriser/verifier.ts";
import { cognitoEnv, makeIdpKey } from "./support/idp.ts";

function configErrorOf(start: () => unknown): ConfigError {
  try {
    start();
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error("start-up did not fail");
}

/** Config parse plus the verifier's construction: what the authoriser's init runs. */
function start(env: Record<string, string>): void {
  const config = parseConfig(env);
  createTokenVerifier(
    config,
    new RefreshingJwksCache({
      fetcher: { fetch: () => Promise.reject(new Error("no fetch at init")) },
      maxAgeMs: 60_000,
    }),
  );
}

describe("authoriser start-up failures that name their variable", () => {
  for (const name of ["REQUIRED_GROUPS", "REQUIRED_SCOPES"]) {
    for (const value of [" ", ",,", " , ,"]) {
      it(`fails when ${name} is ${JSON.stringify(value)} (empty after trimming), instead of switching its check off`, () => {
        const env = cognitoEnv({ TOKEN_USE: "access", [name]: value });
        expect(configErrorOf(() => start(env)).variable).to.equal(name);
      });
    }
    it(`leaves the check off when ${name} is unset or ""`, () => {
      expect(
        parseConfig(cognitoEnv({ TOKEN_USE: "access", [name]: "" }))[
          name === "REQUIRED_GROUPS" ? "requiredGroups" : "requiredScopes"
        ],
      ).to.deep.equal([]);
    });
  }

  it("fails when REQUIRED_SCOPES is set but TOKEN_USE admits only ID tokens", () => {
    expect(configErrorOf(() => start(cognitoEnv({ REQUIRED_SCOPES: "chat/send" }))).variable).to.equal(
      "REQUIRED_SCOPES",
    );
  });

  it("fails when ALLOWED_ALGORITHMS names an algorithm aws-jwt-verify does not support", () => {
    for (const value of ["HS256", "none", "RS256,PS256", ","]) {
      expect(configErrorOf(() => start(cognitoEnv({ ALLOWED_ALGORITHMS: value }))).variable, value).to.equal(
        "ALLOWED_ALGORITHMS",
      );
    }
  });

  it("fails when GROUPS_CLAIM holds a space", () => {
    expect(configErrorOf(() => start(cognitoEnv({ GROUPS_CLAIM: "realm access" }))).variable).to.equal("GROUPS_CLAIM");
  });

  describe("JWKS_JSON without one usable key", () => {
    const cases: Array<[string, () => Promise<unknown[]>, Record<string, string>?]> = [
      ["an encryption key only", async () => [{ ...(await makeIdpKey()).publicJwk, use: "enc" }]],
      ["a key without kid", async () => [{ ...(await makeIdpKey()).publicJwk, kid: undefined }]],
      ["a symmetric key", async () => [{ kty: "oct", kid: "k", k: "c2VjcmV0" }]],
      ["an RSA key with a broken modulus", async () => [{ ...(await makeIdpKey()).publicJwk, n: "AQAB!" }]],
      [
        "a 1024-bit RSA key (RFC 7518 3.3 asks for 2048 or more)",
        async () => {
          const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
          return [{ ...publicKey.export({ format: "jwk" }), kid: "small", use: "sig" }];
        },
      ],
      ["an EC key where only RS256 is allowed", async () => [(await makeIdpKey("ES256")).publicJwk]],
      [
        "an RSA key where only ES256 is allowed",
        async () => [(await makeIdpKey()).publicJwk],
        { ALLOWED_ALGORITHMS: "ES256" },
      ],
    ];
    for (const [what, keys, extra] of cases) {
      it(`fails on ${what}`, async () => {
        const env = cognitoEnv({ JWKS_JSON: JSON.stringify({ keys: await keys() }), ...extra });
        const error = configErrorOf(() => start(env));
        expect(error.variable).to.equal("JWKS_JSON");
        expect(error.message).to.match(/^JWKS_JSON: expected /);
      });
    }

    it("starts when the one key fits one of several ALLOWED_ALGORITHMS", async () => {
      const rsa = (await makeIdpKey()).publicJwk;
      expect(() =>
        start(cognitoEnv({ JWKS_JSON: JSON.stringify({ keys: [rsa] }), ALLOWED_ALGORITHMS: "ES256,RS256" })),
      ).to.not.throw();
    });

    it("starts with one usable key beside unusable ones", async () => {
      const good = (await makeIdpKey()).publicJwk;
      expect(() =>
        start(cognitoEnv({ JWKS_JSON: JSON.stringify({ keys: [{ kty: "oct", kid: "k", k: "c2VjcmV0" }, good] }) })),
      ).to.not.throw();
    });
  });

  describe("over generated JWKS_JSON and environment values (property)", () => {
    const VARIABLES = [
      "USER_POOL_ID",
      "ISSUER",
      "JWKS_URI",
      "CLIENT_ID",
      "TOKEN_USE",
      "REQUIRED_SCOPES",
      "GROUPS_CLAIM",
      "USERNAME_CLAIM",
      "ALLOWED_ALGORITHMS",
      "JWKS_JSON",
      "JWKS_CACHE_SECONDS",
    ];
    let realKeys: Record<string, unknown>[] = [];
    before(async () => {
      realKeys = await Promise.all(
        ["RS256", "ES256", "ES384", "EdDSA"].map(async (alg) => (await makeIdpKey(alg)).publicJwk as never),
      );
    });

    /** A real key with fields dropped or replaced by any JSON value, or any JSON value where a key should be. */
    const jwk = () =>
      fc.oneof(
        fc.jsonValue(),
        fc
          .tuple(
            fc.nat({ max: 3 }),
            fc.dictionary(
              fc.constantFrom("kty", "kid", "alg", "use", "crv", "n", "e", "x", "y", "__proto__"),
              fc.jsonValue(),
            ),
            fc.subarray(["kty", "kid", "alg", "use", "crv", "n", "e", "x", "y"]),
          )
          .map(([index, replaced, dropped]) => {
            const key: Record<string, unknown> = { ...realKeys[index], ...replaced };
            for (const name of dropped) delete key[name];
            return key;
          }),
        { weight: 3, arbitrary: fc.nat({ max: 3 }).map((index) => realKeys[index]) },
      );
    const jwksJson = () =>
      fc.oneof(
        { weight: 4, arbitrary: fc.array(jwk(), { maxLength: 4 }).map((keys) => JSON.stringify({ keys })) },
        fc.jsonValue().map((value) => JSON.stringify(value)),
        fc.string({ maxLength: 30 }),
      );
    const value = fc.oneof(
      { weight: 12, arbitrary: fc.constant(undefined) },
      fc.string({ maxLength: 30 }),
      fc.constantFrom(
        "id",
        "access",
        "any",
        "RS256,ES256",
        "EdDSA",
        "ES384",
        "sub",
        "realm_access.roles",
        "60",
        "scope/a",
      ),
    );

    it("either starts or throws one ConfigError naming a variable, never anything else (1,000 cases)", () => {
      let started = 0;
      fc.assert(
        fc.property(
          fc.boolean(),
          fc.record(Object.fromEntries(VARIABLES.map((name) => [name, value])) as Record<string, typeof value>),
          jwksJson(),
          (oidc, replaced, jwksJsonValue) => {
            const env: Record<string, string> = oidc
              ? { ISSUER: "https://login.example.com", JWKS_URI: "https://login.example.com/keys", CLIENT_ID: "c" }
              : cognitoEnv();
            for (const [name, raw] of Object.entries(replaced))
              if (raw !== undefined && name !== "JWKS_JSON") env[name] = raw;
            env.JWKS_JSON = jwksJsonValue;
            try {
              start(env);
              started += 1;
            } catch (err) {
              expect(err, String(err)).to.be.instanceOf(ConfigError);
              expect([...VARIABLES, "TOKEN_QUERY_PARAM"]).to.include((err as ConfigError).variable);
            }
          },
        ),
        { numRuns: 1_000 },
      );
      expect(started, "some generated environments started").to.be.greaterThan(0);
    });
  });
});
