import { expect } from "chai";
import { ConfigError, parseConfig } from "../../../functions/authoriser/config.ts";

const base = { USER_POOL_ID: "eu-west-1_AbC123", CLIENT_ID: "client1" };

function errorFor(env: Record<string, string | undefined>): ConfigError {
  try {
    parseConfig(env);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error("parseConfig accepted a bad configuration");
}

describe("authoriser configuration", () => {
  it("derives the Cognito issuer and JWKS URL from USER_POOL_ID", () => {
    const config = parseConfig(base);
    expect(config.issuer).to.equal("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123");
    expect(config.jwksUri).to.equal(
      "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123/.well-known/jwks.json",
    );
  });

  it("applies the documented defaults", () => {
    const config = parseConfig(base);
    expect(config.tokenUse).to.equal("id");
    expect(config.tokenQueryParam).to.equal("auth");
    expect(config.requiredGroups).to.deep.equal([]);
    expect(config.jwksCacheSeconds).to.equal(3600);
    expect(config.seedJwks).to.equal(undefined);
  });

  it("splits CLIENT_ID and REQUIRED_GROUPS on commas, ignoring blanks and spaces", () => {
    const config = parseConfig({ ...base, CLIENT_ID: " a1 , b2,,", REQUIRED_GROUPS: "admin, ops" });
    expect(config.clientIds).to.deep.equal(["a1", "b2"]);
    expect(config.requiredGroups).to.deep.equal(["admin", "ops"]);
  });

  it("is frozen, so no invocation can change it", () => {
    const config = parseConfig(base);
    expect(Object.isFrozen(config)).to.equal(true);
    expect(Object.isFrozen(config.clientIds)).to.equal(true);
  });

  it("lets JWKS_URI override where keys come from, keeping the Cognito issuer", () => {
    const config = parseConfig({ ...base, JWKS_URI: "https://127.0.0.1:8443/keys.json" });
    expect(config.jwksUri).to.equal("https://127.0.0.1:8443/keys.json");
    expect(config.issuer).to.equal("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123");
  });

  it("accepts a generic OIDC issuer with ISSUER and JWKS_URI, kept exactly as written, defaulting TOKEN_USE to any", () => {
    const config = parseConfig({
      ISSUER: "https://login.example.com/",
      JWKS_URI: "https://login.example.com/jwks",
      CLIENT_ID: "aud1",
    });
    expect(config.userPoolId).to.equal(undefined);
    expect(config.issuer).to.equal("https://login.example.com/");
    expect([...config.issuers.keys()]).to.deep.equal(["https://login.example.com/"]);
    expect(config.tokenUse).to.equal("any");
  });

  it("allows plain http only for loopback key URLs", () => {
    expect(parseConfig({ ...base, JWKS_URI: "http://127.0.0.1:5000/jwks.json" }).jwksUri).to.equal(
      "http://127.0.0.1:5000/jwks.json",
    );
    expect(parseConfig({ ...base, JWKS_URI: "http://localhost:5000/jwks.json" }).jwksUri).to.equal(
      "http://localhost:5000/jwks.json",
    );
    expect(errorFor({ ...base, JWKS_URI: "http://keys.example.com/jwks.json" }).variable).to.equal("JWKS_URI");
    expect(errorFor({ ...base, JWKS_URI: "http://127.0.0.1.example.com/jwks.json" }).variable).to.equal("JWKS_URI");
  });

  it("seeds the key cache from JWKS_JSON", () => {
    const jwks = { keys: [{ kty: "RSA", kid: "k1", n: "AQAB", e: "AQAB" }] };
    expect(parseConfig({ ...base, JWKS_JSON: JSON.stringify(jwks) }).seedJwks).to.deep.equal(jwks);
  });

  const bad: Array<[string, Record<string, string | undefined>]> = [
    ["USER_POOL_ID", { CLIENT_ID: "c" }],
    ["USER_POOL_ID", { ...base, USER_POOL_ID: "not-a-pool" }],
    ["USER_POOL_ID", { ...base, ISSUER: "https://login.example.com", JWKS_URI: "https://login.example.com/jwks" }],
    ["CLIENT_ID", { USER_POOL_ID: base.USER_POOL_ID }],
    ["CLIENT_ID", { ...base, CLIENT_ID: " , " }],
    ["CLIENT_ID", { ...base, CLIENT_ID: "has space" }],
    ["TOKEN_USE", { ...base, TOKEN_USE: "refresh" }],
    ["JWKS_URI", { ...base, JWKS_URI: "not a url" }],
    ["JWKS_URI", { ...base, JWKS_URI: "ftp://example.com/jwks" }],
    ["JWKS_URI", { ...base, JWKS_URI: "https://user:pw@example.com/jwks" }],
    ["JWKS_URI", { ISSUER: "https://login.example.com", CLIENT_ID: "c" }],
    ["ISSUER", { ISSUER: "http://login.example.com", JWKS_URI: "https://login.example.com/jwks", CLIENT_ID: "c" }],
    ["TOKEN_QUERY_PARAM", { ...base, TOKEN_QUERY_PARAM: "a b" }],
    ["REQUIRED_GROUPS", { ...base, REQUIRED_GROUPS: "ok, has space" }],
    ["JWKS_JSON", { ...base, JWKS_JSON: "{not json" }],
    ["JWKS_JSON", { ...base, JWKS_JSON: '{"keys": []}' }],
    ["JWKS_JSON", { ...base, JWKS_JSON: '{"keys": [null]}' }],
    ["JWKS_JSON", { ...base, JWKS_JSON: '{"keys": [1, "k", true]}' }],
    ["JWKS_JSON", { ...base, JWKS_JSON: '{"keys": [[]]}' }],
    ["JWKS_JSON", { ...base, JWKS_JSON: '{"keys": [{}]}' }],
    ["JWKS_JSON", { ...base, JWKS_JSON: '{"keys": [{"kty": 5}]}' }],
    ["JWKS_JSON", { ...base, JWKS_JSON: '{"keys": [{"kty": "RSA", "kid": 7}]}' }],
    ["USERNAME_CLAIM", { ...base, USERNAME_CLAIM: "email" }],
    [
      "USERNAME_CLAIM",
      {
        ISSUER: "https://login.example.com",
        JWKS_URI: "https://login.example.com/jwks",
        CLIENT_ID: "c",
        USERNAME_CLAIM: "a b",
      },
    ],
    ["JWKS_CACHE_SECONDS", { ...base, JWKS_CACHE_SECONDS: "10" }],
    ["JWKS_CACHE_SECONDS", { ...base, JWKS_CACHE_SECONDS: "1h" }],
  ];
  for (const [variable, env] of bad) {
    it(`refuses ${JSON.stringify(env)} with one error naming ${variable}`, () => {
      const error = errorFor(env);
      expect(error.variable).to.equal(variable);
      expect(error.message).to.match(new RegExp(`^${variable}: expected `));
    });
  }

  it("does not echo a long bad value in full", () => {
    const error = errorFor({ ...base, JWKS_JSON: `{${"x".repeat(500)}` });
    expect(error.message.length).to.be.lessThan(250);
  });
});
