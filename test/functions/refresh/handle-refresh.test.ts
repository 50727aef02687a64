import { expect } from "chai";
import sinon from "sinon";
import { handleRefresh, readRefreshToken } from "../../../functions/refresh/handle-refresh.ts";
import type { RefreshVerdict, RefreshVerifier } from "../../../functions/refresh/verify.ts";
import type { Connections } from "../../../functions/shared/management-api.ts";
import type {
  ConnectionRecord,
  ConnectionRegistry,
  RefreshOutcome,
  TokenIdentity,
} from "../../../functions/shared/registry.ts";
import { makeRouteEvent } from "../../../local/gateway/sample-events.ts";
import { captureLogSink, LogCollector } from "../../support/logs.ts";

// The handler's decisions with the registry and the verifier stood in for; the registry's own conditions are
// tested against moto (test/functions/shared/registry.int.test.ts, refresh-race.int.test.ts).
const NOW = 2_000_000_000;

function makeRecord(overrides: Partial<ConnectionRecord> = {}): ConnectionRecord {
  return {
    connectionId: "conn-1=",
    sub: "sub-alice",
    username: "alice",
    exp: NOW + 60,
    connectedAt: 0,
    endpoint: "",
    ...overrides,
  };
}

function registryOf(record: ConnectionRecord | undefined, outcome?: RefreshOutcome) {
  const refreshes: Array<[string, string, TokenIdentity, number]> = [];
  const registry: Pick<ConnectionRegistry, "lookup" | "refresh"> = {
    lookup: async () => record,
    refresh: async (connectionId, sub, token, nowSeconds) => {
      refreshes.push([connectionId, sub, token, nowSeconds]);
      return outcome ?? { status: "refreshed", exp: token.exp };
    },
  };
  return { registry, refreshes };
}

const valid: RefreshVerdict = {
  ok: true,
  sub: "sub-alice",
  exp: NOW + 600,
  username: "alice",
  groups: ["ops"],
  scopes: ["chat.read"],
};

function verifierOf(verdict: RefreshVerdict): RefreshVerifier & { tokens: string[] } {
  const tokens: string[] = [];
  return {
    tokens,
    verify: async (token) => {
      tokens.push(token);
      return verdict;
    },
  };
}

function stubConnections(): Connections & { post: sinon.SinonStub; close: sinon.SinonStub } {
  return { post: sinon.stub().resolves(true), close: sinon.stub().resolves(true) };
}

/** null: a frame without a body. */
const refreshEvent = (body: string | null = JSON.stringify({ action: "refresh", token: "t.o.k" })) =>
  makeRouteEvent({ routeKey: "refresh", ...(body === null ? {} : { body }) });

async function run(
  record: ConnectionRecord | undefined,
  verdict: RefreshVerdict = valid,
  outcome?: RefreshOutcome,
  body?: string | null,
) {
  const connections = stubConnections();
  const { registry, refreshes } = registryOf(record, outcome);
  const verifier = verifierOf(verdict);
  const result = await handleRefresh(refreshEvent(body), connections, registry, verifier, "req-1", NOW);
  const sent = connections.post.getCalls().map((call) => JSON.parse(call.args[1] as string) as unknown);
  return { result, sent, closed: connections.close.callCount, refreshes, verifier };
}

const refused = (reason: string) => [{ type: "error", error: "refresh_refused", reason }];

