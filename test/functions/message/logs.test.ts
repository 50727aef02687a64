import { expect } from "chai";
import sinon from "sinon";
import { handler as connect } from "../../../functions/connect/index.ts";
import { handler as disconnect } from "../../../functions/disconnect/index.ts";
import { handleMessage, MAX_LOGGED_ACTION } from "../../../functions/message/handle-message.ts";
import { makeRouteEvent } from "../../../local/gateway/sample-events.ts";
import { captureLogSink, LogCollector } from "../../support/logs.ts";

describe("handler log lines", () => {
  const logs = new LogCollector();
  let release: () => void;
  const connections = () => ({ post: sinon.stub().resolves(true), close: sinon.stub().resolves(true) });
  beforeEach(() => {
    logs.lines.length = 0;
    release = captureLogSink(logs.collect);
  });
  afterEach(() => release());

  it("logs at most 64 characters of the client's action", async () => {
    const action = `${"a".repeat(MAX_LOGGED_ACTION)}SECRET-TAIL`;
    await handleMessage(makeRouteEvent({ body: JSON.stringify({ action }) }), connections(), Date.now() / 1000, "req-m");
    const line = logs.parsed().find((entry) => entry.message === "message");
    expect(MAX_LOGGED_ACTION).to.equal(64);
    expect(line?.action).to.equal("a".repeat(64));
    expect(logs.lines.join("\n")).to.not.include("SECRET-TAIL");
  });

  it("carries Lambda's awsRequestId on every line of the message, connect and disconnect handlers", async () => {
    await handleMessage(makeRouteEvent({ body: '{"action":"hi"}' }), connections(), Date.now() / 1000, "req-m");
    await handleMessage(makeRouteEvent({ body: "x" }), connections(), Date.now() / 1000 + 10_000, "req-m");
    await connect(makeRouteEvent({ eventType: "CONNECT", routeKey: "$connect" }) as never, { awsRequestId: "req-m" } as never);
    await disconnect(makeRouteEvent({ eventType: "DISCONNECT", routeKey: "$disconnect" }), { awsRequestId: "req-m" } as never);
    const lines = logs.parsed();
    expect(lines.length).to.be.at.least(4);
    for (const line of lines) expect(line.awsRequestId, JSON.stringify(line)).to.equal("req-m");
  });
});
