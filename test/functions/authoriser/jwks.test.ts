import { expect } from "chai";
import { JwksNotAvailableInCacheError, KidNotFoundInJwksError } from "aws-jwt-verify/error";
import sinon from "sinon";
import {
  FETCH_BACKOFF_MS,
  JwksFetchError,
  parseSignatureKeys,
  RefreshingJwksCache,
} from "../../../functions/authoriser/jwks.ts";
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
  it("backs off after an unknown kid, also for the next unknown kid, without extending the back-off", async () => {
    await lookup(kidOf(0));
    await lookup("unknown-1").catch(() => undefined);
    expect(fetch.callCount).to.equal(2);
    clock += BACKOFF / 2;
    await lookup("unknown-2").then(
      () => expect.fail("an unknown kid was served"),
      (err: Error) => expect(err).to.be.instanceOf(KidNotFoundInJwksError),
    );
    expect(fetch.callCount).to.equal(2);
    clock += BACKOFF / 2;
    await lookup("unknown-3").catch(() => undefined);
    expect(fetch.callCount).to.equal(3);
  });

  it("backs off for FETCH_BACKOFF_MS (10 s) unless told otherwise", async () => {
    expect(FETCH_BACKOFF_MS).to.equal(10_000);
    const defaults = new RefreshingJwksCache({ fetcher: { fetch }, maxAgeMs: MAX_AGE, now: () => clock });
    fetch.rejects(new Error("503"));
    await defaults.getJwks(URI).catch(() => undefined);
    clock += FETCH_BACKOFF_MS - 1;
    const refused = await defaults.getJwks(URI).catch((err: Error) => err);
    expect(refused).to.be.instanceOf(JwksNotAvailableInCacheError);
    expect((refused as Error).message).to.match(/backing off/);
    expect(fetch.callCount).to.equal(1);
    clock += 1;
    await defaults.getJwks(URI).catch(() => undefined);
    expect(fetch.callCount).to.equal(2);
  });

  it("keeps the original error as the cause of a body that is not a key set", async () => {
    fetch.resolves(new TextEncoder().encode('{"nokeys":true}').buffer as ArrayBuffer);
    const err = (await cache.getJwks(URI).catch((e: Error) => e)) as JwksFetchError;
    expect(err.message).to.equal("JWKS fetch failed: no usable answer");
    expect(err.cause).to.be.instanceOf(Error).and.not.be.instanceOf(JwksFetchError);
  });

  it("lists no signature keys for a URI it has never fetched", () => {
    expect(cache.signatureKeys("https://127.0.0.1:1/other.json")).to.deep.equal([]);
    cache.addJwks(URI, issuer.jwks() as never);
    expect(cache.signatureKeys(URI).map((key) => key.jwk.kid)).to.deep.equal(issuer.keys.map((key) => key.kid));
  });
});

describe("signature keys of a JWKS (parseSignatureKeys)", () => {
  const rsa = () => new LocalIssuer().jwks().keys[0] as unknown as Record<string, unknown>;

  it("keeps the first key of a kid, as aws-jwt-verify does", () => {
    const first = { ...rsa(), kid: "same" };
    const second = { ...rsa(), kid: "same" };
    const keys = parseSignatureKeys({ keys: [first, second] } as never);
    expect(keys.size).to.equal(1);
    expect(keys.get("same")?.jwk).to.equal(first);
  });

  it("leaves out keys with no kid, an empty kid, or a use other than sig", () => {
    const keys = parseSignatureKeys({
      keys: [
        { ...rsa(), kid: "" },
        { ...rsa(), kid: undefined },
        { ...rsa(), kid: "enc", use: "enc" },
      ],
    } as never);
    expect([...keys.keys()]).to.deep.equal([]);
    const { use: _use, ...noUse } = rsa();
    const signing = parseSignatureKeys({
      keys: [
        { ...rsa(), kid: "s", use: "sig" },
        { ...noUse, kid: "n" },
      ],
    } as never);
    // Many IdPs omit `use` (RFC 7517 4.2 makes it optional): such a key signs.
    expect([...signing.keys()]).to.deep.equal(["s", "n"]);
  });
});
