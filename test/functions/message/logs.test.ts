import { expect } from "chai";
import sinon from "sinon";
import { handleConnect } from "../../../functions/connect/handle-connect.ts";
import { handleDisconnect } from "../../../functions/disconnect/handle-disconnect.ts";
import { handleMessage, MAX_LOGGED_ACTION } from "../../../functions/message/handle-message.ts";
import type { ConnectionRecord } from "../../../functions/shared/registry.ts";
import { makeRouteEvent } from "../../../local/gateway/sample-events.ts";
import { captureLogSink, LogCollector } from "../../support/logs.ts";

describe("handler log lines", () => {
  const logs = new LogCollector();
  let release: () => void;
  const connections = () => ({ post: sinon.stub().resolves(true), close: sinon.stub().resolves(true) });
  // The registry's own behaviour is tested against moto (test/functions/shared/registry.int.test.ts); here only the log lines.
  const records = new Map<string, ConnectionRecord>();
  const registry = {
    register: async (record: ConnectionRecord) => void records.set(record.connectionId, record),
    remove: async (connectionId: string) => void records.delete(connectionId),
    lookup: async (connectionId: string) => records.get(connectionId),
  };
  beforeEach(() => {
    logs.lines.length = 0;
    records.clear();
    const connectedAt = Date.now();
    const exp = Math.floor(connectedAt / 1000) + 600;
    records.set("conn-1=", {
      connectionId: "conn-1=",
      sub: "sub-alice",
      username: "alice",
      exp,
      connectedAt,
      endpoint: "https://example",
    });
    release = captureLogSink(logs.collect);
  });
  afterEach(() => release());

  it("logs at most 64 characters of the client's action", async () => {
    const action = `${"a".repeat(MAX_LOGGED_ACTION)}SECRET-TAIL`;
    await handleMessage(
      makeRouteEvent({ body: JSON.stringify({ action }) }),
      connections(),
      registry,
      Date.now() / 1000,
      "req-m",
    );
    const line = logs.parsed().find((entry) => entry.message === "message");
    expect(MAX_LOGGED_ACTION).to.equal(64);
    expect(line?.action).to.equal("a".repeat(64));
    expect(logs.lines.join("\n")).to.not.include("SECRET-TAIL");
  });

  it("carries Lambda's awsRequestId on every line of the message, connect and disconnect handlers", async () => {
    await handleMessage(
      makeRouteEvent({ body: '{"action":"hi"}' }),
      connections(),
      registry,
      Date.now() / 1000,
      "req-m",
    );
    await handleMessage(makeRouteEvent({ body: "x" }), connections(), registry, Date.now() / 1000 + 10_000, "req-m");
    await handleConnect(makeRouteEvent({ eventType: "CONNECT", routeKey: "$connect" }), registry, "eu-west-1", "req-m");
    await handleDisconnect(makeRouteEvent({ eventType: "DISCONNECT", routeKey: "$disconnect" }), registry, "req-m");
    const lines = logs.parsed();
    expect(lines.length).to.be.at.least(4);
    for (const line of lines) expect(line.awsRequestId, JSON.stringify(line)).to.equal("req-m");
  });
});
