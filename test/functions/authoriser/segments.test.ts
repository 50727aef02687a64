import { expect } from "chai";
import fc from "fast-check";
import { cognitoEnv, cognitoIdClaims, makeIdpKey, makeVerifier, outcome, signWith } from "./support/idp.ts";

/** Characters Node's decoder would read as `char` (same low byte, or an alias), and characters outside base64url. */
function respellingsOf(char: string): string[] {
  const code = char.charCodeAt(0);
  return [
    String.fromCharCode(0x4e00 | code),
    String.fromCharCode(0x0100 | code),
    String.fromCharCode(0xff00 | code),
    "+",
    "/",
    "=",
    " ",
    "%",
    "\u012b",
    "\u4e2f",
    "\u0000",
  ].filter((other) => other !== char);
}

const SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

describe("token segments: every character checked before anything is decoded", () => {
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

  it("refuses a signed token with any one character changed, whatever the character (200 cases; every position is enumerated below)", async () => {
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
      { numRuns: 200 },
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

  it("refuses a lone character after a whole signature (4n+1 characters), which Node's decoder would drop", async () => {
    // An ES384 signature is 96 bytes, 128 characters: one more character holds no whole byte.
    const key = await makeIdpKey("ES384");
    const idp = makeVerifier(cognitoEnv({ ALLOWED_ALGORITHMS: "ES384" }), [key]);
    const token = await signWith(key, cognitoIdClaims());
    expect(token.split(".")[2]).to.have.length(128);
    expect((await outcome(idp.verifier, token)).reason).to.equal("allowed");
    for (const char of ["A", "Q", "w", "-"]) {
      expect((await outcome(idp.verifier, `${token}${char}`)).reason, char).to.equal("malformed_token");
    }
  });

  describe("one spelling per token: a respelled character at every position is refused", () => {
    for (const alg of ["RS256", "ES256"]) {
      it(`refuses each ${alg} token with any one character respelled, at every position (all of them, in turn)`, async () => {
        const key = await makeIdpKey(alg);
        const idp = makeVerifier(cognitoEnv({ ALLOWED_ALGORITHMS: alg }), [key]);
        const token = await signWith(key, cognitoIdClaims());
        expect((await outcome(idp.verifier, token)).reason).to.equal("allowed");
        let tried = 0;
        for (let at = 0; at < token.length; at += 1) {
          for (const char of respellingsOf(token.charAt(at))) {
            const respelled = token.slice(0, at) + char + token.slice(at + 1);
            const { reason } = await outcome(idp.verifier, respelled);
            expect(reason, `U+${char.charCodeAt(0).toString(16)} at ${at}`).to.equal("malformed_token");
            tried += 1;
          }
        }
        expect(tried).to.be.at.least(token.length * 10);
      });
    }

    it("refuses U+4E4F for 'O', U+012B for '-' and U+012F for '_': same bytes to Node's decoder, which used to pass", async () => {
      const key = await makeIdpKey();
      const idp = makeVerifier(cognitoEnv(), [key]);
      for (const [original, respelling] of [
        ["O", "\u4e4f"],
        ["-", "\u012b"],
        ["_", "\u012f"],
      ] as const) {
        let token = await signWith(key, cognitoIdClaims());
        for (let n = 0; !(token.split(".")[1] as string).includes(original); n += 1) {
          expect(n, `no ${original} in the payload`).to.be.below(6);
          token = await signWith(key, { ...cognitoIdClaims(), pad: `${"x".repeat(n)}???~~~OOO` });
        }
        const [header, payload, signature] = token.split(".") as [string, string, string];
        const respelled = payload.replace(original, respelling);
        expect(Buffer.from(respelled, "base64url")).to.deep.equal(Buffer.from(payload, "base64url"));
        const reason = (await outcome(idp.verifier, `${header}.${respelled}.${signature}`)).reason;
        expect(reason, `${respelling} for ${original}`).to.equal("malformed_token");
      }
    });
  });
});
