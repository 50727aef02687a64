import { expect } from "chai";
import { KidNotFoundInJwksError } from "aws-jwt-verify/error";
import sinon from "sinon";
import { JwksFetchError, RefreshingJwksCache } from "../../../functions/authoriser/jwks.ts";
import { LocalIssuer, makeSigningKey } from "../../../local/issuer/issuer.ts";
import { jwksBody } from "../../support/authoriser.ts";

const URI = "https://127.0.0.1:1/jwks.json";
const MAX_AGE = 60_000;
const BACKOFF = 10_000;

describe("JWKS cache (what the verifier calls: cachedKey, getVerificationKey)", () => {
  let clock: number;
  let issuer: LocalIssuer;
  let fetch: sinon.SinonStub<[string], Promise<ArrayBuffer>>;
  let cache: RefreshingJwksCache;
  const kidOf = (index: number) => (issuer.keys[index] as { kid: string }).kid;
  const lookup = async (kid: string) => (await cache.getVerificationKey(URI, kid)).jwk.kid;

  beforeEach(() => {
    clock = 1_000_000;
    issuer = new LocalIssuer();
    fetch = sinon.stub<[string], Promise<ArrayBuffer>>().callsFake(async () => jwksBody(issuer));
    cache = new RefreshingJwksCache({ fetcher: { fetch }, maxAgeMs: MAX_AGE, backoffMs: BACKOFF, now: () => clock });
  });

  it("shares one fetch between concurrent first lookups", async () => {
    const keys = await Promise.all(Array.from({ length: 50 }, () => lookup(kidOf(0))));
    expect(keys.every((kid) => kid === kidOf(0))).to.equal(true);
    expect(fetch.callCount).to.equal(1);
  });

  it("makes at most one fetch for a flood of unknown kids within the back-off", async () => {
    await lookup(kidOf(0));
    const results = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => lookup(`unknown-${i}`)));
    expect(results.every((result) => result.status === "rejected")).to.equal(true);
    expect(fetch.callCount).to.equal(2);
  });

  it("finds a key added at the IdP (rotation) with one refetch", async () => {
    await lookup(kidOf(0));
    issuer.keys.push(makeSigningKey("new-key"));
    expect(await lookup("new-key")).to.equal("new-key");
    expect(fetch.callCount).to.equal(2);
  });

  it("stops serving a removed key once the cache is older than its maximum age", async () => {
    const old = kidOf(0);
    await lookup(old);
    issuer.keys = [makeSigningKey("replacement")];
    clock += MAX_AGE - 1;
    expect(await lookup(old)).to.equal(old);
    clock += 1;
    await lookup(old).then(
      () => expect.fail("the removed key was still served"),
      (err: Error) => expect(err).to.be.instanceOf(KidNotFoundInJwksError),
    );
  });

  it("keeps serving stale keys while a refresh fails, and refreshes after the back-off", async () => {
    await lookup(kidOf(0));
    clock += MAX_AGE;
    fetch.rejects(new Error("ECONNREFUSED"));
    expect(await lookup(kidOf(0))).to.equal(kidOf(0));
    expect(await lookup(kidOf(0))).to.equal(kidOf(0));
    expect(fetch.callCount).to.equal(2);
    fetch.callsFake(async () => jwksBody(issuer));
    clock += BACKOFF;
    await lookup(kidOf(0));
    expect(fetch.callCount).to.equal(3);
  });

  it("backs off after a failed first fetch, then recovers", async () => {
    fetch.rejects(new Error("503"));
    const first = await Promise.allSettled(Array.from({ length: 20 }, () => lookup(kidOf(0))));
    expect(first.every((result) => result.status === "rejected")).to.equal(true);
    await lookup(kidOf(0)).catch(() => undefined);
    expect(fetch.callCount).to.equal(1);
    fetch.callsFake(async () => jwksBody(issuer));
    clock += BACKOFF;
    expect(await lookup(kidOf(0))).to.equal(kidOf(0));
  });

  it("reports any fetch failure as a JwksFetchError", async () => {
    fetch.rejects(new TypeError("boom"));
    await cache.getJwks(URI).then(
      () => expect.fail("resolved"),
      (err: Error) => expect(err).to.be.instanceOf(JwksFetchError),
    );
  });

  it("treats a body that is not a key set as a failed fetch", async () => {
    fetch.resolves(new TextEncoder().encode('{"nokeys":true}').buffer as ArrayBuffer);
    await cache.getJwks(URI).then(
      () => expect.fail("resolved"),
      (err: Error) => expect(err).to.be.instanceOf(JwksFetchError),
    );
  });

  it("serves seeded keys without any fetch", async () => {
    cache.addJwks(URI, issuer.jwks() as never);
    expect(await lookup(kidOf(0))).to.equal(kidOf(0));
    expect(fetch.callCount).to.equal(0);
  });

  it("answers cachedKey from fresh keys only, without a fetch", async () => {
    expect(cache.cachedKey(URI, kidOf(0))).to.equal(undefined);
    cache.addJwks(URI, issuer.jwks() as never);
    expect(cache.cachedKey(URI, kidOf(0))?.jwk.kid).to.equal(kidOf(0));
    expect(cache.cachedKey(URI, "unknown")).to.equal(undefined);
    clock += MAX_AGE;
    expect(cache.cachedKey(URI, kidOf(0))).to.equal(undefined);
    expect(fetch.callCount).to.equal(0);
  });
});
