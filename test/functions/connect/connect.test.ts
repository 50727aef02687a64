import { expect } from "chai";
import sinon from "sinon";
import { type ConnectEvent, handleConnect, selectSubprotocol } from "../../../functions/connect/handle-connect.ts";
import { handleDisconnect } from "../../../functions/disconnect/handle-disconnect.ts";
import type { ConnectionRecord } from "../../../functions/shared/registry.ts";
import { makeRouteEvent } from "../../../local/gateway/sample-events.ts";
import { captureLogSink, LogCollector } from "../../support/logs.ts";

describe("connect and disconnect handlers", () => {
  // Only the call shapes here; the registry itself is tested against moto's DynamoDB (test/functions/shared/registry.int.test.ts).
  const registered: ConnectionRecord[] = [];
  const removed: string[] = [];
  const registry = {
    register: async (record: ConnectionRecord) => void registered.push(record),
    remove: async (connectionId: string) => void removed.push(connectionId),
  };
  const connect = (event: ConnectEvent) => handleConnect(event, registry, "eu-west-1");
  const disconnect = (event: Parameters<typeof handleDisconnect>[0]) => handleDisconnect(event, registry);
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
    const event = makeRouteEvent({
      routeKey: "$connect",
      eventType: "CONNECT",
      headers: { "Sec-WebSocket-Protocol": "bearer, eyJ.a.b" },
    });
    expect(await connect(event)).to.deep.equal({ statusCode: 200, headers: { "Sec-WebSocket-Protocol": "bearer" } });
  });

  it("returns no subprotocol when the client offered none", async () => {
    expect(await connect(makeRouteEvent({ routeKey: "$connect", eventType: "CONNECT" }))).to.deep.equal({
      statusCode: 200,
    });
    expect(selectSubprotocol({ "sec-websocket-protocol": "chat" })).to.equal(undefined);
  });

  it("logs who connected and who disconnected", async () => {
    await connect(makeRouteEvent({ routeKey: "$connect", eventType: "CONNECT" }));
    await disconnect(makeRouteEvent({ routeKey: "$disconnect", eventType: "DISCONNECT" }));
    const lines = logs.parsed();
    expect(lines.map((line) => [line.message, line.username])).to.deep.equal([
      ["connected", "alice"],
      ["disconnected", "alice"],
    ]);
  });

  it("registers the caller's sub, username, exp and the API's Management endpoint, and removes it on disconnect", async () => {
    registered.length = 0;
    removed.length = 0;
    const event = makeRouteEvent({ routeKey: "$connect", eventType: "CONNECT", connectionId: "c-1=" });
    await connect(event);
    await disconnect(makeRouteEvent({ routeKey: "$disconnect", eventType: "DISCONNECT", connectionId: "c-1=" }));
    const exp = Number((event.requestContext as unknown as { authorizer: { exp: number } }).authorizer.exp);
    expect(registered).to.have.length(1);
    expect(registered[0]).to.deep.include({ connectionId: "c-1=", sub: "sub-alice", username: "alice", exp });
    expect(registered[0]?.endpoint).to.match(/^https:\/\/[a-z0-9]+\.execute-api\.eu-west-1\.amazonaws\.com\/dev$/);
    expect(removed).to.deep.equal(["c-1="]);
  });

  it("registers the token's groups, and its scopes only when the authoriser's context carries them", async () => {
    registered.length = 0;
    await connect(makeRouteEvent({ routeKey: "$connect", eventType: "CONNECT" }));
    expect(registered[0]).to.deep.include({ groups: ["admin", "dev"] });
    expect(registered[0]).to.not.have.property("scopes");
    const withScopes = { sub: "s", username: "u", groups: "[]", scopes: '["chat.read"]', exp: 2_000_000_000 };
    await connect(makeRouteEvent({ routeKey: "$connect", eventType: "CONNECT", authorizer: withScopes }));
    expect(registered[1]).to.deep.include({ groups: [], scopes: ["chat.read"] });
  });

  it("registers the token's origin_jti when the authoriser's context carries one, and none otherwise", async () => {
    registered.length = 0;
    const context = { sub: "s", username: "u", groups: "[]", exp: 2_000_000_000 };
    await connect(
      makeRouteEvent({ routeKey: "$connect", eventType: "CONNECT", authorizer: { ...context, origin_jti: "oj-1" } }),
    );
    await connect(makeRouteEvent({ routeKey: "$connect", eventType: "CONNECT", authorizer: context }));
    expect(registered[0]).to.deep.include({ originJti: "oj-1" });
    expect(registered[1]).to.not.have.property("originJti");
  });

  for (const exp of [undefined, "", "soon", "NaN", "Infinity"]) {
    it(`refuses a connection whose context carries no finite exp (${JSON.stringify(exp)}), registering nothing`, async () => {
      registered.length = 0;
      const authorizer = { sub: "s", username: "u", groups: "[]", ...(exp === undefined ? {} : { exp }) };
      expect(await connect(makeRouteEvent({ routeKey: "$connect", eventType: "CONNECT", authorizer }))).to.deep.equal({
        statusCode: 403,
      });
      expect(registered).to.have.length(0);
    });
  }

  it("refuses a connection without an authoriser context, registering nothing", async () => {
    registered.length = 0;
    expect(
      await connect(makeRouteEvent({ routeKey: "$connect", eventType: "CONNECT", authorizer: undefined })),
    ).to.deep.equal({ statusCode: 403 });
    expect(registered).to.have.length(0);
  });

  describe("connection metrics (EMF)", () => {
    const emf = () =>
      logs
        .parsed()
        .filter((line) => "_aws" in line)
        .map(({ _aws, ...rest }) => rest);

    it("counts an open, under the registry's table", async () => {
      const withTable = { ...registry, tableName: "s-connections" };
      await handleConnect(makeRouteEvent({ routeKey: "$connect", eventType: "CONNECT" }), withTable, "eu-west-1");
      expect(emf()).to.deep.equal([{ ConnectionsTable: "s-connections", ConnectionsOpened: 1 }]);
    });

    it("counts no open for a refused connection", async () => {
      const withTable = { ...registry, tableName: "s-connections" };
      const authorizer = { sub: "s", username: "u", groups: "[]" };
      await handleConnect(makeRouteEvent({ routeKey: "$connect", eventType: "CONNECT", authorizer }), withTable);
      expect(emf()).to.deep.equal([]);
    });

    it("counts a client close only when the item was there and no function said it was closing it", async () => {
      const item = (closedBy?: string): ConnectionRecord => ({
        connectionId: "c",
        sub: "s",
        username: "u",
        exp: 1,
        connectedAt: 0,
        endpoint: "",
        ...(closedBy === undefined ? {} : { closedBy }),
      });
      const event = makeRouteEvent({ routeKey: "$disconnect", eventType: "DISCONNECT" });
      for (const removed of [item(), item("refresh_refused"), undefined]) {
        await handleDisconnect(event, { tableName: "s-connections", remove: async () => removed });
      }
      await handleDisconnect(event, {
        tableName: "s-connections",
        remove: async () => Promise.reject(new Error("throttled")),
      });
      expect(emf()).to.deep.equal([{ ConnectionsTable: "s-connections", Reason: "client", ConnectionsClosed: 1 }]);
    });
  });
});
