import { expect } from "chai";
import type { Connections } from "../../../functions/shared/management-api.ts";
import type { ConnectionRecord, ConnectionRegistry, ExpiryCandidate } from "../../../functions/shared/registry.ts";
import { SWEEP_LOOKBACK_SECONDS, sweep } from "../../../functions/sweeper/sweep.ts";
import { captureLogSink, LogCollector } from "../../support/logs.ts";

// The sweep's decisions over an in-memory registry; the same against moto's DynamoDB is sweep.int.test.ts.
const NOW = 2_000_000_000;

type SweepRegistry = Pick<ConnectionRegistry, "expired" | "lookup" | "removeIfExp" | "restore">;

function memoryRegistry(records: ConnectionRecord[], candidates: ExpiryCandidate[] = records) {
  const items = new Map(records.map((record) => [record.connectionId, record]));
  const calls: string[] = [];
  const expiredArgs: Array<[number, number]> = [];
  const registry: SweepRegistry & { items: typeof items } = {
    items,
    async *expired(nowSeconds, lookbackSeconds) {
      expiredArgs.push([nowSeconds, lookbackSeconds]);
      for (const candidate of candidates) yield candidate;
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
    expect(result).to.deep.equal({ candidates: 1, closed: 1, gone: 0, skipped: 0, failed: 0 });
    expect(calls).to.deep.equal(["lookup old", `removeIfExp old ${NOW - 5}`]);
    expect(management.calls).to.deep.equal([
      ["http://127.0.0.1:9/old", "POST", "old"],
      ["http://127.0.0.1:9/old", "DELETE", "old"],
    ]);
    expect(expiredArgs).to.deep.equal([[NOW, SWEEP_LOOKBACK_SECONDS]]);
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
      expired: registry.expired,
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
