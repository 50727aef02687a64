// The registry as the connection's truth, at the handler level against moto's DynamoDB: concurrent refreshes, a
// refresh after exp, a refresh racing the sweeper, a demoted user, and items of the old shape.
import { expect } from "chai";
import { handleMessage } from "../../../functions/message/handle-message.ts";
import { handleRefresh, type RefreshReply } from "../../../functions/refresh/handle-refresh.ts";
import type { RefreshVerdict, RefreshVerifier } from "../../../functions/refresh/verify.ts";
import type { Connections } from "../../../functions/shared/management-api.ts";
import { type ConnectionRecord, ConnectionRegistry } from "../../../functions/shared/registry.ts";
import { sweep } from "../../../functions/sweeper/sweep.ts";
import { makeRouteEvent } from "../../../local/gateway/sample-events.ts";
import { freshRegistryTable } from "../../local/support/dynamodb.ts";
import { captureLogSink, LogCollector } from "../../support/logs.ts";

/** A Management API per connection that keeps what was posted and whether it was closed. */
function recordingConnections() {
  const posted = new Map<string, unknown[]>();
  const closed = new Set<string>();
  const connections: Connections = {
    post: async (id, data) => {
      posted.set(id, [...(posted.get(id) ?? []), JSON.parse(data)]);
      return !closed.has(id);
    },
    close: async (id) => {
      const open = !closed.has(id);
      closed.add(id);
      return open;
    },
  };
  return { posted, closed, connections };
}

/** The refresh token is the verdict's JSON: the verifier itself is tested on its own (verify.test.ts). */
const verifier: RefreshVerifier = { verify: async (token) => JSON.parse(token) as RefreshVerdict };
const tokenFor = (verdict: Partial<Extract<RefreshVerdict, { ok: true }>>): string =>
  JSON.stringify({ ok: true, sub: "sub-alice", exp: 0, username: "alice", groups: [], scopes: [], ...verdict });
const refreshEvent = (connectionId: string, token: string) =>
  makeRouteEvent({ routeKey: "refresh", connectionId, body: JSON.stringify({ action: "refresh", token }) });

