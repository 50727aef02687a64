import { expect } from "chai";
import { Rejection } from "../../../functions/authoriser/errors.ts";
import {
  buildAllowPolicy,
  buildDenyPolicy,
  isInRequiredGroups,
  isMethodArn,
  MAX_RESULT_BYTES,
} from "../../../functions/authoriser/policy.ts";
import { METHOD_ARN } from "../../../local/gateway/sample-events.ts";

type Identity = Parameters<typeof buildAllowPolicy>[1];

function makeIdentity(overrides: Partial<Identity> = {}): Identity {
  return {
    principalId: "sub-alice",
    username: "alice",
    groups: ["admin", "dev"],
    scopes: [],
    exp: 1_900_000_000,
    tokenUse: "id",
    machine: false,
    ...overrides,
  };
}

/** The field of a result that a test grows, and how: the identity's, or the method ARN. */
type Grown = { identity: Partial<Identity>; methodArn?: string };
type Grow = (text: string) => Grown;

const GROWN_FIELDS: Record<string, Grow> = {
  "principal id (sent twice, as principalId and context.sub)": (text) => ({ identity: { principalId: text } }),
  username: (text) => ({ identity: { username: text } }),
  "group names": (text) => ({ identity: { groups: [text] } }),
  "scope names": (text) => ({ identity: { scopes: [text] } }),
  "token use": (text) => ({ identity: { tokenUse: text } }),
  "origin_jti (sent when the token has one)": (text) => ({ identity: { originJti: text } }),
  "method ARN": (text) => ({ identity: {}, methodArn: `${METHOD_ARN}${text}` }),
};

function resultBytes(grow: Grow, text: string): number {
  const { identity, methodArn } = grow(text);
  return Buffer.byteLength(JSON.stringify(buildAllowPolicy(methodArn ?? METHOD_ARN, makeIdentity(identity))));
}

/**
 * The shortest repeat of `unit` that, grown in one field, makes the result at least `bytes` long. Measured on
 * small results, which are never refused.
 */
function textForResultOf(grow: Grow, unit: string, bytes: number): string {
  const base = resultBytes(grow, "");
  const perUnit = resultBytes(grow, unit) - base;
  return unit.repeat(Math.ceil((bytes - base) / perUnit));
}

function buildGrown(grow: Grow, text: string) {
  const { identity, methodArn } = grow(text);
  return buildAllowPolicy(methodArn ?? METHOD_ARN, makeIdentity(identity));
}

function refusal(build: () => unknown): Rejection {
  try {
    build();
  } catch (err) {
    expect(err).to.be.instanceOf(Rejection);
    return err as Rejection;
  }
  throw new Error("the result was not refused");
}

