import { expect } from "chai";
import fc from "fast-check";
import sinon from "sinon";
import { parseConfig } from "../../functions/authoriser/config.ts";
import { FETCH_BACKOFF_MS, RefreshingJwksCache } from "../../functions/authoriser/jwks.ts";
import { createTokenVerifier } from "../../functions/authoriser/verifier.ts";
import { LocalIssuer, makeSigningKey, type SigningKey } from "../../local/issuer/issuer.ts";
import { type InvokeResult, LambdaHost } from "../../local/lambda/host.ts";
import { jwksBody } from "../support/authoriser.ts";
import { makeLoopbackCertificate, type TestCertificate } from "../support/certs.ts";
import { distZip } from "../support/dist.ts";
import { makeConnectEvent } from "../../local/gateway/sample-events.ts";
import { JwksServer } from "../support/jwks-server.ts";
import { InProcessAuthoriser } from "./support/decide.ts";
import { ledger } from "./support/ledger.ts";

const CACHE_SECONDS = 60;
const MAX_AGE_MS = CACHE_SECONDS * 1000;
const SEED = Number(process.env.HARDENING_SEED ?? Date.now() % 2_147_483_647);

/** The real authoriser modules on a clock the test moves: the JWKS cache's `now` is injectable. */
function rotatingAuthoriser(issuer: LocalIssuer) {
  const clock = { now: 1_000_000_000 };
  const config = parseConfig({
    USER_POOL_ID: issuer.userPoolId,
    CLIENT_ID: issuer.clientId,
    JWKS_CACHE_SECONDS: String(CACHE_SECONDS),
  });
  const fetch = sinon.stub<[string], Promise<ArrayBuffer>>().callsFake(async () => jwksBody(issuer));
  const cache = new RefreshingJwksCache({
    fetcher: { fetch },
    maxAgeMs: config.jwksCacheSeconds * 1000,
    now: () => clock.now,
  });
  const authoriser = new InProcessAuthoriser({
    issuer,
    config,
    fetch,
    cache,
    verifier: createTokenVerifier(config, cache),
  });
  return { clock, fetch, authoriser };
}

