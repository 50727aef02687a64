import { expect } from "chai";
import type { Connections } from "../../../functions/shared/management-api.ts";
import type { ConnectionRecord, ConnectionRegistry, ExpiryCandidate } from "../../../functions/shared/registry.ts";
import { SWEEP_LOOKBACK_SECONDS, sweep } from "../../../functions/sweeper/sweep.ts";
import { captureLogSink, LogCollector } from "../../support/logs.ts";

// The sweep's decisions over an in-memory registry; the same against moto's DynamoDB is sweep.int.test.ts.
const NOW = 2_000_000_000;

type SweepRegistry = Pick<
  ConnectionRegistry,
  "expiring" | "lookup" | "removeIfExp" | "restore" | "markWarned" | "unmarkWarned"
>;

function memoryRegistry(records: ConnectionRecord[], candidates: ExpiryCandidate[] = records) {
  const items = new Map(records.map((record) => [record.connectionId, record]));
  const calls: string[] = [];
  const expiredArgs: Array<[number, number, number]> = [];
  const registry: SweepRegistry & { items: typeof items } = {
    items,
    async *expiring(nowSeconds, lookbackSeconds, aheadSeconds) {
      expiredArgs.push([nowSeconds, lookbackSeconds, aheadSeconds]);
      for (const candidate of candidates) if (candidate.exp <= nowSeconds + aheadSeconds) yield candidate;
    },
    markWarned: async (id, exp) => {
      calls.push(`markWarned ${id} ${exp}`);
      const item = items.get(id);
      if (item === undefined || item.exp !== exp || item.warnedExp === exp) return undefined;
      const marked = { ...item, warnedExp: exp };
      items.set(id, marked);
      return marked;
    },
    unmarkWarned: async (id, exp) => {
      calls.push(`unmarkWarned ${id} ${exp}`);
      const item = items.get(id);
      if (item?.warnedExp === exp) {
        const { warnedExp: _, ...rest } = item;
        items.set(id, rest);
      }
    },
    lookup: async (id) => {
      calls.push(`lookup ${id}`);
      return items.get(id);
    },
    removeIfExp: async (id, exp) => {
      calls.push(`removeIfExp ${id} ${exp}`);
      const item = items.get(id);
      if (item !== undefined && item.exp !== exp) return false;
      items.delete(id);
      return true;
    },
    restore: async (record) => {
      calls.push(`restore ${record.connectionId}`);
      if (!items.has(record.connectionId)) items.set(record.connectionId, record);
    },
  };
  return { registry, calls, expiredArgs };
}

const record = (connectionId: string, exp: number): ConnectionRecord => ({
  connectionId,
  sub: `sub-${connectionId}`,
  username: connectionId,
  exp,
  connectedAt: 0,
  endpoint: `http://127.0.0.1:9/${connectionId}`,
});

type Call = [string, string, string];

function api(behaviour: { post?: (id: string) => Promise<boolean>; close?: (id: string) => Promise<boolean> } = {}) {
  const calls: Call[] = [];
  const connectionsAt = (endpoint: string): Connections => ({
    post: async (id) => {
      calls.push([endpoint, "POST", id]);
      return behaviour.post ? behaviour.post(id) : true;
    },
    close: async (id) => {
      calls.push([endpoint, "DELETE", id]);
      return behaviour.close ? behaviour.close(id) : true;
    },
  });
  return { calls, connectionsAt };
}

