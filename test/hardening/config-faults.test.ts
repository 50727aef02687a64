import { expect } from "chai";
import fc from "fast-check";
import { ConfigError, parseConfig } from "../../functions/authoriser/config.ts";
import { LocalIssuer } from "../../local/issuer/issuer.ts";
import type { InvokeResult } from "../../local/lambda/host.ts";
import { makeConnectEvent } from "../../local/gateway/sample-events.ts";
import { JwksServer } from "../support/jwks-server.ts";
import { ledger } from "./support/ledger.ts";
import { startAuthoriserZip } from "./support/lambda.ts";

const VARIABLES = [
  "USER_POOL_ID",
  "ISSUER",
  "JWKS_URI",
  "CLIENT_ID",
  "TOKEN_USE",
  "TOKEN_QUERY_PARAM",
  "REQUIRED_GROUPS",
  "REQUIRED_SCOPES",
  "GROUPS_CLAIM",
  "USERNAME_CLAIM",
  "ALLOWED_ALGORITHMS",
  "JWKS_JSON",
  "JWKS_CACHE_SECONDS",
];
const LOOPBACK = /^(?:localhost|\[::1\]|127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;
const SEED = Number(process.env.HARDENING_SEED ?? Date.now() % 2_147_483_647);

describe("hardening: configuration faults", function () {
  this.timeout(60_000);

  describe("through the built zip: each missing or malformed variable fails init with one error naming it", () => {
    const issuer = new LocalIssuer();
    const jwks = new JwksServer(issuer);
    let base: Record<string, string>;
    // JWKS_URI here is loopback http, which config allows; none of these may get as far as fetching it.
    const faults: Array<[string, (env: Record<string, string>) => Record<string, string>]> = [
      ["USER_POOL_ID", ({ USER_POOL_ID, ...env }) => env],
      ["USER_POOL_ID", (env) => ({ ...env, USER_POOL_ID: "eu-west-1-NoUnderscore" })],
      ["USER_POOL_ID", (env) => ({ ...env, USER_POOL_ID: "eu-west-1_Pool/../x" })],
      ["USER_POOL_ID", (env) => ({ ...env, ISSUER: "https://login.example.com" })],
      ["CLIENT_ID", ({ CLIENT_ID, ...env }) => env],
      ["CLIENT_ID", (env) => ({ ...env, CLIENT_ID: " , ," })],
      ["CLIENT_ID", (env) => ({ ...env, CLIENT_ID: "ok,has space" })],
      ["TOKEN_USE", (env) => ({ ...env, TOKEN_USE: "refresh" })],
      ["TOKEN_QUERY_PARAM", (env) => ({ ...env, TOKEN_QUERY_PARAM: "auth&admin=1" })],
      ["REQUIRED_GROUPS", (env) => ({ ...env, REQUIRED_GROUPS: "admins,has space" })],
      ["REQUIRED_GROUPS", (env) => ({ ...env, REQUIRED_GROUPS: " " })],
      ["REQUIRED_GROUPS", (env) => ({ ...env, REQUIRED_GROUPS: ",," })],
      ["REQUIRED_SCOPES", (env) => ({ ...env, TOKEN_USE: "access", REQUIRED_SCOPES: " , " })],
      ["GROUPS_CLAIM", (env) => ({ ...env, GROUPS_CLAIM: "realm access" })],
      ["USERNAME_CLAIM", (env) => ({ ...env, USERNAME_CLAIM: "email" })],
      ["JWKS_JSON", (env) => ({ ...env, JWKS_JSON: '{"keys":[null]}' })],
      ["ALLOWED_ALGORITHMS", (env) => ({ ...env, ALLOWED_ALGORITHMS: "HS256" })],
      [
        "JWKS_JSON",
        (env) => ({
          ...env,
          JWKS_JSON: JSON.stringify({ keys: issuer.jwks().keys.map((key) => ({ ...key, use: "enc" })) }),
        }),
      ],
      ["JWKS_JSON", (env) => ({ ...env, JWKS_JSON: JSON.stringify(issuer.jwks()), ALLOWED_ALGORITHMS: "ES256" })],
      ["JWKS_JSON", (env) => ({ ...env, JWKS_JSON: "{not json" })],
      ["JWKS_JSON", (env) => ({ ...env, JWKS_JSON: '{"keys":[]}' })],
      ["JWKS_CACHE_SECONDS", (env) => ({ ...env, JWKS_CACHE_SECONDS: "59" })],
      ["JWKS_CACHE_SECONDS", (env) => ({ ...env, JWKS_CACHE_SECONDS: "86401" })],
      ["JWKS_CACHE_SECONDS", (env) => ({ ...env, JWKS_CACHE_SECONDS: "1h" })],
      ["JWKS_URI", (env) => ({ ...env, JWKS_URI: "not a url" })],
      ["JWKS_URI", (env) => ({ ...env, JWKS_URI: "ftp://127.0.0.1/jwks.json" })],
      ["JWKS_URI", (env) => ({ ...env, JWKS_URI: "http://keys.example.invalid/jwks.json" })],
      ["JWKS_URI", (env) => ({ ...env, JWKS_URI: "http://127.0.0.1.example.invalid/jwks.json" })],
      ["JWKS_URI", (env) => ({ ...env, JWKS_URI: "http://localhost.example.invalid/jwks.json" })],
      ["JWKS_URI", (env) => ({ ...env, JWKS_URI: env.JWKS_URI?.replace("http://", "http://user:pw@") ?? "" })],
      ["JWKS_URI", ({ USER_POOL_ID, JWKS_URI, ...env }) => ({ ...env, ISSUER: "https://login.example.com" })],
      ["ISSUER", ({ USER_POOL_ID, ...env }) => ({ ...env, ISSUER: "http://login.example.invalid" })],
    ];
    const results: Array<{ variable: string; result: InvokeResult }> = [];

    before(async function () {
      this.timeout(60_000);
      await jwks.listen();
      base = { USER_POOL_ID: issuer.userPoolId, CLIENT_ID: issuer.clientId, JWKS_URI: jwks.url };
      // Five containers at a time: each is a Node start-up on a shared 2-core machine.
      for (let start = 0; start < faults.length; start += 5) {
        const batch = faults.slice(start, start + 5).map(async ([variable, change]) => {
          const host = startAuthoriserZip(change(base));
          const result = await host.invoke(
            makeConnectEvent({ query: { auth: ledger.secret(issuer.mint({ username: "alice" })) } }),
          );
          await host.stop();
          return { variable, result };
        });
        results.push(...(await Promise.all(batch)));
      }
      ledger.tally.faultsInjected += faults.length;
    });
    after(() => jwks.close());

    it(`ran ${faults.length} faults, each a failed init naming the variable first`, () => {
      expect(results).to.have.length(faults.length);
      for (const { variable, result } of results) {
        expect(result.ok).to.equal(false);
        const { errorType, errorMessage } = result as { errorType: string; errorMessage: string };
        expect(errorType, errorMessage).to.equal("Runtime.InitError");
        expect(errorMessage).to.match(new RegExp(`^authoriser init failed: ConfigError: ${variable}: expected `));
        expect(errorMessage.split("\n"), "one line").to.have.length(1);
        expect(errorMessage.length, "a short message, whatever the value").to.be.below(300);
      }
    });

    it("made no JWKS fetch for a configuration it refused", () => {
      expect(jwks.requests).to.equal(0);
    });

    it("allows a valid token with the unmodified configuration (the faults were the only difference)", async () => {
      const host = startAuthoriserZip(base);
      const result = await host.invoke(
        makeConnectEvent({ query: { auth: ledger.secret(issuer.mint({ username: "alice" })) } }),
      );
      await host.stop();
      expect(result.ok, JSON.stringify(result)).to.equal(true);
    });
  });

  describe("in process, over generated environments (property)", () => {
    const value = fc.oneof(
      fc.constant(undefined),
      fc.string({ maxLength: 40 }),
      fc.constantFrom(
        "eu-west-1_Abc123",
        "us-gov-west-1_X",
        "client-1",
        "client-1,client-2",
        "id",
        "access",
        "any",
        "60",
        "86400",
        "0",
        "-1",
        "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc123/.well-known/jwks.json",
        "http://127.0.0.1:8080/jwks.json",
        "http://localhost/jwks.json",
        "http://[::1]:1/jwks.json",
        "http://127.0.0.1.example.com/jwks.json",
        "http://[::ffff:127.0.0.1]/jwks.json",
        "http://0.0.0.0/jwks.json",
        "http://2130706433/jwks.json",
        "http://0x7f000001/jwks.json",
        "HTTP://127.0.0.1/jwks.json",
        "https://user:pw@example.com/jwks.json",
        "file:///etc/passwd",
        "javascript:alert(1)",
        '{"keys":[{"kty":"RSA"}]}',
        "admins,ops",
      ),
      fc.webUrl().map((url) => url.replace(/^https:/, "http:")),
    );
    // Mostly a valid environment with a few variables replaced, so that both outcomes are well explored.
    const valid: Record<string, string | undefined> = { USER_POOL_ID: "eu-west-1_Abc123", CLIENT_ID: "client-1" };
    const env = fc.record(
      Object.fromEntries(
        VARIABLES.map((name) => [
          name,
          fc.oneof({ weight: 4, arbitrary: fc.constant(valid[name]) }, { weight: 1, arbitrary: value }),
        ]),
      ) as Record<string, typeof value>,
    );

    it("either gives a frozen configuration whose key URLs are https or loopback http, or throws one ConfigError naming a variable (5,000 cases)", () => {
      let accepted = 0;
      fc.assert(
        fc.property(env, (candidate) => {
          ledger.tally.casesTried += 1;
          try {
            const config = parseConfig(candidate);
            accepted += 1;
            expect(Object.isFrozen(config)).to.equal(true);
            for (const url of [config.jwksUri, config.issuer]) {
              const parsed = new URL(url);
              expect(
                parsed.protocol === "https:" || (parsed.protocol === "http:" && LOOPBACK.test(parsed.hostname)),
                url,
              ).to.equal(true);
              expect(parsed.username + parsed.password, url).to.equal("");
            }
            expect(config.jwksCacheSeconds).to.be.within(60, 86_400);
            expect(config.clientIds.length).to.be.greaterThan(0);
          } catch (err) {
            if (!(err instanceof ConfigError)) throw err;
            expect(VARIABLES).to.include(err.variable);
            expect(err.message.startsWith(`${err.variable}: expected `)).to.equal(true);
          }
        }),
        { numRuns: 5_000, seed: SEED },
      );
      expect(accepted, "some generated environments were valid").to.be.greaterThan(0);
    });
  });
});
