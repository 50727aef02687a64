import { expect } from "chai";
import { KidNotFoundInJwksError } from "aws-jwt-verify/error";
import sinon from "sinon";
import { JwksFetchError, RefreshingJwksCache } from "../../../functions/authoriser/jwks.ts";
import { LocalIssuer, makeSigningKey } from "../../../local/issuer/issuer.ts";
import { jwksBody } from "../../support/authoriser.ts";

const URI = "https://127.0.0.1:1/jwks.json";
const MAX_AGE = 60_000;
const BACKOFF = 10_000;

describe("JWKS cache", () => {
  let clock: number;
  let issuer: LocalIssuer;
  let fetch: sinon.SinonStub<[string], Promise<ArrayBuffer>>;
  let cache: RefreshingJwksCache;
  const kidOf = (index: number) => (issuer.keys[index] as { kid: string }).kid;
  const jwt = (kid: string) => ({ header: { kid } });

  beforeEach(() => {
    clock = 1_000_000;
    issuer = new LocalIssuer();
    fetch = sinon.stub<[string], Promise<ArrayBuffer>>().callsFake(async () => jwksBody(issuer));
    cache = new RefreshingJwksCache({ fetcher: { fetch }, maxAgeMs: MAX_AGE, backoffMs: BACKOFF, now: () => clock });
  });

  it("shares one fetch between concurrent first lookups", async () => {
    const keys = await Promise.all(Array.from({ length: 50 }, () => cache.getJwk(URI, jwt(kidOf(0)))));
    expect(keys.every((key) => key.kid === kidOf(0))).to.equal(true);
    expect(fetch.callCount).to.equal(1);
  });

  it("makes at most one fetch for a flood of unknown kids within the back-off", async () => {
    await cache.getJwk(URI, jwt(kidOf(0)));
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) => cache.getJwk(URI, jwt(`unknown-${i}`))),
    );
    expect(results.every((result) => result.status === "rejected")).to.equal(true);
    expect(fetch.callCount).to.equal(2);
  });

  it("finds a key added at the IdP (rotation) with one refetch", async () => {
    await cache.getJwk(URI, jwt(kidOf(0)));
    issuer.keys.push(makeSigningKey("new-key"));
    expect((await cache.getJwk(URI, jwt("new-key"))).kid).to.equal("new-key");
    expect(fetch.callCount).to.equal(2);
  });

  it("stops serving a removed key once the cache is older than its maximum age", async () => {
    const old = kidOf(0);
    await cache.getJwk(URI, jwt(old));
    issuer.keys = [makeSigningKey("replacement")];
    clock += MAX_AGE - 1;
    expect((await cache.getJwk(URI, jwt(old))).kid).to.equal(old);
    clock += 1;
    await cache.getJwk(URI, jwt(old)).then(
      () => expect.fail("the removed key was still served"),
      (err: Error) => expect(err).to.be.instanceOf(KidNotFoundInJwksError),
    );
  });

  it("keeps serving stale keys while a refresh fails, and refreshes after the back-off", async () => {
    await cache.getJwk(URI, jwt(kidOf(0)));
    clock += MAX_AGE;
    fetch.rejects(new Error("ECONNREFUSED"));
    expect((await cache.getJwk(URI, jwt(kidOf(0)))).kid).to.equal(kidOf(0));
    expect((await cache.getJwk(URI, jwt(kidOf(0)))).kid).to.equal(kidOf(0));
    expect(fetch.callCount).to.equal(2);
    fetch.callsFake(async () => jwksBody(issuer));
    clock += BACKOFF;
    await cache.getJwk(URI, jwt(kidOf(0)));
    expect(fetch.callCount).to.equal(3);
  });

  it("backs off after a failed first fetch, then recovers", async () => {
    fetch.rejects(new Error("503"));
    const first = await Promise.allSettled(Array.from({ length: 20 }, () => cache.getJwk(URI, jwt(kidOf(0)))));
    expect(first.every((result) => result.status === "rejected")).to.equal(true);
    await cache.getJwk(URI, jwt(kidOf(0))).catch(() => undefined);
    expect(fetch.callCount).to.equal(1);
    fetch.callsFake(async () => jwksBody(issuer));
    clock += BACKOFF;
    expect((await cache.getJwk(URI, jwt(kidOf(0)))).kid).to.equal(kidOf(0));
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
    expect((await cache.getJwk(URI, jwt(kidOf(0)))).kid).to.equal(kidOf(0));
    expect(fetch.callCount).to.equal(0);
  });
});
