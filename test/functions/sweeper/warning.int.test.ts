// reauth_required against moto's DynamoDB, with short tokens and the sweep's clock given: once per connection and
// exp, before exp, and a connection whose client refreshes on it is never closed.
import { expect } from "chai";
import { handleRefresh } from "../../../functions/refresh/handle-refresh.ts";
import type { RefreshVerdict, RefreshVerifier } from "../../../functions/refresh/verify.ts";
import type { Connections } from "../../../functions/shared/management-api.ts";
import { type ConnectionRecord, ConnectionRegistry } from "../../../functions/shared/registry.ts";
import { sweep } from "../../../functions/sweeper/sweep.ts";
import { makeRouteEvent } from "../../../local/gateway/sample-events.ts";
import { freshRegistryTable } from "../../local/support/dynamodb.ts";
import { captureLogSink, LogCollector } from "../../support/logs.ts";

interface Sent {
  readonly at: number;
  readonly id: string;
  readonly data: { type: string; exp?: number; error?: string };
}

/** The Management API: what each connection was sent and when (the sweep's clock), and which were closed. */
function managementApi(clock: { now: number }) {
  const sent: Sent[] = [];
  const closed = new Map<string, number>();
  const connections: Connections = {
    post: async (id, data) => {
      sent.push({ at: clock.now, id, data: JSON.parse(data) as Sent["data"] });
      return !closed.has(id);
    },
    close: async (id) => {
      const open = !closed.has(id);
      closed.set(id, clock.now);
      return open;
    },
  };
  return { sent, closed, connections };
}

/** The refresh token is the verdict's JSON: the verifier itself is tested on its own (verify.test.ts). */
const verifier: RefreshVerifier = { verify: async (token) => JSON.parse(token) as RefreshVerdict };
const refreshWith = (connectionId: string, exp: number) =>
  makeRouteEvent({
    routeKey: "refresh",
    connectionId,
    body: JSON.stringify({
      action: "refresh",
      token: JSON.stringify({ ok: true, sub: "sub-w", exp, username: "w", groups: [], scopes: [] }),
    }),
  });

describe("reauth_required, against moto's DynamoDB", function () {
  this.timeout(120_000);
  const start = 2_000_000_000;
  let registry: ConnectionRegistry;
  const logs = new LogCollector();
  let releaseLogs: () => void;

  const record = (connectionId: string, exp: number): ConnectionRecord => ({
    connectionId,
    sub: "sub-w",
    username: "w",
    exp,
    connectedAt: (start - 60) * 1000,
    endpoint: "http://127.0.0.1:9/dev",
  });

  beforeEach(async () => {
    const table = await freshRegistryTable();
    registry = new ConnectionRegistry(
      { tableName: table.tableName, endpoint: table.endpoint, region: "eu-west-1" },
      table.db,
    );
    logs.lines.length = 0;
    releaseLogs = captureLogSink(logs.collect);
  });
  afterEach(() => releaseLogs());

  it("warns once before exp; a refresh on the warning keeps the connection, and its new exp is warned again", async () => {
    const window = 2;
    const clock = { now: start };
    const api = managementApi(clock);
    // Short tokens: 3 s, then 4 s more after the refresh.
    await registry.register(record("kept=", start + 3));
    await registry.register(record("lapsed=", start + 3));
    const deps = { registry, connectionsAt: () => api.connections, reauthWarningSeconds: window };
    for (; clock.now <= start + 10; clock.now += 1) {
      await sweep(deps, clock.now);
      // The client library refreshes as soon as the warning arrives (client/client.ts); "lapsed=" never does.
      for (const message of api.sent.filter((m) => m.at === clock.now && m.id === "kept=")) {
        if (message.data.type === "reauth_required" && message.data.exp === start + 3)
          await handleRefresh(
            refreshWith("kept=", start + 7),
            api.connections,
            registry,
            verifier,
            undefined,
            clock.now,
          );
      }
    }
    const to = (id: string) => api.sent.filter((m) => m.id === id).map((m) => [m.at - start, m.data]);
    expect(to("lapsed=")).to.deep.equal([
      [1, { type: "reauth_required", exp: start + 3 }],
      [3, { type: "error", error: "token_expired", exp: start + 3 }],
    ]);
    expect(api.closed.get("lapsed=")).to.equal(start + 3);
    expect(to("kept=")).to.deep.equal([
      [1, { type: "reauth_required", exp: start + 3 }],
      [1, { type: "refreshed", exp: start + 7 }],
      [5, { type: "reauth_required", exp: start + 7 }],
      [7, { type: "error", error: "token_expired", exp: start + 7 }],
    ]);
    expect(api.closed.get("kept="), "closed only at the exp it did not refresh").to.equal(start + 7);
  });

  it("gives every connection exactly one warning, between window - interval and window before its exp", async () => {
    const interval = 1;
    const window = 3;
    const clock = { now: start };
    const api = managementApi(clock);
    const exps = Array.from({ length: 30 }, (_, i) => start + 4 + (i % 10) + (i % 3) * 0.25);
    await Promise.all(exps.map((exp, i) => registry.register(record(`c${i}=`, exp))));
    const deps = { registry, connectionsAt: () => api.connections, reauthWarningSeconds: window };
    for (; clock.now <= start + 16; clock.now += interval) await sweep(deps, clock.now);
    for (const [i, exp] of exps.entries()) {
      const warnings = api.sent.filter((m) => m.id === `c${i}=` && m.data.type === "reauth_required");
      expect(warnings, `c${i}=`).to.have.length(1);
      const lead = exp - (warnings[0] as Sent).at;
      expect(lead, `c${i}= warned ${lead} s ahead`)
        .to.be.at.least(window - interval)
        .and.at.most(window);
      expect(warnings[0]?.data).to.deep.equal({ type: "reauth_required", exp });
    }
    expect(api.closed.size, "every lapsed connection closed at its exp").to.equal(exps.length);
  });

  it("misses connections when the window is shorter than the interval: why the configuration refuses it", async () => {
    const clock = { now: start };
    const api = managementApi(clock);
    // Sweeps every 3 s with a 1 s window: an exp 2 s after a sweep is neither due at it nor alive at the next.
    await registry.register(record("in-gap=", start + 2));
    const deps = { registry, connectionsAt: () => api.connections, reauthWarningSeconds: 1 };
    for (; clock.now <= start + 6; clock.now += 3) await sweep(deps, clock.now);
    expect(api.sent.map((m) => m.data.type)).to.deep.equal(["error"]);
  });
});
