import { expect } from "chai";
import sinon from "sinon";
import type { Connections } from "../../../functions/shared/management-api.ts";
import { managementEndpoint } from "../../../functions/shared/management-api.ts";
import { handleMessage } from "../../../functions/message/handle-message.ts";
import { parseRouteRequirements } from "../../../functions/shared/route-authorisation.ts";
import type { ConnectionRecord, ConnectionRegistry } from "../../../functions/shared/registry.ts";
import { makeRouteEvent } from "../../../local/gateway/sample-events.ts";
import { captureLogSink, LogCollector } from "../../support/logs.ts";

/**
 * Answers as a registry item of the old shape (no identity fields) written at $connect from this same authoriser
 * context would, or with `identity` as a refresh stored it.
 */
function registryOf(
  exp?: number,
  sub = "sub-alice",
  identity: Partial<ConnectionRecord> = {},
): Pick<ConnectionRegistry, "lookup"> & { lookups: string[] } {
  const lookups: string[] = [];
  return {
    lookups,
    lookup: async (connectionId: string) => {
      lookups.push(connectionId);
      if (exp === undefined) return undefined;
      return { connectionId, sub, username: "alice", exp, connectedAt: 0, endpoint: "", ...identity };
    },
  };
}

const inTenMinutes = () => Math.floor(Date.now() / 1000) + 600;

function stubConnections(): Connections & { post: sinon.SinonStub; close: sinon.SinonStub } {
  return { post: sinon.stub().resolves(true), close: sinon.stub().resolves(true) };
}

