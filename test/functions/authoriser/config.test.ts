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

  // What an operator reads when a cold start fails: the variable, what it expected, and what it got.
  const oidc = { ISSUER: "https://login.example.com", JWKS_URI: "https://login.example.com/jwks", CLIENT_ID: "c" };
  const algorithms = "RS256, RS384, RS512, ES256, ES384, ES512, EdDSA";
  const messages: Array<[Record<string, string | undefined>, string]> = [
    [
      { CLIENT_ID: "c" },
      "USER_POOL_ID: expected a Cognito user pool id like eu-west-1_AbC123 (or set ISSUER for another OIDC provider), got nothing (unset)",
    ],
    [
      { ...base, USER_POOL_ID: "1eu-west-1_AbC123" },
      'USER_POOL_ID: expected a Cognito user pool id like eu-west-1_AbC123 (or set ISSUER for another OIDC provider), got "1eu-west-1_AbC123"',
    ],
    [
      { ...base, USER_POOL_ID: "eu-west-1_AbC123!" },
      'USER_POOL_ID: expected a Cognito user pool id like eu-west-1_AbC123 (or set ISSUER for another OIDC provider), got "eu-west-1_AbC123!"',
    ],
    [
      { ...oidc, USER_POOL_ID: "eu-west-1_AbC123" },
      'USER_POOL_ID: expected unset when ISSUER is set (one issuer only), got "eu-west-1_AbC123"',
    ],
    [
      { ...base, CLIENT_ID: "ok,has space" },
      'CLIENT_ID: expected one or more app client ids, comma-separated, got "ok,has space"',
    ],
    [{ ...base, TOKEN_USE: "refresh" }, 'TOKEN_USE: expected one of id, access, any, got "refresh"'],
    [{ ...base, JWKS_URI: "not a url" }, 'JWKS_URI: expected an absolute https:// URL, got "not a url"'],
    [
      { ...base, JWKS_URI: "ftp://example.com/jwks" },
      'JWKS_URI: expected an https:// URL (http:// only for a loopback host), got "ftp://example.com/jwks"',
    ],
    [
      { ...base, JWKS_URI: "https://user@example.com/jwks" },
      'JWKS_URI: expected a URL without credentials, got "<url with credentials>"',
    ],
    [
      { ...base, JWKS_URI: "https://:pw@example.com/jwks" },
      'JWKS_URI: expected a URL without credentials, got "<url with credentials>"',
    ],
    [
      { ISSUER: "https://login.example.com", CLIENT_ID: "c" },
      "JWKS_URI: expected the issuer's JWKS URL (required with ISSUER), got nothing (unset)",
    ],
    [
      { ...base, TOKEN_QUERY_PARAM: "a b" },
      "TOKEN_QUERY_PARAM: expected a query parameter name of letters, digits, '-', '_', '.', '~', got \"a b\"",
    ],
    [
      { ...base, REQUIRED_GROUPS: "ok, has space" },
      'REQUIRED_GROUPS: expected one or more group names, comma-separated, got "ok, has space"',
    ],
    [
      { ...base, TOKEN_USE: "access", REQUIRED_SCOPES: "chat/send,chat send" },
      'REQUIRED_SCOPES: expected one or more OAuth scopes, comma-separated, got "chat/send,chat send"',
    ],
    [
      { ...base, REQUIRED_SCOPES: "chat/send" },
      'REQUIRED_SCOPES: expected unset when TOKEN_USE is id (only access tokens carry scopes), got "chat/send"',
    ],
    [
      { ...base, GROUPS_CLAIM: "has space" },
      'GROUPS_CLAIM: expected a claim name or dotted path such as realm_access.roles, got "has space"',
    ],
    [
      { ...base, USERNAME_CLAIM: "email" },
      'USERNAME_CLAIM: expected unset with USER_POOL_ID (Cognito names the user itself), got "email"',
    ],
    [
      { ...oidc, USERNAME_CLAIM: "a b" },
      'USERNAME_CLAIM: expected a claim name or dotted path such as preferred_username, got "a b"',
    ],
    [
      { ...base, ALLOWED_ALGORITHMS: "RS256,rs 256" },
      `ALLOWED_ALGORITHMS: expected one or more of ${algorithms}, got "RS256,rs 256"`,
    ],
    [
      { ...base, ALLOWED_ALGORITHMS: "RS256,-RS256" },
      `ALLOWED_ALGORITHMS: expected one or more of ${algorithms}, got "RS256,-RS256"`,
    ],
    [
      { ...base, ALLOWED_ALGORITHMS: "HS256" },
      `ALLOWED_ALGORITHMS: expected one or more of ${algorithms}, got "HS256"`,
    ],
    [{ ...base, JWKS_CACHE_SECONDS: "59" }, 'JWKS_CACHE_SECONDS: expected whole seconds from 60 to 86400, got "59"'],
    [
      { ...base, JWKS_CACHE_SECONDS: "86401" },
      'JWKS_CACHE_SECONDS: expected whole seconds from 60 to 86400, got "86401"',
    ],
    [
      { ...base, JWKS_CACHE_SECONDS: "x600" },
      'JWKS_CACHE_SECONDS: expected whole seconds from 60 to 86400, got "x600"',
    ],
    [{ ...base, JWKS_JSON: "{not json" }, 'JWKS_JSON: expected a JSON Web Key Set ({"keys": [...]}), got "{not json"'],
    [
      { ...base, JWKS_JSON: '{"keys": []}' },
      'JWKS_JSON: expected a JSON Web Key Set with a non-empty "keys" array, got "{\\"keys\\": []}"',
    ],
    [
      { ...base, JWKS_JSON: '{"keys": [null]}' },
      'JWKS_JSON: expected a JSON Web Key Set whose keys are JWK objects, got "{\\"keys\\": [null]}"',
    ],
  ];
  for (const [env, message] of messages) {
    it(`says what it expected for ${JSON.stringify(env)}`, () => {
      expect(errorFor(env).message).to.equal(message);
    });
  }

  it("keeps the key-set parser's complaint as the cause of a bad JWKS_JSON key", () => {
    const error = errorFor({ ...base, JWKS_JSON: '{"keys": [{"kty": 5}]}' });
    expect(error.cause).to.be.instanceOf(Error).and.not.be.instanceOf(ConfigError);
  });

  it("accepts JWKS_CACHE_SECONDS at both ends of its range, and trims every value", () => {
    expect(parseConfig({ ...base, JWKS_CACHE_SECONDS: "60" }).jwksCacheSeconds).to.equal(60);
    expect(parseConfig({ ...base, JWKS_CACHE_SECONDS: "86400" }).jwksCacheSeconds).to.equal(86_400);
    expect(parseConfig({ ...base, JWKS_CACHE_SECONDS: " 120 " }).jwksCacheSeconds).to.equal(120);
    expect(parseConfig({ ...base, TOKEN_USE: " access " }).tokenUse).to.equal("access");
  });

  it('treats an empty variable as unset (Terraform passes "" for an unset optional)', () => {
    expect(parseConfig({ ...oidc, USER_POOL_ID: "", TOKEN_USE: "" }).tokenUse).to.equal("any");
  });

  it("takes http:// only for a whole loopback host name", () => {
    for (const host of ["127.0.0.1", "127.255.255.254", "[::1]", "localhost"]) {
      expect(parseConfig({ ...base, JWKS_URI: `http://${host}:5000/k` }).jwksUri, host).to.equal(
        `http://${host}:5000/k`,
      );
    }
    expect(errorFor({ ...base, JWKS_URI: "ftp://127.0.0.1:5000/k" }).variable, "ftp to loopback").to.equal("JWKS_URI");
    for (const host of [
      "127.0.0.1000",
      "127.1000.0.1",
      "127.0.1000.1",
      "x127.0.0.1",
      "evil.localhost",
      "1.127.0.0.1",
    ]) {
      expect(errorFor({ ...base, JWKS_URI: `http://${host}:5000/k` }).variable, host).to.equal("JWKS_URI");
    }
  });

  it("reads every client id, group and scope in a list, not just the first", () => {
    expect(errorFor({ ...base, CLIENT_ID: "ok,has space" }).variable).to.equal("CLIENT_ID");
    expect(errorFor({ ...base, TOKEN_USE: "access", REQUIRED_SCOPES: 'a,b"c' }).variable).to.equal("REQUIRED_SCOPES");
    expect(errorFor({ ...base, TOKEN_USE: "access", REQUIRED_SCOPES: "a b" }).variable).to.equal("REQUIRED_SCOPES");
    const config = parseConfig({ ...base, TOKEN_USE: "access", REQUIRED_SCOPES: "chat/send, https://x/y.read" });
    expect(config.requiredScopes).to.deep.equal(["chat/send", "https://x/y.read"]);
  });

  it("does not echo a long bad value in full", () => {
    const error = errorFor({ ...base, JWKS_JSON: `{${"x".repeat(500)}` });
    expect(error.message.length).to.be.lessThan(250);
  });
});
