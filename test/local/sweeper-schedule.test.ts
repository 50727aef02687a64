import { expect } from "chai";
import type { InvokeResult } from "../../local/lambda/host.ts";
import { GatewayConfigError } from "../../local/gateway/config.ts";
import { parseSweepInterval, startSweeper } from "../../local/sweep-schedule.ts";
import { loadApiDescription } from "../../local/api-description.ts";
import { checkStackSettings } from "../../local/settings-check.ts";

describe("local sweep schedule", () => {
  it("runs every minute unless SWEEP_INTERVAL_SECONDS says otherwise", () => {
    expect(parseSweepInterval({})).to.equal(60_000);
    expect(parseSweepInterval({ SWEEP_INTERVAL_SECONDS: " 2 " })).to.equal(2_000);
  });

  for (const bad of ["0", "1.5", "-1", "3601", "soon"]) {
    it(`refuses SWEEP_INTERVAL_SECONDS=${bad} with an error naming the variable`, () => {
      expect(() => parseSweepInterval({ SWEEP_INTERVAL_SECONDS: bad })).to.throw(
        GatewayConfigError,
        /^SWEEP_INTERVAL_SECONDS: expected a whole number from 1 to 3600/,
      );
    });
  }

  it("refuses, before start-up, a warning window shorter than the local sweep interval, naming the variable", () => {
    const api = loadApiDescription();
    expect(() => checkStackSettings({ SWEEP_INTERVAL_SECONDS: "300" }, api, "query")).to.throw(
      /^REAUTH_WARNING_SECONDS: expected 0 \(no warning\) or at least SWEEP_INTERVAL_SECONDS \(300\)/,
    );
    expect(() =>
      checkStackSettings({ SWEEP_INTERVAL_SECONDS: "300", REAUTH_WARNING_SECONDS: "300" }, api, "query"),
    ).to.not.throw();
    expect(() => checkStackSettings({ SWEEP_INTERVAL_SECONDS: "1" }, api, "query")).to.not.throw();
  });

  it("invokes with an EventBridge scheduled event and never runs two sweeps at once", async () => {
    let running = 0;
    let peak = 0;
    const events: Array<Record<string, unknown>> = [];
    const slow = {
      invoke: async (event: unknown): Promise<InvokeResult> => {
        events.push(event as Record<string, unknown>);
        peak = Math.max(peak, ++running);
        await new Promise((resolve) => setTimeout(resolve, 60));
        running -= 1;
        return { ok: true, value: null };
      },
    };
    const sweeper = startSweeper([slow], 10);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await Promise.all([sweeper.sweepNow(), sweeper.sweepNow()]);
    await sweeper.stop();
    expect(peak).to.equal(1);
    expect(events.length).to.be.greaterThan(2);
    expect(events[0]).to.include({ source: "aws.events", "detail-type": "Scheduled Event" });
    expect(sweeper.runs.every((run) => run.endedAt - run.startedAt >= 50)).to.equal(true);
    const count = events.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(events.length, "no run after stop").to.equal(count);
  });
});