describe("sweep", () => {
  const logs = new LogCollector();
  let releaseLogs: () => void;
  beforeEach(() => {
    logs.lines.length = 0;
    releaseLogs = captureLogSink(logs.collect);
  });
  afterEach(() => releaseLogs());

  it("claims the item at the exp it read, then tells the client why, then closes it", async () => {
    const { registry, calls, expiredArgs } = memoryRegistry([record("old", NOW - 5)]);
    const management = api();
    const result = await sweep({ registry, connectionsAt: management.connectionsAt, awsRequestId: "r" }, NOW);
    expect(result).to.deep.equal({
      candidates: 1,
      closed: 1,
      gone: 0,
      skipped: 0,
      failed: 0,
      warned: 0,
      warnFailed: 0,
    });
    expect(calls).to.deep.equal(["lookup old", `removeIfExp old ${NOW - 5}`]);
    expect(management.calls).to.deep.equal([
      ["http://127.0.0.1:9/old", "POST", "old"],
      ["http://127.0.0.1:9/old", "DELETE", "old"],
    ]);
    expect(expiredArgs).to.deep.equal([[NOW, SWEEP_LOOKBACK_SECONDS, 0]]);
    expect(logs.parsed().find((line) => line.message === "expired connection closed")).to.deep.include({
      connectionId: "old",
      sub: "sub-old",
      exp: NOW - 5,
      awsRequestId: "r",
    });
  });

  it("sends the expiry it closes for", async () => {
    const posted: string[] = [];
    const { registry } = memoryRegistry([record("old", NOW)]);
    const connectionsAt = (): Connections => ({
      post: async (_id, data) => {
        posted.push(data);
        return true;
      },
      close: async () => true,
    });
    await sweep({ registry, connectionsAt }, NOW);
    expect(posted.map((data) => JSON.parse(data))).to.deep.equal([{ type: "error", error: "token_expired", exp: NOW }]);
  });

  it("leaves a connection the index lists but whose item a refresh moved past now (the index lags)", async () => {
    const { registry, calls } = memoryRegistry(
      [record("refreshed", NOW + 1)],
      [{ connectionId: "refreshed", exp: NOW - 1 }],
    );
    const management = api();
    expect(await sweep({ registry, connectionsAt: management.connectionsAt }, NOW)).to.deep.include({
      skipped: 1,
      closed: 0,
    });
    expect(calls).to.deep.equal(["lookup refreshed"]);
    expect(management.calls).to.deep.equal([]);
  });

  it("leaves a connection a refresh reached between the read and the claim: the refresh wins", async () => {
    const { registry } = memoryRegistry([record("racing", NOW - 1)]);
    const racing: SweepRegistry = {
      ...registry,
      expiring: registry.expiring,
      lookup: async (id) => {
        const read = await registry.lookup(id);
        registry.items.set(id, record(id, NOW + 3600));
        return read;
      },
    };
    const management = api();
    expect(await sweep({ registry: racing, connectionsAt: management.connectionsAt }, NOW)).to.deep.include({
      skipped: 1,
      closed: 0,
    });
    expect(management.calls).to.deep.equal([]);
    expect(registry.items.get("racing")?.exp).to.equal(NOW + 3600);
  });

  it("skips a candidate whose item is already gone", async () => {
    const { registry } = memoryRegistry([], [{ connectionId: "gone", exp: NOW - 1 }]);
    const management = api();
    expect(await sweep({ registry, connectionsAt: management.connectionsAt }, NOW)).to.deep.include({
      candidates: 1,
      skipped: 1,
    });
    expect(management.calls).to.deep.equal([]);
  });

  it("closes whether or not the token_expired message was delivered", async () => {
    for (const post of [async () => false, async () => Promise.reject(new Error("500 from API Gateway"))]) {
      const { registry } = memoryRegistry([record("a", NOW - 1)]);
      const management = api({ post });
      expect(await sweep({ registry, connectionsAt: management.connectionsAt }, NOW)).to.deep.include({ closed: 1 });
      expect(management.calls.map((call) => call[1])).to.deep.equal(["POST", "DELETE"]);
      expect(registry.items.has("a")).to.equal(false);
    }
    expect(logs.parsed().some((line) => line.message === "token_expired not delivered; closing anyway")).to.equal(true);
  });

  it("counts a connection API Gateway already dropped (DeleteConnection 410) as gone", async () => {
    const { registry } = memoryRegistry([record("a", NOW - 1)]);
    const management = api({ close: async () => false });
    expect(await sweep({ registry, connectionsAt: management.connectionsAt }, NOW)).to.deep.include({
      gone: 1,
      closed: 0,
    });
    expect(logs.parsed().some((line) => line.message === "expired connection already gone")).to.equal(true);
  });

  it("puts the item back when the close fails, so that the next sweep tries again", async () => {
    const { registry, calls } = memoryRegistry([record("broken", NOW - 1), record("fine", NOW - 1)]);
    const management = api({
      close: async (id) => (id === "broken" ? Promise.reject(new Error("500 from API Gateway")) : true),
    });
    expect(await sweep({ registry, connectionsAt: management.connectionsAt }, NOW)).to.deep.include({
      candidates: 2,
      closed: 1,
      failed: 1,
    });
    expect(calls).to.include("restore broken");
    expect(registry.items.get("broken")).to.deep.equal(record("broken", NOW - 1));
    expect(registry.items.has("fine")).to.equal(false);
    expect(logs.parsed().find((line) => line.message?.toString().startsWith("closing an expired"))).to.deep.include({
      connectionId: "broken",
      error: "500 from API Gateway",
    });
  });

  it("runs at most 16 closes at once, and waits for every one", async () => {
    const records = Array.from({ length: 40 }, (_, i) => record(`c${i}`, NOW - 1));
    const { registry } = memoryRegistry(records);
    let inFlight = 0;
    let peak = 0;
    const management = api({
      post: async () => {
        peak = Math.max(peak, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 2));
        inFlight -= 1;
        return true;
      },
    });
    expect(await sweep({ registry, connectionsAt: management.connectionsAt }, NOW)).to.deep.include({
      candidates: 40,
      closed: 40,
    });
    expect(peak).to.equal(16);
    expect(logs.parsed().find((line) => line.message === "sweep done")).to.deep.include({ candidates: 40, closed: 40 });
  });
});

