import { expect } from "chai";
import type { Connections } from "../../../functions/shared/management-api.ts";
import { type ConnectionRecord, ConnectionRegistry } from "../../../functions/shared/registry.ts";
import { sweep } from "../../../functions/sweeper/sweep.ts";
import { freshRegistryTable } from "../../local/support/dynamodb.ts";
import { captureLogSink, LogCollector } from "../../support/logs.ts";

/** A Management API that records each call in order; `gone` ids answer 410 as API Gateway does. */
function recordingApi(gone: ReadonlySet<string> = new Set()) {
  const calls: Array<[string, string, string, string?]> = [];
  const connectionsAt = (endpoint: string): Connections => ({
    post: async (connectionId, data) => {
      calls.push([endpoint, "POST", connectionId, data]);
      return !gone.has(connectionId);
    },
    close: async (connectionId) => {
      calls.push([endpoint, "DELETE", connectionId]);
      return !gone.has(connectionId);
    },
  });
  return { calls, connectionsAt };
}

describe("sweep, against moto's DynamoDB", function () {
  this.timeout(60_000);
  const now = 2_000_000_000;
  let registry: ConnectionRegistry;
  const logs = new LogCollector();
  let releaseLogs: () => void;

  const record = (connectionId: string, exp: number, endpoint = "http://127.0.0.1:9/dev"): ConnectionRecord => ({
    connectionId,
    sub: `sub-${connectionId}`,
    username: connectionId,
    exp,
    connectedAt: (now - 600) * 1000,
    endpoint,
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

  it("tells each expired connection why, then closes it through its own API, then removes it", async () => {
    await registry.register(record("old", now - 5, "http://127.0.0.1:9/a"));
    await registry.register(record("fresh", now + 5));
    const api = recordingApi();
    const result = await sweep({ registry, connectionsAt: api.connectionsAt }, now);
    expect(api.calls).to.deep.equal([
      ["http://127.0.0.1:9/a", "POST", "old", JSON.stringify({ type: "error", error: "token_expired", exp: now - 5 })],
      ["http://127.0.0.1:9/a", "DELETE", "old"],
    ]);
    expect(result).to.deep.include({ candidates: 1, closed: 1, gone: 0, failed: 0 });
    expect(await registry.lookup("old")).to.equal(undefined);
    expect(await registry.lookup("fresh")).to.not.equal(undefined);
  });

  it("removes the item of a connection API Gateway already dropped, still asking for the close", async () => {
    await registry.register(record("vanished", now - 1));
    const api = recordingApi(new Set(["vanished"]));
    expect(await sweep({ registry, connectionsAt: api.connectionsAt }, now)).to.deep.include({ gone: 1, closed: 0 });
    expect(api.calls.map((call) => call[1])).to.deep.equal(["POST", "DELETE"]);
    expect(await registry.lookup("vanished")).to.equal(undefined);
  });

  it("re-reads the item before closing: a refresh the index has not caught up with wins", async () => {
    await registry.register(record("racing", now - 1));
    const api = recordingApi();
    const stale = {
      expiring: () => registry.expiring(now, 7800, 0),
      markWarned: (id: string, exp: number) => registry.markWarned(id, exp),
      unmarkWarned: (id: string, exp: number) => registry.unmarkWarned(id, exp),
      removeIfExp: (id: string, exp: number) => registry.removeIfExp(id, exp),
      restore: (r: ConnectionRecord) => registry.restore(r),
      lookup: async (id: string) => {
        await registry.refresh(id, "sub-racing", { exp: now + 3600, username: "r", groups: [], scopes: [] }, now - 5);
        return registry.lookup(id);
      },
    };
    expect(await sweep({ registry: stale, connectionsAt: api.connectionsAt }, now)).to.deep.include({
      candidates: 1,
      skipped: 1,
      closed: 0,
    });
    expect(api.calls).to.deep.equal([]);
  });

  it("keeps going when one close fails, and the failed one stays for the next sweep", async () => {
    await registry.register(record("broken", now - 2));
    await registry.register(record("fine", now - 2));
    const api = recordingApi();
    const failing = (endpoint: string): Connections => {
      const inner = api.connectionsAt(endpoint);
      return {
        ...inner,
        close: async (id) => (id === "broken" ? Promise.reject(new Error("500 from API Gateway")) : inner.close(id)),
      };
    };
    expect(await sweep({ registry, connectionsAt: failing }, now)).to.deep.include({ closed: 1, failed: 1 });
    expect(await registry.lookup("broken")).to.not.equal(undefined);
    expect(
      logs.parsed().some((line) => line.message?.toString().startsWith("closing an expired connection failed")),
    ).to.equal(true);
  });

  it("closes 300 expired connections in one run, with a bounded number of Management API calls in flight", async () => {
    await Promise.all(Array.from({ length: 300 }, (_, i) => registry.register(record(`bulk-${i}`, now - (i % 900)))));
    let inFlight = 0;
    let peak = 0;
    const slow = (): Connections => ({
      post: async () => {
        peak = Math.max(peak, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 2));
        inFlight -= 1;
        return true;
      },
      close: async () => true,
    });
    expect(await sweep({ registry, connectionsAt: slow }, now)).to.deep.include({ candidates: 300, closed: 300 });
    expect(peak).to.be.at.most(16);
  });
});
