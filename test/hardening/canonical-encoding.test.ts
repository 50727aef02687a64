import { expect } from "chai";
import { LocalIssuer, makeSigningKey } from "../../local/issuer/issuer.ts";
import { makeStubbedAuthoriser } from "../support/authoriser.ts";
import { InProcessAuthoriser, refusalProblem } from "./support/decide.ts";
import { ledger } from "./support/ledger.ts";

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** Other last characters that base64url-decode to the same bytes as the segment's own (the unused low bits differ). */
function twinsOfLastCharacter(segment: string): string[] {
  const bytes = Buffer.from(segment, "base64url");
  return [...BASE64URL].filter(
    (char) => char !== segment.at(-1) && Buffer.from(segment.slice(0, -1) + char, "base64url").equals(bytes),
  );
}

describe("hardening: one spelling per token", () => {
  // kid "k1" makes a 26-byte header, so its last character has unused bits too.
  const authoriser = new InProcessAuthoriser(
    makeStubbedAuthoriser({}, new LocalIssuer({ keys: [makeSigningKey("k1")] })),
  );
  beforeEach(() => authoriser.tap());
  afterEach(() => authoriser.release());

  it("allows the token exactly as the issuer wrote it", async () => {
    const { outcome } = await authoriser.decide(authoriser.stack.issuer.mint({ username: "alice" }));
    expect(outcome.kind).to.equal("allow");
  });

  it("refuses a valid token whose signature's last character is swapped for one that decodes to the same bytes", async () => {
    const token = authoriser.stack.issuer.mint({ username: "alice" });
    const [header, payload, signature] = token.split(".") as [string, string, string];
    const twins = twinsOfLastCharacter(signature);
    // A 256-byte signature is 342 characters: the last one carries 2 bits, so 15 others decode alike.
    expect(twins).to.have.length(15);
    for (const twin of twins) {
      const respelled = `${header}.${payload}.${signature.slice(0, -1)}${twin}`;
      ledger.tally.casesTried += 1;
      const { outcome, lines } = await authoriser.decide(respelled);
      if (outcome.kind === "allow") ledger.tally.allowsOfBadInput += 1;
      expect(refusalProblem(respelled, outcome, lines)).to.equal(undefined);
      expect(outcome).to.deep.equal({ kind: "unauthorized", reason: "malformed_token" });
    }
  });

  it("refuses header and payload segments with non-canonical trailing bits before any key lookup", async () => {
    // Pad the payload until its length is not a multiple of three bytes, so it has unused bits to flip.
    let token = authoriser.stack.issuer.mint({ username: "alice" });
    for (let pad = 1; Buffer.from(token.split(".")[1] as string, "base64url").length % 3 === 0; pad += 1) {
      token = authoriser.stack.issuer.mint({ username: "alice", claims: { pad: "x".repeat(pad) } });
    }
    const parts = token.split(".") as [string, string, string];
    let tried = 0;
    for (const index of [0, 1]) {
      const segment = parts[index] as string;
      for (const twin of twinsOfLastCharacter(segment).slice(0, 3)) {
        const respelled = parts.map((part, i) => (i === index ? segment.slice(0, -1) + twin : part)).join(".");
        ledger.tally.casesTried += 1;
        const { outcome } = await authoriser.decide(respelled);
        expect(outcome).to.deep.equal({ kind: "unauthorized", reason: "malformed_token" });
        tried += 1;
      }
    }
    expect(tried).to.be.at.least(4);
  });
});
