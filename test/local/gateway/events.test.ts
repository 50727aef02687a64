import { expect } from "chai";
import {
  buildConnectEvent,
  buildDisconnectEvent,
  buildMessageEvent,
  type ConnectionFacts,
  formatRequestTime,
  makeGatewayId,
  readHandshakeRequest,
} from "../../../local/gateway/events.ts";

function makeFacts(overrides: Partial<ConnectionFacts> = {}): ConnectionFacts {
  return {
    connectionId: "L0SM9cOFvHcCIhw=",
    connectedAt: Date.UTC(2019, 1, 9, 11, 13, 4),
    domainName: "127.0.0.1:3001",
    stage: "dev",
    apiId: "local0api1",
    region: "eu-west-1",
    accountId: "123456789012",
    sourceIp: "127.0.0.1",
    userAgent: "wscat",
    ...overrides,
  };
}

describe("gateway events", () => {
  it("formats requestTime as API Gateway does", () => {
    expect(formatRequestTime(Date.UTC(2019, 1, 9, 11, 13, 4))).to.equal("09/Feb/2019:11:13:04 +0000");
  });

  it("makes ids shaped like API Gateway's connection ids", () => {
    expect(makeGatewayId()).to.match(/^[A-Za-z0-9+/]{15}=$/);
  });

  it("keeps header names as the client wrote them and every value of a repeated header", () => {
    const request = readHandshakeRequest(
      ["Host", "h", "X-Tag", "a", "X-Tag", "b"],
      new URL("http://g/dev?q=1&q=2"),
      "127.0.0.1",
    );
    expect(request.headers).to.deep.equal({ Host: "h", "X-Tag": "b" });
    expect(request.multiValueHeaders["X-Tag"]).to.deep.equal(["a", "b"]);
    expect(request.queryStringParameters).to.deep.equal({ q: "2" });
    expect(request.multiValueQueryStringParameters).to.deep.equal({ q: ["1", "2"] });
  });

  it("leaves the query out of the $connect event when there is none", () => {
    const request = readHandshakeRequest(["Host", "h"], new URL("http://g/dev"), "127.0.0.1");
    expect(buildConnectEvent(request, makeFacts(), undefined)).to.not.have.property("queryStringParameters");
  });

  it("gives a message event its route, body, messageId and the authoriser's fields", () => {
    const event = buildMessageEvent(
      makeFacts(),
      "$default",
      '{"a":1}',
      { principalId: "u", username: "al" },
      1000,
    ) as any;
    expect(event).to.include({ body: '{"a":1}', isBase64Encoded: false });
    expect(event.requestContext).to.include({
      routeKey: "$default",
      eventType: "MESSAGE",
      connectionId: "L0SM9cOFvHcCIhw=",
      requestTimeEpoch: 1000,
    });
    expect(event.requestContext.authorizer).to.deep.equal({ principalId: "u", username: "al" });
    expect(event.requestContext.identity).to.deep.equal({ userAgent: "wscat", sourceIp: "127.0.0.1" });
    expect(event.requestContext.messageId).to.be.a("string");
  });

  it("tells $disconnect the close code and reason", () => {
    const event = buildDisconnectEvent(makeFacts(), 1001, "Going away", undefined) as any;
    expect(event.requestContext).to.include({
      routeKey: "$disconnect",
      eventType: "DISCONNECT",
      disconnectStatusCode: 1001,
      disconnectReason: "Going away",
    });
    expect(event.requestContext).to.not.have.property("authorizer");
  });
});
