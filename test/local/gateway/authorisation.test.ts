import { expect } from "chai";
import {
  decideAuthorisation,
  evaluatePolicy,
  findMissingIdentitySource,
} from "../../../local/gateway/authorisation.ts";
import { readHandshakeRequest } from "../../../local/gateway/events.ts";
import type { IdentitySource } from "../../../local/api-description.ts";

const ARN = "arn:aws:execute-api:eu-west-1:123456789012:local0api1/dev/$connect";

function makePolicy(
  effect: "Allow" | "Deny",
  resource: string | string[] = ARN,
  action: string | string[] = "execute-api:Invoke",
) {
  return { Version: "2012-10-17", Statement: [{ Effect: effect, Action: action, Resource: resource }] };
}

function makeResult(value: unknown) {
  return { ok: true as const, value };
}

function makeRequest(query: string, headers: string[] = []) {
  return readHandshakeRequest(headers, new URL(`http://gateway/dev${query}`), "127.0.0.1");
}

const querySource: IdentitySource = { kind: "querystring", name: "auth", expression: "route.request.querystring.auth" };
const protocolSource: IdentitySource = {
  kind: "header",
  name: "Sec-WebSocket-Protocol",
  expression: "route.request.header.Sec-WebSocket-Protocol",
};

describe("gateway authorisation decisions", () => {
  it("answers 401 when the authoriser throws Unauthorized", () => {
    expect(decideAuthorisation({ ok: false, errorType: "Error", errorMessage: "Unauthorized" }, ARN, 1)).to.include({
      allowed: false,
      status: 401,
    });
  });

  it("answers 500 when the authoriser fails any other way", () => {
    expect(
      decideAuthorisation({ ok: false, errorType: "Sandbox.Timedout", errorMessage: "Task timed out" }, ARN, 1),
    ).to.include({ status: 500 });
  });

  it("answers 500 when Lambda throttles the authoriser, as API Gateway's default 5XX for a failed authoriser", () => {
    const throttled = { ok: false as const, errorType: "TooManyRequestsException", errorMessage: "Rate Exceeded" };
    expect(decideAuthorisation(throttled, ARN, 1)).to.deep.equal({
      allowed: false,
      status: 500,
      reason: "authoriser throttled: TooManyRequestsException",
    });
  });

  it("answers 403 for a Deny policy", () => {
    expect(
      decideAuthorisation(makeResult({ principalId: "u", policyDocument: makePolicy("Deny") }), ARN, 1),
    ).to.include({ status: 403 });
  });

  it("answers 403 when the principalId is missing or empty", () => {
    expect(decideAuthorisation(makeResult({ policyDocument: makePolicy("Allow") }), ARN, 1)).to.include({
      status: 403,
    });
    expect(
      decideAuthorisation(makeResult({ principalId: "", policyDocument: makePolicy("Allow") }), ARN, 1),
    ).to.include({ status: 403 });
  });

  it("answers 500 for a result that is no policy at all", () => {
    expect(decideAuthorisation(makeResult("yes"), ARN, 1)).to.include({ status: 500 });
    expect(
      decideAuthorisation(
        makeResult({ principalId: "u", policyDocument: { Statement: [{ Effect: "Maybe" }] } }),
        ARN,
        1,
      ),
    ).to.include({ status: 500 });
  });

  it("answers 500 when the context holds an object, which API Gateway refuses", () => {
    const result = makeResult({ principalId: "u", policyDocument: makePolicy("Allow"), context: { groups: ["a"] } });
    expect(decideAuthorisation(result, ARN, 1)).to.include({ status: 500 });
  });

  it("allows with principalId, integrationLatency and every context value as a string", () => {
    const result = makeResult({
      principalId: "u1",
      policyDocument: makePolicy("Allow"),
      context: { exp: 1700000000, admin: true, username: "al" },
    });
    expect(decideAuthorisation(result, ARN, 7)).to.deep.equal({
      allowed: true,
      authorizer: { exp: "1700000000", admin: "true", username: "al", principalId: "u1", integrationLatency: 7 },
    });
  });

  it("matches wildcards in a policy's resources and actions", () => {
    expect(
      evaluatePolicy(makePolicy("Allow", "arn:aws:execute-api:eu-west-1:123456789012:local0api1/*"), ARN),
    ).to.equal("Allow");
    expect(evaluatePolicy(makePolicy("Allow", ARN, "execute-api:*"), ARN)).to.equal("Allow");
    expect(evaluatePolicy(makePolicy("Allow", "arn:aws:execute-api:eu-west-1:123456789012:other/*"), ARN)).to.equal(
      "none",
    );
  });

  it("lets an explicit Deny win over an Allow", () => {
    const policy = {
      Version: "2012-10-17",
      Statement: [...makePolicy("Allow").Statement, ...makePolicy("Deny", "*").Statement],
    };
    expect(evaluatePolicy(policy, ARN)).to.equal("Deny");
  });

  it("finds an identity source that is absent or empty", () => {
    expect(findMissingIdentitySource([querySource], makeRequest("?auth=abc"))).to.equal(undefined);
    expect(findMissingIdentitySource([querySource], makeRequest("?auth="))).to.equal(querySource);
    expect(findMissingIdentitySource([querySource], makeRequest("?other=1"))).to.equal(querySource);
  });

  it("looks a header identity source up without regard to case", () => {
    expect(
      findMissingIdentitySource([protocolSource], makeRequest("", ["sec-websocket-protocol", "bearer, t"])),
    ).to.equal(undefined);
    expect(findMissingIdentitySource([protocolSource], makeRequest("", ["Host", "x"]))).to.equal(protocolSource);
  });
});
