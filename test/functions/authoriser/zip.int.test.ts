import { expect } from "chai";
import { createHmac, randomBytes } from "node:crypto";
import { LocalIssuer, makeSigningKey, signJwt, type SigningKey } from "../../../local/issuer/issuer.ts";
import { LambdaHost, type InvokeResult } from "../../../local/lambda/host.ts";
import { makeLoopbackCertificate, type TestCertificate } from "../../support/certs.ts";
import { distZip } from "../../support/dist.ts";
import { makeConnectEvent, METHOD_ARN } from "../../../local/gateway/sample-events.ts";
import { JwksServer } from "../../support/jwks-server.ts";
import { LogCollector } from "../../support/logs.ts";

const b64 = (value: unknown): string =>
  Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

describe("built authoriser zip, as Lambda runs it, against a JWKS over HTTPS on loopback", function () {
  this.timeout(60_000);
  let cert: TestCertificate;
  let issuer: LocalIssuer;
  let jwks: JwksServer;
  let logs: LogCollector;
  const hosts: LambdaHost[] = [];
  const tokens: string[] = [];

  function startAuthoriser(env: Record<string, string> = {}): LambdaHost {
    const host = new LambdaHost({
      name: "authoriser",
      zipPath: distZip("authoriser"),
      env: { USER_POOL_ID: issuer.userPoolId, CLIENT_ID: issuer.clientId, JWKS_URI: jwks.url, ...env },
      platformEnv: { NODE_EXTRA_CA_CERTS: cert.certPath },
      onLog: logs.collect,
      timeoutMs: 15_000,
    });
    hosts.push(host);
    return host;
  }

  const remember = (token: string): string => {
    tokens.push(token);
    return token;
  };
  const connect = (host: LambdaHost, token: string): Promise<InvokeResult> =>
    host.invoke(makeConnectEvent({ query: { auth: remember(token) } }));

  before(async () => {
    cert = makeLoopbackCertificate();
    issuer = new LocalIssuer({ keys: [makeSigningKey("key-one"), makeSigningKey("key-two")] });
    jwks = new JwksServer(issuer);
    await jwks.listen(cert);
    logs = new LogCollector();
  });

  after(async () => {
    await Promise.all(hosts.map((host) => host.stop()));
    await jwks.close();
  });

  describe("with the keys available", () => {
    let host: LambdaHost;
    before(async () => {
      jwks.behaviour = "keys";
      jwks.requests = 0;
      host = startAuthoriser();
      await host.warm();
    });

    it("fetches the JWKS during init, before any connection", () => {
      expect(jwks.requests).to.equal(1);
    });

    it("allows valid tokens signed by either key of the set", async () => {
      for (const key of issuer.keys) {
        const result = await connect(host, issuer.mint({ username: "alice", groups: ["admin"], key }));
        expect(result.ok, JSON.stringify(result)).to.equal(true);
        const value = (
          result as {
            value: { principalId: string; policyDocument: { Statement: unknown[] }; context: Record<string, unknown> };
          }
        ).value;
        expect(value.principalId).to.equal(issuer.subFor("alice"));
        expect(value.policyDocument.Statement).to.deep.equal([
          { Action: "execute-api:Invoke", Effect: "Allow", Resource: METHOD_ARN },
        ]);
        expect(value.context).to.include({ username: "alice", groups: '["admin"]', token_use: "id" });
      }
      expect(jwks.requests).to.equal(1);
    });

    it("allows the token from Authorization: Bearer and from the bearer subprotocol", async () => {
      const token = remember(issuer.mint({ username: "bob" }));
      const headerSets: Record<string, string>[] = [
        { Authorization: `Bearer ${token}` },
        { "Sec-WebSocket-Protocol": `bearer, ${token}` },
      ];
      for (const headers of headerSets) {
        const result = await host.invoke(makeConnectEvent({ headers }));
        expect(result.ok, JSON.stringify(headers)).to.equal(true);
      }
    });

    const now = () => Math.floor(Date.now() / 1000);
    const first = (): SigningKey => issuer.keys[0] as SigningKey;
    const claims = (extra: Record<string, unknown> = {}) => ({
      ...issuer.claimsFor({ username: "mallory" }),
      ...extra,
    });
    const badTokens: Array<[string, () => string]> = [
      [
        "a forged signature of random bytes",
        () =>
          `${issuer.mint({ username: "m" }).split(".").slice(0, 2).join(".")}.${randomBytes(256).toString("base64url")}`,
      ],
      ["alg none with a signature", () => signJwt({ alg: "none", kid: first().kid }, claims(), first().privateKey)],
      ["alg none without a signature", () => `${b64({ alg: "none", kid: first().kid })}.${b64(claims())}.`],
      [
        "HS256 keyed with the public key (algorithm confusion)",
        () => {
          const input = `${b64({ alg: "HS256", kid: first().kid })}.${b64(claims())}`;
          const pem = JSON.stringify(first().publicJwk);
          return `${input}.${createHmac("sha256", pem).update(input).digest("base64url")}`;
        },
      ],
      [
        "alg RS512 header on an RS256 key",
        () => signJwt({ alg: "RS512", kid: first().kid }, claims(), first().privateKey),
      ],
      ["alg ES256 header", () => signJwt({ alg: "ES256", kid: first().kid }, claims(), first().privateKey)],
      [
        "a key not in the set under a known kid",
        () => issuer.mint({ username: "m", key: makeSigningKey(first().kid) }),
      ],
      ["an unknown kid", () => issuer.mint({ username: "m", key: makeSigningKey("unknown-kid") })],
      ["no kid", () => signJwt({ alg: "RS256" }, claims(), first().privateKey)],
      ["an expired token", () => issuer.mint({ username: "m", expiresIn: -1 })],
      ["a token valid only in the future (nbf)", () => issuer.mint({ username: "m", claims: { nbf: now() + 3600 } })],
      [
        "another pool's issuer",
        () =>
          issuer.mint({
            username: "m",
            claims: { iss: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Stranger" },
          }),
      ],
      [
        "an issuer over http",
        () => issuer.mint({ username: "m", claims: { iss: issuer.issuer.replace("https:", "http:") } }),
      ],
      ["another client's audience", () => issuer.mint({ username: "m", clientId: "not-our-client" })],
      ["an access token where ID tokens are required", () => issuer.mint({ username: "m", tokenUse: "access" })],
      ["a refresh-like token_use", () => issuer.mint({ username: "m", claims: { token_use: "refresh" } })],
      [
        "a payload tampered after signing",
        () => {
          const [header, , signature] = issuer.mint({ username: "m" }).split(".");
          return `${header}.${b64(claims({ "cognito:username": "admin", "cognito:groups": ["admin"] }))}.${signature}`;
        },
      ],
      [
        "a header tampered after signing (kid switched)",
        () => {
          const [, payload, signature] = issuer.mint({ username: "m", key: first() }).split(".");
          return `${b64({ alg: "RS256", kid: (issuer.keys[1] as SigningKey).kid })}.${payload}.${signature}`;
        },
      ],
      ["a truncated signature", () => issuer.mint({ username: "m" }).slice(0, -10)],
      [
        "a signature taken from another token",
        () => {
          const signature = issuer.mint({ username: "other" }).split(".")[2];
          return `${issuer.mint({ username: "m" }).split(".").slice(0, 2).join(".")}.${signature}`;
        },
      ],
      ["junk", () => "junk"],
      ["a header that is not JSON", () => `${b64("not json")}.${b64(claims())}.${b64("sig")}`],
      [
        "a signed payload that is not JSON",
        () => {
          const input = `${b64({ alg: "RS256", kid: first().kid })}.${b64("{not json")}`;
          return `${input}.${signJwt({}, {}, first().privateKey).split(".")[2]}`;
        },
      ],
      ["a token without sub", () => issuer.mint({ username: "m", claims: { sub: undefined } })],
      ["a token without iat", () => issuer.mint({ username: "m", claims: { iat: undefined } })],
      ["a token without token_use", () => issuer.mint({ username: "m", claims: { token_use: undefined } })],
      ["exp as a string", () => issuer.mint({ username: "m", claims: { exp: String(now() + 3600) } })],
      [
        "a header with crit",
        () => signJwt({ alg: "RS256", kid: first().kid, crit: ["b64"], b64: false }, claims(), first().privateKey),
      ],
      ["a 20 KB token", () => issuer.mint({ username: "m", claims: { pad: "x".repeat(20_000) } })],
    ];

    /** Each kind of bad token the authoriser refused, with the token it was sent. */
    const refused = new Map<string, string>();
    for (const [what, make] of badTokens) {
      it(`refuses ${what} with Unauthorized`, async () => {
        const token = make();
        const result = await connect(host, token);
        expect(result).to.deep.equal({ ok: false, errorType: "Error", errorMessage: "Unauthorized" });
        refused.set(what, token);
      });
    }

    it(`tried ${badTokens.length} kinds of bad token, at least twenty, each a different token that was refused`, () => {
      expect(refused.size, "kinds sent and refused").to.equal(badTokens.length);
      expect(new Set(refused.values()).size, "different tokens").to.equal(badTokens.length);
      expect(refused.size).to.be.at.least(20);
    });

    it("refuses a request without any token with Unauthorized", async () => {
      expect(await host.invoke(makeConnectEvent())).to.deep.equal({
        ok: false,
        errorType: "Error",
        errorMessage: "Unauthorized",
      });
    });

    it("made no fetch for unknown kids beyond one per back-off period", () => {
      expect(jwks.requests).to.be.at.most(2);
    });
  });

  describe("through a JWKS outage", () => {
    it("starts despite the outage, refuses while it lasts, and recovers with one fetch once the back-off ends", async function () {
      this.timeout(40_000);
      jwks.behaviour = "status500";
      jwks.requests = 0;
      const host = startAuthoriser();
      await host.warm();
      expect(jwks.requests, "the init prefetch").to.equal(1);
      expect(logs.parsed().some((line) => line.message === "JWKS prefetch failed; will fetch on first use")).to.equal(
        true,
      );

      const during = await connect(host, issuer.mint({ username: "a" }));
      expect(during).to.deep.equal({ ok: false, errorType: "Error", errorMessage: "Unauthorized" });

      jwks.behaviour = "keys";
      await new Promise((resolve) => setTimeout(resolve, 10_500));
      const before = jwks.requests;
      const results: InvokeResult[] = [];
      // One after another, as one container serves them: the first fetches, the rest use the cached keys.
      for (let i = 0; i < 20; i += 1) results.push(await connect(host, issuer.mint({ username: `user${i}` })));
      expect(results.every((result) => result.ok)).to.equal(true);
      expect(jwks.requests - before, "one fetch for 20 invocations of the recovered container").to.equal(1);
      expect(host.coldStarts).to.equal(1);
    });
  });

  describe("on a cold start", () => {
    it("fetches the keys once per container at init: each concurrent first invocation has its own container and fetch", async () => {
      jwks.behaviour = "keys";
      jwks.requests = 0;
      const host = startAuthoriser();
      const results = await Promise.all(Array.from({ length: 3 }, () => connect(host, issuer.mint({ username: "c" }))));
      expect(results.every((result) => result.ok)).to.equal(true);
      expect({ containers: host.coldStarts, fetches: jwks.requests }).to.deep.equal({ containers: 3, fetches: 3 });
    });

    it("serves later invocations from the warm containers with no fetch", async () => {
      jwks.behaviour = "keys";
      const host = startAuthoriser();
      await host.warm();
      jwks.requests = 0;
      for (let i = 0; i < 3; i += 1)
        expect((await connect(host, issuer.mint({ username: `w${i}` }))).ok).to.equal(true);
      expect({ containers: host.coldStarts, fetches: jwks.requests }).to.deep.equal({ containers: 1, fetches: 0 });
    });

    it("makes no network call at all when JWKS_JSON seeds the keys", async () => {
      jwks.requests = 0;
      const host = startAuthoriser({ JWKS_JSON: JSON.stringify(issuer.jwks()) });
      expect((await connect(host, issuer.mint({ username: "s" }))).ok).to.equal(true);
      expect(jwks.requests).to.equal(0);
    });

    it("fails init with one error naming a bad variable", async () => {
      const host = startAuthoriser({ TOKEN_USE: "refresh" });
      const result = await host.invoke(makeConnectEvent());
      expect(result.ok).to.equal(false);
      expect((result as { errorMessage: string }).errorMessage).to.match(/TOKEN_USE: expected one of id, access, any/);
    });
  });

  describe("its logs", () => {
    it("are one JSON object per line", () => {
      expect(logs.lines.length).to.be.greaterThan(20);
      const notObjects = logs.lines.filter((line) => {
        try {
          const value: unknown = JSON.parse(line);
          return typeof value !== "object" || value === null || Array.isArray(value);
        } catch {
          return true;
        }
      });
      expect(notObjects.slice(0, 3)).to.deep.equal([]);
    });

    it("never hold a token or a signature segment", () => {
      expect(tokens.length).to.be.greaterThan(30);
      expect(logs.leaking(tokens)).to.deep.equal([]);
    });
  });
});