describe("refresh against moto's DynamoDB: the registry is the connection's truth", function () {
  this.timeout(120_000);
  let registry: ConnectionRegistry;
  const logs = new LogCollector();
  let releaseLogs: () => void;
  const now = Math.floor(Date.now() / 1000);

  const record = (connectionId: string, exp: number, extra: Partial<ConnectionRecord> = {}): ConnectionRecord => ({
    connectionId,
    sub: "sub-alice",
    username: "alice",
    exp,
    connectedAt: (now - 60) * 1000,
    endpoint: "http://127.0.0.1:9/dev",
    ...extra,
  });

  beforeEach(async () => {
    const table = await freshRegistryTable();
    registry = new ConnectionRegistry(
      { tableName: table.tableName, endpoint: table.endpoint, region: "eu-west-1" },
      table.db,
    );
    releaseLogs = captureLogSink(logs.collect);
  });
  afterEach(() => releaseLogs());

  it("200 concurrent refreshes leave the highest exp, and every reply is consistent with it", async () => {
    await registry.register(record("c=", now + 60));
    // Distinct expiries in a shuffled order: whichever lands last, the highest must win.
    const exps = Array.from({ length: 200 }, (_, i) => now + 120 + i * 7);
    for (let i = exps.length - 1; i > 0; i -= 1) {
      const j = Math.floor(Math.random() * (i + 1));
      [exps[i], exps[j]] = [exps[j] as number, exps[i] as number];
    }
    const api = recordingConnections();
    const replies = await Promise.all(
      exps.map(async (exp) => {
        const posted: RefreshReply[] = [];
        const own: Connections = {
          post: async (id, data) => {
            posted.push(JSON.parse(data) as RefreshReply);
            return api.connections.post(id, data);
          },
          close: api.connections.close,
        };
        await handleRefresh(refreshEvent("c=", tokenFor({ exp })), own, registry, verifier, undefined, now);
        return { exp, reply: posted };
      }),
    );
    const highest = Math.max(...exps);
    expect((await registry.lookup("c="))?.exp).to.equal(highest);
    expect(api.closed.size).to.equal(0);
    for (const { exp, reply } of replies) {
      expect(reply).to.have.length(1);
      const told = (reply[0] as { type: string; exp: number }).exp;
      expect(reply[0]?.type).to.equal("refreshed");
      // Told its own exp or a later one already stored, never one above what the registry ends with.
      expect(told).to.be.at.least(exp).and.at.most(highest);
      expect(exps).to.include(told);
    }
    expect(replies.find((entry) => entry.exp === highest)?.reply).to.deep.equal([{ type: "refreshed", exp: highest }]);
  });

  it("answers an older token with the stored exp, keeps the connection and the identity stored with that exp", async () => {
    await registry.register(record("c=", now + 900, { groups: ["ops"] }));
    const api = recordingConnections();
    await handleRefresh(
      refreshEvent("c=", tokenFor({ exp: now + 300, groups: ["stale"] })),
      api.connections,
      registry,
      verifier,
      undefined,
      now,
    );
    expect(api.posted.get("c=")).to.deep.equal([{ type: "refreshed", exp: now + 900 }]);
    expect(api.closed.size).to.equal(0);
    expect(await registry.lookup("c=")).to.deep.include({ exp: now + 900, groups: ["ops"] });
  });

  it("refuses a refresh after exp and closes the connection, leaving the expired exp for the sweeper", async () => {
    await registry.register(record("late=", now - 1));
    const api = recordingConnections();
    const result = await handleRefresh(
      refreshEvent("late=", tokenFor({ exp: now + 3600 })),
      api.connections,
      registry,
      verifier,
      undefined,
      now,
    );
    expect(result).to.deep.equal({ statusCode: 401 });
    expect(api.posted.get("late=")).to.deep.equal([{ type: "error", error: "refresh_refused", reason: "expired" }]);
    expect(api.closed.has("late=")).to.equal(true);
    expect((await registry.lookup("late="))?.exp).to.equal(now - 1);
  });

  it("a refresh racing the sweeper wins: never both a 'refreshed' reply and a sweeper close", async () => {
    // 40 connections about to expire; the sweeper runs just after exp while each refresh lands just before it.
    const ids = Array.from({ length: 40 }, (_, i) => `race-${i}=`);
    await Promise.all(ids.map((id) => registry.register(record(id, now + 1))));
    const api = recordingConnections();
    const sweeperApi = recordingConnections();
    const refreshes = ids.map(async (id, i) => {
      await new Promise((resolve) => setTimeout(resolve, i % 7));
      return handleRefresh(
        refreshEvent(id, tokenFor({ exp: now + 3600 })),
        api.connections,
        registry,
        verifier,
        undefined,
        now,
      );
    });
    const [result] = await Promise.all([
      sweep({ registry, connectionsAt: () => sweeperApi.connections }, now + 2),
      ...refreshes,
    ]);
    let won = 0;
    for (const id of ids) {
      const reply = api.posted.get(id)?.[0] as { type: string } | undefined;
      const item = await registry.lookup(id);
      if (reply?.type === "refreshed") {
        won += 1;
        expect(sweeperApi.closed.has(id), `${id} refreshed, then closed by the sweeper`).to.equal(false);
        expect(item?.exp, id).to.equal(now + 3600);
      } else {
        // The sweeper claimed it first: the refresh found no item, refused and closed.
        expect(reply, id).to.deep.equal({ type: "error", error: "refresh_refused", reason: "not_registered" });
        expect(sweeperApi.closed.has(id) && api.closed.has(id), id).to.equal(true);
        expect(item, id).to.equal(undefined);
      }
    }
    expect(result).to.deep.include({ closed: ids.length - won, failed: 0 });
  });

  it("a refresh landing between the sweeper's read and its claim wins", async () => {
    await registry.register(record("between=", now + 1));
    const api = recordingConnections();
    const sweeperApi = recordingConnections();
    const racing = {
      expiring: (at: number, lookback: number, ahead: number) => registry.expiring(at, lookback, ahead),
      markWarned: (id: string, exp: number) => registry.markWarned(id, exp),
      unmarkWarned: (id: string, exp: number) => registry.unmarkWarned(id, exp),
      removeIfExp: (id: string, exp: number) => registry.removeIfExp(id, exp),
      restore: (r: ConnectionRecord) => registry.restore(r),
      lookup: async (id: string) => {
        const read = await registry.lookup(id);
        await handleRefresh(
          refreshEvent(id, tokenFor({ exp: now + 3600 })),
          api.connections,
          registry,
          verifier,
          undefined,
          now,
        );
        return read;
      },
    };
    expect(await sweep({ registry: racing, connectionsAt: () => sweeperApi.connections }, now + 2)).to.deep.include({
      skipped: 1,
      closed: 0,
    });
    expect(api.posted.get("between=")).to.deep.equal([{ type: "refreshed", exp: now + 3600 }]);
    expect(sweeperApi.posted.size + sweeperApi.closed.size).to.equal(0);
    expect((await registry.lookup("between="))?.exp).to.equal(now + 3600);
  });

  it("a demoted user's groups change at the next refresh, and the message handler answers with them", async () => {
    await registry.register(record("demoted=", now + 60, { groups: ["admin", "ops"] }));
    const context = { sub: "sub-alice", username: "alice", groups: '["admin","ops"]', exp: now + 60, token_use: "id" };
    const message = makeRouteEvent({ connectionId: "demoted=", authorizer: context, body: '{"action":"whoami"}' });
    const api = recordingConnections();
    await handleMessage(message, api.connections, registry, now);
    await handleRefresh(
      refreshEvent("demoted=", tokenFor({ exp: now + 600, groups: ["ops"], username: "alice" })),
      api.connections,
      registry,
      verifier,
      undefined,
      now,
    );
    await handleMessage(message, api.connections, registry, now);
    const froms = (api.posted.get("demoted=") ?? []).flatMap((reply) =>
      (reply as { type: string }).type === "reply" ? [(reply as { from: { groups: string[] } }).from.groups] : [],
    );
    expect(froms).to.deep.equal([["admin", "ops"], ["ops"]]);
  });

  it("serves an item of the old shape from the authoriser's context, and refreshes it into the new shape", async () => {
    // As the functions before identity-in-the-registry wrote it: no groups, no scopes.
    await registry.register(record("old=", now + 60));
    const context = { sub: "sub-alice", username: "alice", groups: '["admin"]', exp: now + 60, token_use: "id" };
    const message = makeRouteEvent({ connectionId: "old=", authorizer: context, body: "{}" });
    const api = recordingConnections();
    await handleMessage(message, api.connections, registry, now);
    await handleRefresh(
      refreshEvent("old=", tokenFor({ exp: now + 600, groups: [] })),
      api.connections,
      registry,
      verifier,
      undefined,
      now,
    );
    await handleMessage(message, api.connections, registry, now + 120);
    expect(api.posted.get("old=")).to.deep.equal([
      {
        type: "reply",
        from: { username: "alice", sub: "sub-alice", groups: ["admin"] },
        action: "$default",
        received: {},
      },
      { type: "refreshed", exp: now + 600 },
      { type: "reply", from: { username: "alice", sub: "sub-alice", groups: [] }, action: "$default", received: {} },
    ]);
  });
});