describe("sweep: reauth_required before exp", () => {
  const WINDOW = 120;
  const logs = new LogCollector();
  let releaseLogs: () => void;
  beforeEach(() => {
    logs.lines.length = 0;
    releaseLogs = captureLogSink(logs.collect);
  });
  afterEach(() => releaseLogs());

  function posting(behaviour: (id: string) => Promise<boolean> = async () => true) {
    const posted: Array<[string, unknown]> = [];
    const closed: string[] = [];
    const connectionsAt = (): Connections => ({
      post: async (id, data) => {
        posted.push([id, JSON.parse(data)]);
        return behaviour(id);
      },
      close: async (id) => {
        closed.push(id);
        return true;
      },
    });
    return { posted, closed, connectionsAt };
  }

  it("sends exactly {type, exp} to a connection due within the window, marks it, and leaves it open", async () => {
    const { registry, calls } = memoryRegistry([record("soon", NOW + 100)]);
    const api = posting();
    const result = await sweep({ registry, connectionsAt: api.connectionsAt, reauthWarningSeconds: WINDOW }, NOW);
    expect(result).to.deep.include({ candidates: 1, warned: 1, closed: 0, skipped: 0 });
    expect(api.posted).to.deep.equal([["soon", { type: "reauth_required", exp: NOW + 100 }]]);
    expect(Object.keys(api.posted[0]?.[1] as object)).to.deep.equal(["type", "exp"]);
    expect(api.closed).to.deep.equal([]);
    expect(calls).to.deep.equal([`markWarned soon ${NOW + 100}`]);
    expect(registry.items.get("soon")?.warnedExp).to.equal(NOW + 100);
  });

  it("warns once per exp: the next sweeps send nothing more, until a refresh brings a new exp", async () => {
    const candidates: ExpiryCandidate[] = [{ connectionId: "soon", exp: NOW + 100 }];
    const { registry } = memoryRegistry([record("soon", NOW + 100)], candidates);
    const api = posting();
    const deps = { registry, connectionsAt: api.connectionsAt, reauthWarningSeconds: WINDOW };
    await sweep(deps, NOW);
    expect(await sweep(deps, NOW + 30)).to.deep.include({ warned: 0, skipped: 1 });
    expect(api.posted).to.have.length(1);
    // A refresh raises exp and the index moves the key: the marker names the old exp, so the new one is warned.
    registry.items.set("soon", { ...(registry.items.get("soon") as ConnectionRecord), exp: NOW + 3700 });
    candidates.splice(0, 1, { connectionId: "soon", exp: NOW + 3700 });
    expect(await sweep(deps, NOW + 3600)).to.deep.include({ warned: 1 });
    expect(api.posted.at(-1)).to.deep.equal(["soon", { type: "reauth_required", exp: NOW + 3700 }]);
  });

  it("does not mark a connection whose refresh raised exp after the index was read", async () => {
    const { registry } = memoryRegistry([record("raised", NOW + 3600)], [{ connectionId: "raised", exp: NOW + 100 }]);
    const api = posting();
    expect(
      await sweep({ registry, connectionsAt: api.connectionsAt, reauthWarningSeconds: WINDOW }, NOW),
    ).to.deep.include({ warned: 0, skipped: 1 });
    expect(api.posted).to.deep.equal([]);
    expect(registry.items.get("raised")?.warnedExp).to.equal(undefined);
  });

  it("takes the marker back when the send fails, so that the next sweep sends it", async () => {
    const { registry, calls } = memoryRegistry([record("flaky", NOW + 100)]);
    let fail = true;
    const api = posting(async () => (fail ? Promise.reject(new Error("500 from API Gateway")) : true));
    const deps = { registry, connectionsAt: api.connectionsAt, reauthWarningSeconds: WINDOW };
    expect(await sweep(deps, NOW)).to.deep.include({ warnFailed: 1, warned: 0, failed: 0 });
    expect(calls).to.include(`unmarkWarned flaky ${NOW + 100}`);
    expect(registry.items.get("flaky")?.warnedExp).to.equal(undefined);
    expect(
      logs.parsed().find((line) => line.message === "reauth_required not sent; the next sweep retries"),
    ).to.deep.include({ connectionId: "flaky", error: "500 from API Gateway" });
    fail = false;
    expect(await sweep(deps, NOW + 60)).to.deep.include({ warned: 1 });
  });

  it("counts a warning failure when the marker cannot be written, and goes on with the others", async () => {
    const { registry } = memoryRegistry([record("a", NOW + 100), record("b", NOW - 1)]);
    const broken: SweepRegistry = {
      ...registry,
      markWarned: async () => Promise.reject(new Error("throttled")),
    };
    const api = posting();
    expect(
      await sweep({ registry: broken, connectionsAt: api.connectionsAt, reauthWarningSeconds: WINDOW }, NOW),
    ).to.deep.include({ warnFailed: 1, closed: 1 });
  });

  it("counts a connection API Gateway no longer has as gone, and keeps its marker", async () => {
    const { registry } = memoryRegistry([record("left", NOW + 100)]);
    const api = posting(async () => false);
    expect(
      await sweep({ registry, connectionsAt: api.connectionsAt, reauthWarningSeconds: WINDOW }, NOW),
    ).to.deep.include({ gone: 1, warned: 0 });
    expect(registry.items.get("left")?.warnedExp).to.equal(NOW + 100);
  });

  it("closes the expired and warns the due in one pass, and leaves later ones alone", async () => {
    const { registry, expiredArgs } = memoryRegistry([
      record("expired", NOW - 1),
      record("due", NOW + WINDOW),
      record("later", NOW + WINDOW + 1),
    ]);
    const api = posting();
    expect(
      await sweep({ registry, connectionsAt: api.connectionsAt, reauthWarningSeconds: WINDOW }, NOW),
    ).to.deep.include({ candidates: 2, closed: 1, warned: 1 });
    expect(expiredArgs).to.deep.equal([[NOW, SWEEP_LOOKBACK_SECONDS, WINDOW]]);
    expect(api.posted.map(([id, data]) => [id, (data as { type: string }).type])).to.deep.equal([
      ["expired", "error"],
      ["due", "reauth_required"],
    ]);
    expect(api.closed).to.deep.equal(["expired"]);
  });

  it("sends no warning with a window of 0 (warnings off)", async () => {
    const { registry } = memoryRegistry([record("soon", NOW + 1)]);
    const api = posting();
    expect(await sweep({ registry, connectionsAt: api.connectionsAt }, NOW)).to.deep.include({ candidates: 0 });
    expect(api.posted).to.deep.equal([]);
  });

  it("writes what it did as EMF: closes by expiry under the table and reason, warnings sent and failed", async () => {
    const { registry } = memoryRegistry([record("x1", NOW - 1), record("x2", NOW - 2), record("w", NOW + 5)]);
    const api = posting();
    await sweep(
      { registry, connectionsAt: api.connectionsAt, reauthWarningSeconds: WINDOW, metricsTable: "stack-connections" },
      NOW,
    );
    const emf = logs.parsed().filter((line) => "_aws" in line);
    expect(emf.map(({ _aws, ...rest }) => rest)).to.deep.equal([
      { ConnectionsTable: "stack-connections", Reason: "expiry", ConnectionsClosed: 2 },
      {
        ConnectionsTable: "stack-connections",
        ReauthWarningsSent: 1,
        ReauthWarningsFailed: 0,
        SweepCloseFailures: 0,
      },
    ]);
    const directive = (emf[0] as { _aws: { CloudWatchMetrics: { Dimensions: string[][] }[] } })._aws
      .CloudWatchMetrics[0];
    expect(directive?.Dimensions).to.deep.equal([["ConnectionsTable", "Reason"]]);
  });

  it("writes no expiry close metric when it closed none", async () => {
    const { registry } = memoryRegistry([]);
    await sweep({ registry, connectionsAt: posting().connectionsAt, metricsTable: "t-connections" }, NOW);
    const emf = logs.parsed().filter((line) => "_aws" in line);
    expect(emf.map((line) => Object.keys(line).filter((key) => key !== "_aws"))).to.deep.equal([
      ["ConnectionsTable", "ReauthWarningsSent", "ReauthWarningsFailed", "SweepCloseFailures"],
    ]);
  });
});