describe("refresh handler", () => {
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

  it("stores the new token's exp and identity for the connection's own user, and replies with that exp", async () => {
    const { result, sent, closed, refreshes } = await run(makeRecord());
    expect(result).to.deep.equal({ statusCode: 200 });
    expect(sent).to.deep.equal([{ type: "refreshed", exp: NOW + 600 }]);
    expect(closed).to.equal(0);
    expect(refreshes).to.deep.equal([
      ["conn-1=", "sub-alice", { exp: NOW + 600, username: "alice", groups: ["ops"], scopes: ["chat.read"] }, NOW],
    ]);
    expect(logs.parsed().find((line) => line.message === "refreshed")).to.deep.include({
      previousExp: NOW + 60,
      tokenExp: NOW + 600,
      exp: NOW + 600,
    });
  });

  it("answers a token no newer than the stored one with the stored exp, and keeps the connection", async () => {
    const { result, sent, closed } = await run(makeRecord(), valid, { status: "not_newer", exp: NOW + 900 });
    expect(result).to.deep.equal({ statusCode: 200 });
    expect(sent).to.deep.equal([{ type: "refreshed", exp: NOW + 900 }]);
    expect(closed).to.equal(0);
    expect(logs.parsed().some((line) => line.message === "refresh kept a later exp")).to.equal(true);
  });

  it("refuses a refresh after the connection's exp without looking at the token, and closes", async () => {
    for (const exp of [NOW, NOW - 1]) {
      const { result, sent, closed, verifier, refreshes } = await run(makeRecord({ exp }));
      expect(result).to.deep.equal({ statusCode: 401 });
      expect(sent).to.deep.equal(refused("expired"));
      expect(closed).to.equal(1);
      expect(verifier.tokens).to.deep.equal([]);
      expect(refreshes).to.deep.equal([]);
    }
  });

  it("refuses and closes when the registry says exp passed while the token was checked", async () => {
    const { result, sent, closed } = await run(makeRecord(), valid, { status: "expired", exp: NOW + 60 });
    expect(result).to.deep.equal({ statusCode: 401 });
    expect(sent).to.deep.equal(refused("expired"));
    expect(closed).to.equal(1);
  });

  it("refuses and closes when the connection left the registry before the write", async () => {
    const { result, sent, closed } = await run(makeRecord(), valid, { status: "not_registered" });
    expect(result).to.deep.equal({ statusCode: 401 });
    expect(sent).to.deep.equal(refused("not_registered"));
    expect(closed).to.equal(1);
  });

  it("refuses and closes a connection the registry does not know", async () => {
    const { result, sent, closed, verifier } = await run(undefined);
    expect(result).to.deep.equal({ statusCode: 401 });
    expect(sent).to.deep.equal(refused("not_registered"));
    expect(closed).to.equal(1);
    expect(verifier.tokens).to.deep.equal([]);
  });

  it("refuses another user's valid token, stores nothing, and closes", async () => {
    const { result, sent, closed, refreshes } = await run(makeRecord(), { ...valid, sub: "sub-mallory" });
    expect(result).to.deep.equal({ statusCode: 401 });
    expect(sent).to.deep.equal(refused("other_user"));
    expect(closed).to.equal(1);
    expect(refreshes).to.deep.equal([]);
  });

  for (const [verifierReason, reason, status] of [
    ["expired", "expired", 401],
    ["forbidden", "forbidden", 403],
    ["invalid_signature", "invalid", 401],
    ["invalid_claim", "invalid", 401],
  ] as const) {
    it(`refuses a token the verifier rejects as ${verifierReason} (client reason ${reason}, ${status})`, async () => {
      const { result, sent, closed, refreshes } = await run(makeRecord(), { ok: false, reason: verifierReason });
      expect(result).to.deep.equal({ statusCode: status });
      expect(sent).to.deep.equal(refused(reason));
      expect(closed).to.equal(1);
      expect(refreshes).to.deep.equal([]);
      expect(logs.parsed().find((line) => line.message === "refresh refused")).to.deep.include({
        reason,
        detail: verifierReason,
        sub: "sub-alice",
      });
    });
  }

  for (const body of [null, "not json", "null", '{"action":"refresh"}', '{"token":""}', '{"token":5}']) {
    it(`refuses a refresh without a token string (${JSON.stringify(body)})`, async () => {
      const { sent, closed, verifier } = await run(makeRecord(), valid, undefined, body);
      expect(sent).to.deep.equal(refused("invalid"));
      expect(closed).to.equal(1);
      expect(verifier.tokens).to.deep.equal([]);
    });
  }

  it("reads the token from the body", () => {
    expect(readRefreshToken('{"action":"refresh","token":"a.b.c"}')).to.equal("a.b.c");
  });

  it("marks a refused connection as closed by the refusal before closing it, and counts the close in EMF", async () => {
    const order: string[] = [];
    const connections = {
      post: async () => {
        order.push("post");
        return true;
      },
      close: async () => {
        order.push("close");
        return true;
      },
    };
    const { registry } = registryOf(makeRecord({ exp: NOW - 1 }));
    const marking = {
      ...registry,
      tableName: "s-connections",
      markClosedBy: async (id: string, reason: string) => void order.push(`markClosedBy ${id} ${reason}`),
    };
    await handleRefresh(refreshEvent(), connections, marking, verifierOf(valid), "req-1", NOW);
    expect(order).to.deep.equal(["markClosedBy conn-1= refresh_refused", "post", "close"]);
    const emf = logs.parsed().filter((line) => "_aws" in line);
    expect(emf.map(({ _aws, ...rest }) => rest)).to.deep.equal([
      { ConnectionsTable: "s-connections", Reason: "refresh_refused", ConnectionsClosed: 1 },
    ]);
  });

  it("still refuses and closes when the mark cannot be written, and counts no close for a kept connection", async () => {
    const { registry } = registryOf(makeRecord({ exp: NOW - 1 }));
    const failing = {
      ...registry,
      tableName: "s-connections",
      markClosedBy: async () => Promise.reject(new Error("throttled")),
    };
    const connections = stubConnections();
    expect(await handleRefresh(refreshEvent(), connections, failing, verifierOf(valid), "r", NOW)).to.deep.equal({
      statusCode: 401,
    });
    expect(connections.close.callCount).to.equal(1);
    expect(logs.parsed().find((line) => line.message === "closedBy not recorded")).to.deep.include({
      error: "throttled",
    });
    logs.lines.length = 0;
    const kept = { ...registryOf(makeRecord()).registry, tableName: "s-connections" };
    await handleRefresh(refreshEvent(), stubConnections(), kept, verifierOf(valid), "r", NOW);
    expect(logs.parsed().filter((line) => "_aws" in line)).to.deep.equal([]);
  });

  it("logs a reply that found the client gone", async () => {
    const connections = stubConnections();
    connections.post.resolves(false);
    const { registry } = registryOf(makeRecord());
    await handleRefresh(refreshEvent(), connections, registry, verifierOf(valid), "req-1", NOW);
    expect(logs.parsed().some((line) => line.message === "refresh reply not delivered: connection gone")).to.equal(
      true,
    );
  });
});