describe("authoriser policy", () => {
  it("passes the token's origin_jti in the context only when it has one, for the registry's session index", () => {
    expect(buildAllowPolicy(METHOD_ARN, makeIdentity({ originJti: "oj-1" })).context).to.deep.include({
      origin_jti: "oj-1",
    });
    expect(buildAllowPolicy(METHOD_ARN, makeIdentity()).context).to.not.have.property("origin_jti");
  });

  describe("the method ARN of a $connect", () => {
    it("is accepted as API Gateway sends it, in every partition", () => {
      expect(isMethodArn(METHOD_ARN)).to.equal(true);
      expect(isMethodArn("arn:aws-cn:execute-api:cn-north-1:123456789012:abcdef1234/prod/$connect")).to.equal(true);
      expect(isMethodArn("arn:aws-us-gov:execute-api:us-gov-west-1:123456789012:a1/prod/$connect")).to.equal(true);
      expect(isMethodArn("arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/dev/connect")).to.equal(true);
    });

    it("is refused with anything before or after it", () => {
      expect(isMethodArn(`x${METHOD_ARN}`)).to.equal(false);
      expect(isMethodArn(`${METHOD_ARN}/extra`)).to.equal(false);
      expect(isMethodArn(`${METHOD_ARN} `)).to.equal(false);
    });

    it("is refused with a wildcard in the stage or route, which would allow more than one route", () => {
      expect(isMethodArn("arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/*/$connect")).to.equal(false);
      expect(isMethodArn("arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/dev/*")).to.equal(false);
    });

    it("is refused when any part is missing or malformed", () => {
      for (const arn of [
        "arn:aws:execute-api:eu-west-1:12345678901:abcdef1234/dev/$connect",
        "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/dev",
        "arn:aws:execute-api::123456789012:abcdef1234/dev/$connect",
        "arn:aws:lambda:eu-west-1:123456789012:abcdef1234/dev/$connect",
        "arn:aws.x:execute-api:eu-west-1:123456789012:abcdef1234/dev/$connect",
        "",
      ]) {
        expect(isMethodArn(arn), arn).to.equal(false);
      }
    });

    it("is refused when it is not a string, even one that reads as an ARN", () => {
      expect(isMethodArn([METHOD_ARN])).to.equal(false);
      expect(isMethodArn({ toString: () => METHOD_ARN })).to.equal(false);
      expect(isMethodArn(undefined)).to.equal(false);
    });
  });

  describe("the result", () => {
    it("allows exactly the route connected to, with the identity as scalar context values", () => {
      expect(buildAllowPolicy(METHOD_ARN, makeIdentity())).to.deep.equal({
        principalId: "sub-alice",
        policyDocument: {
          Version: "2012-10-17",
          Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: METHOD_ARN }],
        },
        context: {
          sub: "sub-alice",
          username: "alice",
          groups: '["admin","dev"]',
          scopes: "[]",
          exp: 1_900_000_000,
          token_use: "id",
        },
      });
    });

    it("carries the token's scopes as a JSON array in one string, as groups are carried", () => {
      const scopes = ["chat/read", "chat/write", 'odd "scope"'];
      const context = buildAllowPolicy(METHOD_ARN, makeIdentity({ scopes })).context;
      expect(context?.scopes).to.be.a("string");
      expect(JSON.parse(String(context?.scopes))).to.deep.equal(scopes);
    });

    it("denies the route with the same context when the caller is refused by policy", () => {
      const result = buildDenyPolicy(METHOD_ARN, makeIdentity({ groups: [] }));
      expect(result.policyDocument).to.deep.equal({
        Version: "2012-10-17",
        Statement: [{ Action: "execute-api:Invoke", Effect: "Deny", Resource: METHOD_ARN }],
      });
      expect(result.context).to.deep.include({ sub: "sub-alice", groups: "[]" });
    });

    it("keeps group names with commas and quotes whole, as a JSON array in one string", () => {
      const groups = ["a,b", 'say "hi"'];
      const context = buildAllowPolicy(METHOD_ARN, makeIdentity({ groups })).context;
      expect(JSON.parse(String(context?.groups))).to.deep.equal(groups);
    });
  });

  describe(`the ${MAX_RESULT_BYTES}-byte limit API Gateway puts on the result`, () => {
    it("sends a small result", () => {
      expect(buildAllowPolicy(METHOD_ARN, makeIdentity()).principalId).to.equal("sub-alice");
    });

    it(`sends a result of exactly ${MAX_RESULT_BYTES} bytes and refuses one a byte over`, () => {
      const grow = GROWN_FIELDS.username as Grow;
      const exact = textForResultOf(grow, "a", MAX_RESULT_BYTES);
      expect(Buffer.byteLength(JSON.stringify(buildGrown(grow, exact)))).to.equal(MAX_RESULT_BYTES);
      expect(refusal(() => buildGrown(grow, `${exact}a`)).reason).to.equal("result_too_large");
    });

    for (const [field, grow] of Object.entries(GROWN_FIELDS)) {
      it(`refuses a result just over the limit, grown in the ${field}`, () => {
        const text = textForResultOf(grow, "a", MAX_RESULT_BYTES + 1);
        expect(refusal(() => buildGrown(grow, text)).reason).to.equal("result_too_large");
      });

      it(`refuses a result just over the limit, grown in the ${field} by characters JSON escapes to 6 bytes`, () => {
        const text = textForResultOf(grow, "\u0001", MAX_RESULT_BYTES + 1);
        expect(refusal(() => buildGrown(grow, text)).reason).to.equal("result_too_large");
      });
    }

    it("counts multi-byte characters by their UTF-8 bytes", () => {
      const grow = GROWN_FIELDS.username as Grow;
      const text = textForResultOf(grow, "語", MAX_RESULT_BYTES + 1);
      expect(text.length).to.be.below(MAX_RESULT_BYTES / 2);
      expect(refusal(() => buildGrown(grow, text)).reason).to.equal("result_too_large");
    });

    it("says in the rejection how large the result was and what the limit is", () => {
      const grow = GROWN_FIELDS.username as Grow;
      const text = textForResultOf(grow, "a", MAX_RESULT_BYTES + 10);
      expect(refusal(() => buildGrown(grow, text)).message).to.include(`${MAX_RESULT_BYTES + 10} bytes`);
      expect(refusal(() => buildGrown(grow, text)).message).to.include(String(MAX_RESULT_BYTES));
    });

    it("refuses a denial over the limit too", () => {
      // "Deny" is a byte shorter than "Allow".
      const text = textForResultOf(GROWN_FIELDS.username as Grow, "a", MAX_RESULT_BYTES + 2);
      expect(refusal(() => buildDenyPolicy(METHOD_ARN, makeIdentity({ username: text }))).reason).to.equal(
        "result_too_large",
      );
    });
  });

  describe("required groups", () => {
    it("let every verified caller in when none are required", () => {
      expect(isInRequiredGroups(makeIdentity({ groups: [] }), [])).to.equal(true);
    });

    it("let a caller in who has at least one of them", () => {
      expect(isInRequiredGroups(makeIdentity({ groups: ["dev", "ops"] }), ["admin", "ops"])).to.equal(true);
    });

    it("keep out a caller who has none of them, or no groups at all", () => {
      expect(isInRequiredGroups(makeIdentity({ groups: ["dev"] }), ["admin", "ops"])).to.equal(false);
      expect(isInRequiredGroups(makeIdentity({ groups: [] }), ["admin"])).to.equal(false);
    });

    it("compare group names exactly, without case folding or trimming", () => {
      expect(isInRequiredGroups(makeIdentity({ groups: ["Admin", " admin"] }), ["admin"])).to.equal(false);
    });
  });
});
