import { expect } from "chai";
import sinon from "sinon";
import { handleMessage } from "../../../functions/message/handle-message.ts";
import { encodeReply, MAX_POST_BYTES } from "../../../functions/message/reply.ts";
import type { Connections } from "../../../functions/shared/management-api.ts";
import { makeRouteEvent } from "../../../local/gateway/sample-events.ts";
import { captureLogSink, LogCollector } from "../../support/logs.ts";

const registry = {
  lookup: async (connectionId: string) => ({
    connectionId,
    sub: "sub-alice",
    username: "alice",
    exp: Math.floor(Date.now() / 1000) + 600,
    connectedAt: 0,
    endpoint: "",
  }),
};

/** 60,000 nested arrays: 120 KB, under API Gateway's 128 KB, and JSON that JSON.parse accepts. */
const DEEP = `${"[".repeat(60_000)}${"]".repeat(60_000)}`;

describe("message handler: JSON it cannot echo", () => {
  const logs = new LogCollector();
  let releaseLogs: () => void;
  beforeEach(() => {
    logs.lines.length = 0;
    releaseLogs = captureLogSink(logs.collect);
  });
  afterEach(() => releaseLogs());

  it("answers 60,000 nested arrays with a clear error instead of throwing", async () => {
    const connections = { post: sinon.stub().resolves(true), close: sinon.stub().resolves(true) };
    const result = await handleMessage(makeRouteEvent({ body: DEEP }), connections as Connections, registry);
    expect(result).to.deep.equal({ statusCode: 200 });
    expect(connections.post.calledOnce).to.equal(true);
    expect(JSON.parse(connections.post.firstCall.args[1] as string)).to.deep.equal({
      type: "error",
      error: "cannot_echo",
      reason: "too_deeply_nested",
    });
    expect(connections.close.called, "the connection stays open").to.equal(false);
    const line = logs.parsed().find((entry) => entry.message === "message not echoed");
    expect(line).to.include({ level: "WARN", reason: "too_deeply_nested" });
  });

  it("refuses to echo a reply over PostToConnection's 128 KB, which the Management API would reject", () => {
    const received = "x".repeat(MAX_POST_BYTES);
    const encoded = encodeReply({
      type: "reply",
      from: { username: "a", sub: "s", groups: [] },
      action: "$default",
      received,
    });
    expect(encoded.refused).to.equal("too_large");
    expect(JSON.parse(encoded.text)).to.deep.equal({ type: "error", error: "cannot_echo", reason: "too_large" });
  });

  it("echoes a reply within the limits unchanged", () => {
    const reply = {
      type: "reply",
      from: { username: "a", sub: "s", groups: [] },
      action: "hi",
      received: [[[1]]],
    } as const;
    expect(encodeReply(reply)).to.deep.equal({ text: JSON.stringify(reply) });
  });
});
