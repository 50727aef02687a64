import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LambdaHost } from "../../../local/lambda/host.ts";
import { writeZip } from "../../../scripts/lib/write-zip.ts";

function makeFunctionZip(source: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "host-test-")), "fn.zip");
  writeFileSync(path, writeZip([{ name: "index.mjs", data: Buffer.from(source) }]));
  return path;
}

const BEHAVING = `
let calls = 0;
export async function handler(event, context) {
  calls += 1;
  if (event.hang) return new Promise(() => {});
  if (event.fail) throw new TypeError("bad input");
  return { calls, env: process.env.GREETING ?? null, fn: context.functionName, remaining: context.getRemainingTimeInMillis() > 0 };
}`;

describe("local Lambda host", function () {
  this.timeout(20_000);
  const hosts: LambdaHost[] = [];
  const start = (
    source: string,
    options: { timeoutMs?: number; env?: Record<string, string>; maxConcurrency?: number } = {},
  ): LambdaHost => {
    const host = new LambdaHost({ name: "fn", zipPath: makeFunctionZip(source), onLog: () => undefined, ...options });
    hosts.push(host);
    return host;
  };
  after(async () => Promise.all(hosts.map((host) => host.stop())));

  it("runs init once and keeps module state between sequential invocations, like a warm container", async () => {
    const host = start(BEHAVING, { env: { GREETING: "hi" } });
    await host.invoke({});
    expect(await host.invoke({})).to.deep.equal({
      ok: true,
      value: { calls: 2, env: "hi", fn: "fn", remaining: true },
    });
    expect(host.coldStarts).to.equal(1);
  });

  it("reports a thrown error by type and message", async () => {
    const host = start(BEHAVING);
    expect(await host.invoke({ fail: true })).to.deep.equal({
      ok: false,
      errorType: "TypeError",
      errorMessage: "bad input",
    });
  });

  it("times out a hung invocation and serves the next one from a fresh container", async () => {
    const host = start(BEHAVING, { timeoutMs: 300 });
    const hung = await host.invoke({ hang: true });
    expect(hung).to.include({ ok: false, errorType: "Sandbox.Timedout" });
    expect(await host.invoke({})).to.deep.equal({
      ok: true,
      value: { calls: 1, env: null, fn: "fn", remaining: true },
    });
    expect(host.coldStarts).to.equal(2);
  });

  it("fails invocations with an init error when the module does not load", async () => {
    const host = start("throw new Error('config: BAD_VAR expected x');");
    const result = await host.invoke({});
    expect(result).to.include({ ok: false, errorType: "Runtime.InitError" });
    expect((result as { errorMessage: string }).errorMessage).to.match(/BAD_VAR/);
  });

  it("fails an invocation whose container crashes, then recovers", async () => {
    const host = start(`export async function handler(event) { if (event.crash) process.exit(3); return "alive"; }`);
    expect(await host.invoke({ crash: true })).to.include({ ok: false, errorType: "Runtime.ExitError" });
    expect(await host.invoke({})).to.deep.equal({ ok: true, value: "alive" });
  });

  it("gives each concurrent invocation its own container, one invocation at a time in each, as Lambda does", async () => {
    const host = start(`
      let running = 0;
      export async function handler() {
        running += 1;
        const overlapped = running > 1;
        await new Promise((resolve) => setTimeout(resolve, 200));
        running -= 1;
        return { pid: process.pid, overlapped };
      }`);
    const results = await Promise.all(Array.from({ length: 3 }, () => host.invoke({})));
    const values = results.map((result) => (result as { value: { pid: number; overlapped: boolean } }).value);
    expect(values.map((value) => value.overlapped)).to.deep.equal([false, false, false]);
    expect(new Set(values.map((value) => value.pid)).size, "three containers").to.equal(3);
    expect(host.coldStarts).to.equal(3);
  });

  it("reuses an idle container instead of starting another", async () => {
    const host = start(BEHAVING);
    for (let i = 0; i < 3; i += 1) await Promise.all([host.invoke({}), host.invoke({})]);
    expect(host.coldStarts, "two concurrent calls at a time need two containers").to.equal(2);
    expect(host.containerCount).to.equal(2);
  });

  it("throttles an invocation past the concurrency cap with TooManyRequestsException, and serves again once one is free", async () => {
    const host = start(
      `export const handler = (event) => new Promise((resolve) => setTimeout(() => resolve("done"), event.ms));`,
      { maxConcurrency: 2 },
    );
    const running = [host.invoke({ ms: 500 }), host.invoke({ ms: 500 })];
    const third = await host.invoke({ ms: 0 });
    expect(third).to.include({ ok: false, errorType: "TooManyRequestsException" });
    expect(await Promise.all(running)).to.deep.equal([
      { ok: true, value: "done" },
      { ok: true, value: "done" },
    ]);
    expect(await host.invoke({ ms: 0 })).to.deep.equal({ ok: true, value: "done" });
    expect({ coldStarts: host.coldStarts, throttles: host.throttles, peak: host.peakContainers }).to.deep.equal({
      coldStarts: 2,
      throttles: 1,
      peak: 2,
    });
  });

  it("refuses a concurrency cap below 1", () => {
    expect(() => new LambdaHost({ name: "fn", zipPath: "unused.zip", maxConcurrency: 0 })).to.throw(
      RangeError,
      /maxConcurrency/,
    );
  });
});
