import { expect } from "chai";
import {
  HIDDEN_BY_COGNITO,
  MAX_LIMIT,
  parseRevokeRequest,
  RevokeInputError,
} from "../../../functions/revoke/request.ts";
import { makeSignOutEvent } from "./support/events.ts";

describe("revoke: what it is asked", () => {
  it("takes a sub: all of a user's connections, up to the largest page", () => {
    expect(parseRevokeRequest({ sub: "sub-alice", requestedBy: "ops:jane" })).to.deep.equal({
      kind: "direct",
      target: { sub: "sub-alice" },
      requestedBy: "ops:jane",
      limit: MAX_LIMIT,
    });
  });

  it("takes an origin_jti: one sign-in session's connections, with a smaller limit when asked", () => {
    expect(parseRevokeRequest({ origin_jti: "oj-1", limit: 5 })).to.deep.equal({
      kind: "direct",
      target: { originJti: "oj-1" },
      requestedBy: undefined,
      limit: 5,
    });
  });

  const refused: Array<[string, unknown, RegExp]> = [
    ["not an object", "sub-alice", /expected a JSON object/],
    ["null", null, /expected a JSON object/],
    ["an array", [{ sub: "a" }], /expected a JSON object/],
    ["neither sub nor origin_jti", {}, /exactly one of "sub".*"origin_jti"/],
    ["both sub and origin_jti", { sub: "a", origin_jti: "b" }, /exactly one of/],
    ["an unknown field", { sub: "a", token: "eyJ..." }, /unknown field\(s\) token/],
    ["an empty sub", { sub: "" }, /sub must be a string of 1-255/],
    ["a numeric sub", { sub: 42 }, /sub must be a string/],
    ["a sub past 255 characters", { sub: "s".repeat(256) }, /sub must be a string of 1-255/],
    ["a control character", { origin_jti: "a\nb" }, /origin_jti must not hold control characters/],
    ["a limit of 0", { sub: "a", limit: 0 }, /limit must be a whole number from 1 to 1000/],
    ["a limit past the page", { sub: "a", limit: MAX_LIMIT + 1 }, /limit must be/],
    ["a fractional limit", { sub: "a", limit: 1.5 }, /limit must be/],
    ["a non-string requestedBy", { sub: "a", requestedBy: { arn: "x" } }, /requestedBy must be a string/],
  ];
  for (const [what, event, message] of refused) {
    it(`refuses ${what} with a RevokeInputError naming the problem`, () => {
      expect(() => parseRevokeRequest(event)).to.throw(RevokeInputError, message);
    });
  }

  it("never repeats a long or odd field name (a token pasted as a key) in its error", () => {
    const token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU";
    expect(() => parseRevokeRequest({ sub: "a", [token]: true, user: "x" }))
      .to.throw(RevokeInputError, /unknown field\(s\) user, 1 other:/)
      .with.property("message")
      .that.does.not.include("eyJ");
  });

  it("reads CloudTrail's AdminUserGlobalSignOut as EventBridge delivers it: pool, username, who signed the user out", () => {
    expect(parseRevokeRequest(makeSignOutEvent({ username: "alice@example.com" }))).to.deep.equal({
      kind: "sign_out",
      userPoolId: "eu-west-1_Example1",
      username: "alice@example.com",
      requestedBy: "arn:aws:iam::123456789012:role/support-desk",
      eventId: "3f2a5d7e-0000-4000-8000-000000000001",
    });
  });

  it("refuses a CloudTrail event of another call, or one whose username Cognito hid", () => {
    const other = makeSignOutEvent();
    other.detail.eventName = "GlobalSignOut";
    expect(() => parseRevokeRequest(other)).to.throw(RevokeInputError, /AdminUserGlobalSignOut/);
    expect(() => parseRevokeRequest(makeSignOutEvent({ username: HIDDEN_BY_COGNITO }))).to.throw(
      RevokeInputError,
      /Cognito hid the username/,
    );
    const noParameters = makeSignOutEvent();
    (noParameters.detail as { requestParameters?: unknown }).requestParameters = null;
    expect(() => parseRevokeRequest(noParameters)).to.throw(RevokeInputError, /no requestParameters/);
  });
});