describe("hardening: key rotation", function () {
  this.timeout(60_000);

  describe("in process, on the cache's own clock (JWKS_CACHE_SECONDS=60)", () => {
    let issuer: LocalIssuer;
    let rig: ReturnType<typeof rotatingAuthoriser>;
    const keyOne = makeSigningKey("key-one");
    const keyTwo = makeSigningKey("key-two");
    const kindOf = async (key: SigningKey): Promise<string> => {
      ledger.tally.casesTried += 1;
      return (await rig.authoriser.decide(issuer.mint({ username: "alice", key }))).outcome.kind;
    };

    beforeEach(() => {
      issuer = new LocalIssuer({ keys: [keyOne] });
      rig = rotatingAuthoriser(issuer);
      rig.authoriser.tap();
    });
    afterEach(() => rig.authoriser.release());

    it("allows a token of a newly published key after exactly one refetch, and makes no more for it", async () => {
      expect(await kindOf(keyOne)).to.equal("allow");
      issuer.keys.push(keyTwo);
      expect(await kindOf(keyTwo)).to.equal("allow");
      expect(rig.fetch.callCount).to.equal(2);
      expect(await kindOf(keyTwo)).to.equal("allow");
      expect(rig.fetch.callCount).to.equal(2);
    });

    it("allows a key published during an unknown-kid back-off once the 10 s back-off ends", async () => {
      expect(await kindOf(keyOne)).to.equal("allow");
      expect(await kindOf(keyTwo)).to.equal("unauthorized");
      issuer.keys.push(keyTwo);
      rig.clock.now += FETCH_BACKOFF_MS - 1;
      expect(await kindOf(keyTwo), "still backing off").to.equal("unauthorized");
      expect(rig.fetch.callCount).to.equal(2);
      rig.clock.now += 1;
      expect(await kindOf(keyTwo)).to.equal("allow");
      expect(rig.fetch.callCount).to.equal(3);
    });

    it("keeps allowing a removed key for up to JWKS_CACHE_SECONDS, then denies it after one refresh", async () => {
      issuer.keys.push(keyTwo);
      expect(await kindOf(keyOne)).to.equal("allow");
      issuer.keys = [keyTwo];
      rig.clock.now += MAX_AGE_MS - 1;
      expect(await kindOf(keyOne), "the documented window").to.equal("allow");
      expect(rig.fetch.callCount).to.equal(1);
      rig.clock.now += 1;
      expect(await kindOf(keyOne)).to.equal("unauthorized");
      expect(rig.fetch.callCount).to.equal(2);
      expect(await kindOf(keyTwo)).to.equal("allow");
      expect(rig.fetch.callCount).to.equal(2);
    });

    it("keeps a removed key only while the IdP is unreachable (stale-if-error), and drops it on the first good refresh", async () => {
      expect(await kindOf(keyOne)).to.equal("allow");
      issuer.keys = [keyTwo];
      rig.fetch.rejects(new Error("connect ECONNREFUSED"));
      rig.clock.now += MAX_AGE_MS;
      expect(await kindOf(keyOne), "stale keys serve through the outage").to.equal("allow");
      rig.fetch.callsFake(async () => jwksBody(issuer));
      rig.clock.now += FETCH_BACKOFF_MS;
      expect(await kindOf(keyOne)).to.equal("unauthorized");
      expect(await kindOf(keyTwo)).to.equal("allow");
    });

    it("holds its rotation promises over any schedule of publish, remove, wait and connect (property)", async () => {
      const kids = ["k0", "k1", "k2", "k3"];
      const keys = new Map(kids.map((kid) => [kid, makeSigningKey(kid)]));
      const rogue = makeSigningKey("k0");
      const step = fc.oneof(
        { weight: 1, arbitrary: fc.record({ op: fc.constant("publish" as const), kid: fc.constantFrom(...kids) }) },
        { weight: 1, arbitrary: fc.record({ op: fc.constant("remove" as const), kid: fc.constantFrom(...kids) }) },
        {
          weight: 2,
          arbitrary: fc.record({ op: fc.constant("wait" as const), ms: fc.integer({ min: 0, max: 90_000 }) }),
        },
        {
          weight: 3,
          arbitrary: fc.record({ op: fc.constant("connect" as const), kid: fc.constantFrom(...kids, "rogue") }),
        },
      );
      let decisions = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 10, maxLength: 40 }), async (steps) => {
          issuer.keys = [keys.get("k0") as SigningKey];
          rig.authoriser.release();
          rig = rotatingAuthoriser(issuer);
          rig.authoriser.tap();
          const start = rig.clock.now;
          const publishedAt = new Map<string, number>([["k0", start]]);
          const removedAt = new Map<string, number>();
          const tokens = new Map<string, string>();
          const tokenOf = (kid: string): string => {
            const key = kid === "rogue" ? rogue : (keys.get(kid) as SigningKey);
            if (!tokens.has(kid)) tokens.set(kid, issuer.mint({ username: `user-${kid}`, key }));
            return tokens.get(kid) as string;
          };
          for (const action of steps) {
            const now = rig.clock.now;
            if (action.op === "wait") rig.clock.now += action.ms;
            else if (action.op === "publish" && !publishedAt.has(action.kid)) {
              issuer.keys.push(keys.get(action.kid) as SigningKey);
              publishedAt.set(action.kid, now);
            } else if (action.op === "remove" && publishedAt.has(action.kid)) {
              issuer.keys = issuer.keys.filter((key) => key.kid !== action.kid);
              publishedAt.delete(action.kid);
              removedAt.set(action.kid, now);
            } else if (action.op === "connect") {
              decisions += 1;
              ledger.tally.casesTried += 1;
              const { outcome } = await rig.authoriser.decide(tokenOf(action.kid));
              const published = publishedAt.get(action.kid);
              const removed = removedAt.get(action.kid);
              if (outcome.kind === "allow") {
                if (action.kid === "rogue") ledger.tally.allowsOfBadInput += 1;
                expect(action.kid, "a key never published").to.not.equal("rogue");
                const recentlyRemoved = removed !== undefined && now - removed < MAX_AGE_MS;
                expect(
                  published !== undefined || recentlyRemoved,
                  `${action.kid} removed ${removed === undefined ? "never" : now - removed} ms ago`,
                ).to.equal(true);
              } else {
                expect(outcome.kind).to.equal("unauthorized");
                const settled = published !== undefined && now - published >= FETCH_BACKOFF_MS;
                expect(
                  settled,
                  `${action.kid} published ${published === undefined ? "never" : now - published} ms ago was refused`,
                ).to.equal(false);
              }
            }
          }
          const elapsed = rig.clock.now - start;
          const bound = 1 + Math.ceil(elapsed / FETCH_BACKOFF_MS) + Math.ceil(elapsed / MAX_AGE_MS) + kids.length;
          expect(rig.fetch.callCount, "fetches bounded by back-off, age and new keys").to.be.at.most(bound);
        }),
        { numRuns: 400, seed: SEED, endOnFailure: true },
      );
      expect(decisions).to.be.greaterThan(1_000);
    });
  });

  describe("through the built zip, with the JWKS over HTTPS on loopback", () => {
    let cert: TestCertificate;
    let issuer: LocalIssuer;
    let jwks: JwksServer;
    let host: LambdaHost | undefined;

    before(async () => {
      cert = makeLoopbackCertificate();
      issuer = new LocalIssuer({ keys: [makeSigningKey("key-one")] });
      jwks = new JwksServer(issuer);
      await jwks.listen(cert);
      host = new LambdaHost({
        name: "authoriser",
        zipPath: distZip("authoriser"),
        env: { USER_POOL_ID: issuer.userPoolId, CLIENT_ID: issuer.clientId, JWKS_URI: jwks.url },
        platformEnv: { NODE_EXTRA_CA_CERTS: cert.certPath },
        onLog: ledger.collect,
        timeoutMs: 15_000,
      });
      await host.warm();
    });
    after(async () => {
      await host?.stop();
      await jwks?.close();
    });

    it("allows a token of a key published after init: one refetch by the warm container, one init fetch per new one", async () => {
      if (!host) throw new Error("no host");
      const lambda = host;
      expect(jwks.requests, "the init prefetch").to.equal(1);
      issuer.keys.push(makeSigningKey("key-two"));
      const key = issuer.keys[1] as SigningKey;
      const connect = (i: number) =>
        lambda.invoke(makeConnectEvent({ query: { auth: ledger.secret(issuer.mint({ username: `u${i}`, key })) } }));
      // Five at once: the warm container takes one, Lambda starts a container for each of the other four.
      const concurrent = await Promise.all(Array.from({ length: 5 }, (_, i) => connect(i)));
      expect(lambda.coldStarts, "one container per concurrent connection").to.equal(5);
      expect(jwks.requests, "init, the warm container's refetch, four new containers' inits").to.equal(6);
      const later: InvokeResult[] = [];
      for (let i = 5; i < 20; i += 1) later.push(await connect(i));
      ledger.tally.casesTried += concurrent.length + later.length;
      expect([...concurrent, ...later].every((result) => result.ok)).to.equal(true);
      expect(jwks.requests, "every container has the new key").to.equal(6);
    });
  });
});
