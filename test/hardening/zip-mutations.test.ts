import { expect } from "chai";
import fc from "fast-check";
import type { InvokeResult, LambdaHost } from "../../local/lambda/host.ts";
import { makeLoopbackCertificate } from "../support/certs.ts";
import { JwksServer } from "../support/jwks-server.ts";
import { connectEventWith, PLACEMENTS, type Placement } from "./support/decide.ts";
import { b64url, Corpus } from "./support/forge.ts";
import { ledger } from "./support/ledger.ts";
import { startAuthoriserZip, UNAUTHORIZED_RESULT } from "./support/lambda.ts";

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const SEED = Number(process.env.HARDENING_SEED ?? Date.now() % 2_147_483_647);
const SAMPLE = 3_000;

describe("hardening: a sample of mutated tokens through the built zip, JWKS over HTTPS on loopback", function () {
  this.timeout(90_000);
  let corpus: Corpus;
  let jwks: JwksServer;
  let host: LambdaHost;
  let firstLine: number;
  let startedAt: number;
  const results: Array<{ token: string; placement: Placement; result: InvokeResult }> = [];

  before(async function () {
    this.timeout(90_000);
    firstLine = ledger.lineCount;
    corpus = new Corpus();
    jwks = new JwksServer(corpus.issuer);
    const cert = makeLoopbackCertificate();
    await jwks.listen(cert);
    host = startAuthoriserZip(
      { USER_POOL_ID: corpus.issuer.userPoolId, CLIENT_ID: corpus.issuer.clientId, JWKS_URI: jwks.url },
      cert.certPath,
    );
    await host.warm();
    startedAt = Date.now();

    const byteEdit = fc
      .record({ token: fc.constantFrom(...corpus.all), at: fc.nat(), char: fc.constantFrom(...BASE64URL, ".", "=") })
      .map(({ token, at, char }) => {
        const index = at % token.length;
        return token.slice(0, index) + char + token.slice(index + 1);
      });
    const header = fc.record({
      alg: fc.constantFrom("none", "HS256", "RS512", "ES256", "RS256"),
      kid: fc.constantFrom("key-one", "key-two", "other"),
    });
    const reheadered = fc
      .tuple(header, fc.constantFrom(...corpus.all))
      .map(([fields, token]) => `${b64url(JSON.stringify(fields))}.${token.split(".").slice(1).join(".")}`);
    const swapped = fc
      .tuple(fc.constantFrom(...corpus.all), fc.constantFrom(...corpus.all), fc.constantFrom(...corpus.all))
      .map(([a, b, c]) => [a.split(".")[0], b.split(".")[1], c.split(".")[2]].join("."));
    const sample = fc.sample(
      fc.record({
        token: fc.oneof(
          { weight: 3, arbitrary: byteEdit },
          { weight: 1, arbitrary: reheadered },
          { weight: 1, arbitrary: swapped },
        ),
        placement: fc.constantFrom(...PLACEMENTS),
      }),
      { numRuns: SAMPLE, seed: SEED },
    );
    // As many connections in flight as the function may have containers, each container taking one at a time.
    for (let start = 0; start < sample.length; start += host.maxConcurrency) {
      const batch = sample.slice(start, start + host.maxConcurrency);
      const settled = await Promise.all(
        batch.map(({ token, placement }) => host.invoke(connectEventWith(ledger.secret(token), placement))),
      );
      batch.forEach(({ token, placement }, i) => {
        results.push({ token, placement, result: settled[i] as InvokeResult });
      });
    }
    ledger.tally.casesTried += results.length;
  });

  after(async () => {
    await host?.stop();
    await jwks?.close();
  });

  it(`decided all ${SAMPLE} in containers that never crashed and were never throttled`, () => {
    expect(results).to.have.length(SAMPLE);
    const failures = results
      .filter(({ result }) => !result.ok && result.errorMessage !== "Unauthorized")
      .map(({ result }) => result);
    expect(failures.slice(0, 3)).to.deep.equal([]);
    expect({ alive: host.containerCount, throttles: host.throttles }).to.deep.equal({
      alive: host.coldStarts,
      throttles: 0,
    });
  });

  it("allowed none of them unless it was byte-identical to a valid token", () => {
    const wrongAllows = results.filter(({ token, result }) => result.ok && !corpus.validSet.has(token));
    ledger.tally.allowsOfBadInput += wrongAllows.length;
    expect(wrongAllows.map(({ token }) => token)).to.deep.equal([]);
  });

  it('refused every other one with exactly Error("Unauthorized")', () => {
    const odd = results.filter(
      ({ token, result }) =>
        !corpus.validSet.has(token) && JSON.stringify(result) !== JSON.stringify(UNAUTHORIZED_RESULT),
    );
    expect(odd.slice(0, 3)).to.deep.equal([]);
  });

  it("fetched the JWKS at init and at most once per back-off period after, in each container", () => {
    expect(jwks.requests).to.be.at.most(host.coldStarts * (1 + Math.ceil((Date.now() - startedAt) / 10_000)));
  });

  it("logged one line per decision, none holding a token or signature segment", () => {
    const decisions = ledger
      .parsedLines(firstLine)
      .filter((line) => line.message === "connection refused" || line.message === "connection allowed");
    expect(decisions.length).to.equal(SAMPLE);
    expect(ledger.leaking(firstLine).slice(0, 3)).to.deep.equal([]);
  });
});
