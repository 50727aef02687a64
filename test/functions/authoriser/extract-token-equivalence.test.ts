import { expect } from "chai";
import fc from "fast-check";
import type { APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { Rejection } from "../../../functions/authoriser/errors.ts";
import { extractToken } from "../../../functions/authoriser/extract-token.ts";
import { referenceExtractToken } from "./support/extract-token-reference.ts";

const piece = fc.constantFrom("bearer", "Bearer", "tokA", "tokB", "", " ", ",", " , ", "\t", "chat", "x".repeat(20));
const value = fc.array(piece, { maxLength: 6 }).map((parts) => parts.join(""));
const headerName = fc.constantFrom(
  "authorization",
  "Authorization",
  "AUTHORIZATION",
  "sec-websocket-protocol",
  "Sec-WebSocket-Protocol",
  "authorisation",
  "host",
);
const authValue = fc.oneof(
  value,
  fc.constantFrom("Bearer tokA", "bearer\ttokB ", "Bearer  tokA\t", "Bearer", "Basic tokA"),
);
const headers = fc.dictionary(headerName, fc.oneof(value, authValue), { maxKeys: 4 });
const multiHeaders = fc.option(
  fc.dictionary(headerName, fc.array(fc.oneof(value, authValue), { maxLength: 3 }), { maxKeys: 3 }),
  { nil: undefined },
);
const query = fc.option(fc.dictionary(fc.constantFrom("auth", "token"), fc.constantFrom("tokA", "tokB", "")), {
  nil: undefined,
});
const multiQuery = fc.option(
  fc.dictionary(fc.constantFrom("auth", "token"), fc.array(fc.constantFrom("tokA", "tokB", ""), { maxLength: 3 })),
  { nil: undefined },
);

function outcome(extract: typeof extractToken, event: APIGatewayRequestAuthorizerEvent): unknown {
  try {
    return extract(event, "auth");
  } catch (err) {
    expect(err).to.be.instanceOf(Rejection);
    return { reason: (err as Rejection).reason };
  }
}

describe("token extraction without intermediate arrays", () => {
  it("decides every request as the array-building version did", () => {
    fc.assert(
      fc.property(headers, multiHeaders, query, multiQuery, (plain, multi, single, multiQ) => {
        const event = {
          type: "REQUEST",
          methodArn: "arn:aws:execute-api:eu-west-1:123456789012:abc/dev/$connect",
          headers: plain,
          ...(multi === undefined ? {} : { multiValueHeaders: multi }),
          ...(single === undefined ? {} : { queryStringParameters: single }),
          ...(multiQ === undefined ? {} : { multiValueQueryStringParameters: multiQ }),
        } as unknown as APIGatewayRequestAuthorizerEvent;
        expect(outcome(extractToken, event)).to.deep.equal(outcome(referenceExtractToken, event));
      }),
      { numRuns: 3000 },
    );
  });
});