describe("message handler", () => {
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

  it("replies to the sender with who they are and what they sent", async () => {
    const connections = stubConnections();
    const result = await handleMessage(
      makeRouteEvent({ body: '{"action":"hello","text":"hi"}' }),
      connections,
      registryOf(inTenMinutes()),
    );
    expect(result).to.deep.equal({ statusCode: 200 });
    expect(connections.post.calledOnce).to.equal(true);
    const [connectionId, data] = connections.post.firstCall.args as [string, string];
    expect(connectionId).to.equal("conn-1=");
    expect(JSON.parse(data)).to.deep.equal({
      type: "reply",
      from: { username: "alice", sub: "sub-alice", groups: ["admin", "dev"] },
      action: "hello",
      received: { action: "hello", text: "hi" },
    });
  });

  it("answers with the identity the registry holds (the latest refresh's), not the authoriser's frozen context", async () => {
    const connections = stubConnections();
    const registry = registryOf(inTenMinutes(), "sub-alice", { username: "alice-now", groups: ["dev"], scopes: [] });
    await handleMessage(makeRouteEvent({ body: "{}" }), connections, registry);
    expect(JSON.parse(connections.post.firstCall.args[1] as string)).to.deep.include({
      from: { username: "alice-now", sub: "sub-alice", groups: ["dev"] },
    });
  });

  it("answers from the authoriser's context for an item of the old shape, and from the registry for no groups at all", async () => {
    const oldShape = stubConnections();
    await handleMessage(makeRouteEvent({ body: "{}" }), oldShape, registryOf(inTenMinutes()));
    expect(JSON.parse(oldShape.post.firstCall.args[1] as string).from.groups).to.deep.equal(["admin", "dev"]);
    const demoted = stubConnections();
    await handleMessage(
      makeRouteEvent({ body: "{}" }),
      demoted,
      registryOf(inTenMinutes(), "sub-alice", { groups: [] }),
    );
    expect(JSON.parse(demoted.post.firstCall.args[1] as string).from.groups).to.deep.equal([]);
  });

  it("echoes a body that is not JSON as text", async () => {
    const connections = stubConnections();
    await handleMessage(makeRouteEvent({ body: "plain words" }), connections, registryOf(inTenMinutes()));
    expect(JSON.parse(connections.post.firstCall.args[1] as string)).to.include({
      received: "plain words",
      action: "$default",
    });
  });

  it("takes exp from the registry, not the authoriser context frozen at $connect (a refresh moved it)", async () => {
    const connections = stubConnections();
    const past = Math.floor(Date.now() / 1000) - 60;
    const registry = registryOf(inTenMinutes(), "s");
    await handleMessage(
      makeRouteEvent({
        body: "x",
        authorizer: { principalId: "s", sub: "s", username: "u", groups: "", exp: past, token_use: "id" },
      }),
      connections,
      registry,
    );
    expect(JSON.parse(connections.post.firstCall.args[1] as string).type).to.equal("reply");
    expect(registry.lookups).to.deep.equal(["conn-1="]);
  });

  it("refuses a message after the registry's exp and closes the connection, even if the context says otherwise", async () => {
    const connections = stubConnections();
    const exp = Math.floor(Date.now() / 1000) - 1;
    const result = await handleMessage(makeRouteEvent({ body: "x" }), connections, registryOf(exp));
    expect(result).to.deep.equal({ statusCode: 401 });
    expect(JSON.parse(connections.post.firstCall.args[1] as string)).to.deep.equal({
      type: "error",
      error: "token_expired",
    });
    expect(connections.close.calledOnceWith("conn-1=")).to.equal(true);
  });

  it("treats an exp the registry cannot read as expired (deny by default)", async () => {
    const connections = stubConnections();
    await handleMessage(makeRouteEvent({ body: "x" }), connections, registryOf(Number.NaN));
    expect(connections.close.calledOnce).to.equal(true);
  });

  it("closes a connection the registry does not know, or knows as another user's", async () => {
    for (const registry of [registryOf(undefined), registryOf(inTenMinutes(), "sub-mallory")]) {
      const connections = stubConnections();
      expect(await handleMessage(makeRouteEvent({ body: "x" }), connections, registry)).to.deep.equal({
        statusCode: 401,
      });
      expect(JSON.parse(connections.post.firstCall.args[1] as string)).to.deep.equal({
        type: "error",
        error: "not_registered",
      });
      expect(connections.close.calledOnceWith("conn-1=")).to.equal(true);
    }
  });

  it("answers 403 and no reply content when the event has no caller identity", async () => {
    const connections = stubConnections();
    const result = await handleMessage(
      makeRouteEvent({ body: "x", authorizer: undefined }),
      connections,
      registryOf(inTenMinutes()),
    );
    expect(result).to.deep.equal({ statusCode: 403 });
    expect(JSON.parse(connections.post.firstCall.args[1] as string)).to.deep.equal({
      type: "error",
      error: "no_identity",
    });
  });

  it("does not fail when the sender is gone before the reply", async () => {
    const connections = stubConnections();
    connections.post.resolves(false);
    expect(await handleMessage(makeRouteEvent({ body: "x" }), connections, registryOf(inTenMinutes()))).to.deep.equal({
      statusCode: 200,
    });
  });

  it("logs the caller and the size of the message, not its content", async () => {
    await handleMessage(
      makeRouteEvent({ body: '{"action":"say","secret":"hunter2"}' }),
      stubConnections(),
      registryOf(inTenMinutes()),
    );
    const lines = logs.parsed();
    expect(lines.find((line) => line.message === "message")).to.include({
      username: "alice",
      sub: "sub-alice",
      action: "say",
      bytes: 35,
    });
    expect(JSON.stringify(lines)).to.not.include("hunter2");
  });

  describe("on a route with requirements (ROUTE_REQUIREMENTS)", () => {
    const requirements = parseRouteRequirements({ admin: { requiredGroups: ["admins"] } });
    const adminEvent = () => makeRouteEvent({ routeKey: "admin", body: '{"action":"admin","do":"x"}' });

    it("answers a caller outside the route's groups with forbidden and the route, keeping the connection", async () => {
      const connections = stubConnections();
      const registry = registryOf(inTenMinutes(), "sub-alice", { groups: ["dev"], scopes: [] });
      const result = await handleMessage(adminEvent(), connections, registry, undefined, "req-9", requirements);
      expect(result).to.deep.equal({ statusCode: 403 });
      expect(connections.post.calledOnce).to.equal(true);
      expect(JSON.parse(connections.post.firstCall.args[1] as string)).to.deep.equal({
        type: "error",
        error: "forbidden",
        route: "admin",
      });
      expect(connections.close.called, "the connection stays open").to.equal(false);
      expect(logs.parsed().find((line) => line.message === "route refused")).to.deep.include({
        level: "WARN",
        sub: "sub-alice",
        route: "admin",
        reason: "missing_group",
      });
    });

    it("runs the route for a caller in its groups, and other routes for everyone", async () => {
      const admin = stubConnections();
      const registry = registryOf(inTenMinutes(), "sub-alice", { groups: ["admins"], scopes: [] });
      expect(await handleMessage(adminEvent(), admin, registry, undefined, undefined, requirements)).to.deep.equal({
        statusCode: 200,
      });
      expect(JSON.parse(admin.post.firstCall.args[1] as string)).to.deep.include({ type: "reply", action: "admin" });
      const other = stubConnections();
      const dev = registryOf(inTenMinutes(), "sub-alice", { groups: ["dev"], scopes: [] });
      await handleMessage(makeRouteEvent({ body: "{}" }), other, dev, undefined, undefined, requirements);
      expect(JSON.parse(other.post.firstCall.args[1] as string)).to.deep.include({ type: "reply" });
    });

    it("decides on the registry's groups after a refresh, not the context's from $connect", async () => {
      const connections = stubConnections();
      // makeRouteEvent's context has groups admin and dev; only the refreshed item has admins.
      const registry = registryOf(inTenMinutes(), "sub-alice", { groups: ["admins"], scopes: [] });
      await handleMessage(adminEvent(), connections, registry, undefined, undefined, requirements);
      expect(JSON.parse(connections.post.firstCall.args[1] as string).type).to.equal("reply");
    });
  });
});

describe("management endpoint", () => {
  const context = (domainName: string) => ({ domainName, apiId: "abc123", stage: "prod" });

  it("is the API's execute-api URL for the stage", () => {
    expect(managementEndpoint(context("abc123.execute-api.eu-west-1.amazonaws.com"), "eu-west-1")).to.equal(
      "https://abc123.execute-api.eu-west-1.amazonaws.com/prod",
    );
  });

  it("stays on the execute-api host when clients connect through a custom domain", () => {
    expect(managementEndpoint(context("ws.example.com"), "eu-west-1")).to.equal(
      "https://abc123.execute-api.eu-west-1.amazonaws.com/prod",
    );
  });

  it("is plain http only for a loopback gateway", () => {
    expect(managementEndpoint(context("127.0.0.1:3001"), "eu-west-1")).to.equal("http://127.0.0.1:3001/prod");
    expect(managementEndpoint(context("localhost:3001"), "eu-west-1")).to.equal("http://localhost:3001/prod");
    expect(managementEndpoint(context("127.0.0.1.evil.example:443"), "eu-west-1")).to.match(/^https:/);
  });
});
