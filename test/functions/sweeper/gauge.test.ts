import { expect } from "chai";
import { GAUGE_PERIOD_MS, gaugeDue, recordActiveConnections } from "../../../functions/sweeper/gauge.ts";
import { captureLogSink, LogCollector } from "../../support/logs.ts";

describe("active connections gauge", () => {
  const logs = new LogCollector();
  let release: () => void;
  beforeEach(() => {
    logs.lines.length = 0;
    release = captureLogSink(logs.collect);
  });
  afterEach(() => release());

  it("writes the registry's live count as one EMF gauge under the table", async () => {
    const asked: number[] = [];
    const registry = {
      countLive: async (now: number) => {
        asked.push(now);
        return { count: 1234, queries: 146 };
      },
    };
    expect(await recordActiveConnections(registry, "s-connections", "req", 2_000_000_000)).to.equal(1234);
    expect(asked).to.deep.equal([2_000_000_000]);
    const emf = logs.parsed().filter((line) => "_aws" in line);
    expect(emf).to.have.length(1);
    expect(emf[0]).to.deep.include({ ConnectionsTable: "s-connections", ActiveConnections: 1234 });
    expect((emf[0] as { _aws: { CloudWatchMetrics: unknown[] } })._aws.CloudWatchMetrics).to.deep.equal([
      {
        Namespace: "WsAuth",
        Dimensions: [["ConnectionsTable"]],
        Metrics: [{ Name: "ActiveConnections", Unit: "Count" }],
      },
    ]);
    expect(logs.parsed().find((line) => line.message === "active connections counted")).to.deep.include({
      active: 1234,
      queries: 146,
    });
  });

  it("counts on a container's first sweep, then at most every 50 s: each rate(1 minute) sweep, not each second", () => {
    expect(GAUGE_PERIOD_MS).to.equal(50_000);
    expect(gaugeDue(undefined, 5)).to.equal(true);
    expect(gaugeDue(1_000, 1_000 + 49_999)).to.equal(false);
    expect(gaugeDue(1_000, 1_000 + 50_000)).to.equal(true);
  });

  it("logs a failed count and writes no gauge, without throwing", async () => {
    const registry = { countLive: async () => Promise.reject(new Error("throttled")) };
    expect(await recordActiveConnections(registry, "s-connections")).to.equal(undefined);
    expect(logs.parsed().filter((line) => "_aws" in line)).to.deep.equal([]);
    expect(logs.parsed().find((line) => line.level === "ERROR")).to.deep.include({
      message: "counting active connections failed",
      error: "throttled",
    });
  });
});
