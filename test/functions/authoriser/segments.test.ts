import { expect } from "chai";
import fc from "fast-check";
import { cognitoEnv, cognitoIdClaims, makeIdpKey, makeVerifier, outcome, signWith } from "./support/idp.ts";

const SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

describe("token segments, checked without a regex or re-encoding", () => {
  it("refuses a token that is not three base64url segments as malformed_token", async () => {
    const idp = makeVerifier(cognitoEnv(), []);
    for (const junk of [
      "abc",
      "a.b",
      "a.b.c.d",
      "a.b.",
      ".b.c",
      "a..c",
      "a+b.c.d",
      "a.b.c d",
      "ü.b.c",
      "eyJ=.e30.AA",
    ]) {
      expect((await outcome(idp.verifier, junk)).reason, junk).to.equal("malformed_token");
    }
  });

  it("refuses every string outside the three-segment base64url shape as malformed_token (2,000 strings)", async () => {
    const idp = makeVerifier(cognitoEnv(), []);
    const char = fc.constantFrom("a", "Z", "0", "-", "_", ".", "+", "/", "=", " ", "ü", "\n", "%");
    await fc.assert(
      fc.asyncProperty(
        fc.array(char, { maxLength: 12 }).map((chars) => chars.join("")),
        async (token) => {
          fc.pre(!SHAPE.test(token));
          expect((await outcome(idp.verifier, token)).reason, JSON.stringify(token)).to.equal("malformed_token");
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it("refuses a signed token with any one character changed, whatever the character (500 cases)", async () => {
    const key = await makeIdpKey();
    const idp = makeVerifier(cognitoEnv(), [key]);
    const token = await signWith(key, cognitoIdClaims());
    expect((await outcome(idp.verifier, token)).reason).to.equal("allowed");
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: token.length - 1 }),
        fc.oneof(
          fc.constantFrom("+", "/", "=", " ", "ü", ".", "%", "\u0000", "A", "Q", "g", "w", "-", "_"),
          fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
        ),
        async (at, char) => {
          const changed = token.slice(0, at) + char + token.slice(at + 1);
          fc.pre(changed !== token);
          expect((await outcome(idp.verifier, changed)).reason, `${JSON.stringify(char)} at ${at}`).to.not.equal(
            "allowed",
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it("refuses a token with a character appended to its signature (a length a decoder may round away)", async () => {
    const key = await makeIdpKey();
    const idp = makeVerifier(cognitoEnv(), [key]);
    const token = await signWith(key, cognitoIdClaims());
    for (const char of ["A", "=", "+", " ", "-"]) {
      // "A" spells one more byte canonically: a 257-byte signature, which RSA refuses; the rest are not canonical base64url.
      expect((await outcome(idp.verifier, `${token}${char}`)).reason, char).to.equal(
        char === "A" ? "invalid_signature" : "malformed_token",
      );
    }
  });
});
