// Issue 16: a warm call (its key cached) is decided without a promise of the verifier's own; only a call that waits
// for a JWKS fetch gets one, and authorise treats both answers, and both kinds of failure, alike.
import { expect } from "chai";
import { authorise } from "../../../functions/authoriser/authorise.ts";
import { Rejection } from "../../../functions/authoriser/errors.ts";
import type { TokenVerifier } from "../../../functions/authoriser/verifier.ts";
import { makeConnectEvent } from "../../../local/gateway/sample-events.ts";
import { captureLogSink, LogCollector } from "../../support/logs.ts";
import { cognitoEnv, cognitoIdClaims, makeIdpKey, makeVerifier, signWith } from "./support/idp.ts";

describe("verifier: the warm path takes no asynchronous step", () => {
  it("answers with a promise while it fetches the key, and at once, with the same identity, once the key is cached", async () => {
    const key = await makeIdpKey();
    const idp = makeVerifier(cognitoEnv(), [key]);
    const token = await signWith(key, cognitoIdClaims());
    const first = idp.verifier.verify(token);
    expect(first).to.be.instanceOf(Promise);
    const fetched = await first;
    const warm = idp.verifier.verify(token);
    expect(warm).to.not.be.instanceOf(Promise);
    expect(warm).to.deep.equal(fetched);
    expect(idp.fetched).to.have.length(1);
  });

  it("refuses at once, by throwing its Rejection, when the key is cached", async () => {
    const key = await makeIdpKey();
    const idp = makeVerifier(cognitoEnv(), [key]);
    await idp.verifier.verify(await signWith(key, cognitoIdClaims()));
    const expired = await signWith(key, { ...cognitoIdClaims(), exp: Math.floor(Date.now() / 1000) - 3600 });
    expect(() => idp.verifier.verify(expired))
      .to.throw(Rejection)
      .with.property("reason", "expired");
  });

  it("rejects, not throws, when the key must be fetched and the fetch fails", async () => {
    const key = await makeIdpKey();
    const idp = makeVerifier(cognitoEnv(), [key]);
    idp.jwks = { keys: [] };
    const pending = idp.verifier.verify(await signWith(key, cognitoIdClaims()));
    expect(pending).to.be.instanceOf(Promise);
    const refused = await (pending as Promise<unknown>).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).to.be.instanceOf(Rejection).with.property("reason", "unknown_key");
  });
});

describe("authorise: a verifier's answer, with or without a promise", () => {
  const token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
  const identity = {
    principalId: "sub-1",
    username: "alice",
    groups: ["admin"],
    scopes: [],
    exp: 2_000_000_000,
    tokenUse: "id",
    machine: false,
  };
  const verifierOf = (verify: TokenVerifier["verify"]): TokenVerifier => ({ verify, prefetch: async () => undefined });

  async function decide(verifier: TokenVerifier): Promise<{ result?: unknown; refusal?: Error; logged: string[] }> {
    const logs = new LogCollector();
    const release = captureLogSink(logs.collect);
    try {
      const { config } = makeVerifier(cognitoEnv(), []);
      const result = await authorise(makeConnectEvent({ query: { auth: token } }), config, verifier, "req-1");
      return { result, logged: logs.parsed().map((line) => `${line.message}:${line.reason ?? ""}`) };
    } catch (err) {
      return { refusal: err as Error, logged: logs.parsed().map((line) => `${line.message}:${line.reason ?? ""}`) };
    } finally {
      release();
    }
  }

  it("allows the same way whether the identity comes at once or from a promise", async () => {
    const now = await decide(verifierOf(() => ({ claims: {}, identity })));
    const later = await decide(verifierOf(async () => ({ claims: {}, identity })));
    expect(now.result).to.have.nested.property("policyDocument.Statement[0].Effect", "Allow");
    expect(now.result).to.have.property("principalId", "sub-1");
    expect(later.result).to.deep.equal(now.result);
    expect(now.logged).to.deep.equal(["connection allowed:"]);
  });

  it("refuses with Unauthorized, logged by reason, whether the Rejection is thrown or rejected", async () => {
    const thrown = await decide(
      verifierOf(() => {
        throw new Rejection("expired", "refused: expired");
      }),
    );
    const rejected = await decide(
      verifierOf(async () => {
        throw new Rejection("expired", "refused: expired");
      }),
    );
    for (const outcome of [thrown, rejected]) {
      expect(outcome.refusal?.message).to.equal("Unauthorized");
      expect(outcome.logged).to.deep.equal(["connection refused:expired"]);
    }
  });
});
