import { expect } from "chai";
import sinon from "sinon";
import { handler as connect, selectSubprotocol } from "../../../functions/connect/index.ts";
import { handler as disconnect } from "../../../functions/disconnect/index.ts";
import { makeRouteEvent } from "../../../local/gateway/sample-events.ts";
import { captureLogSink, LogCollector } from "../../support/logs.ts";

describe("connect and disconnect handlers", () => {
  const logs = new LogCollector();
  let releaseLogs: () => void;
  beforeEach(() => {
    logs.lines.length = 0;
    releaseLogs = captureLogSink(logs.collect);
  });
  afterEach(() => {
    releaseLogs();
    sinon.restore();
  });

  it("echoes the bearer subprotocol, never the token offered beside it", async () => {
    const event = makeRouteEvent({ routeKey: "$connect", eventType: "CONNECT", headers: { "Sec-WebSocket-Protocol": "bearer, eyJ.a.b" } });
    expect(await connect(event)).to.deep.equal({ statusCode: 200, headers: { "Sec-WebSocket-Protocol": "bearer" } });
  });

  it("returns no subprotocol when the client offered none", async () => {
    expect(await connect(makeRouteEvent({ routeKey: "$connect", eventType: "CONNECT" }))).to.deep.equal({ statusCode: 200 });
    expect(selectSubprotocol({ "sec-websocket-protocol": "chat" })).to.equal(undefined);
  });

  it("logs who connected and who disconnected", async () => {
    await connect(makeRouteEvent({ routeKey: "$connect", eventType: "CONNECT" }));
    await disconnect(makeRouteEvent({ routeKey: "$disconnect", eventType: "DISCONNECT" }));
    const lines = logs.parsed();
    expect(lines.map((line) => [line.message, line.username])).to.deep.equal([["connected", "alice"], ["disconnected", "alice"]]);
  });
});
