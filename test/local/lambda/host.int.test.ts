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
    options: {
      timeoutMs?: number;
      env?: Record<string, string>;
      maxConcurrency?: number;
      reservedConcurrency?: number;
      onLog?: (line: string) => void;
    } = {},
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

  it("starts a container as Terraform deploys the function: no NODE_OPTIONS, no source-map support", async () => {
    const host = start(`export const handler = async () => ({
      nodeOptions: process.env.NODE_OPTIONS ?? null,
      sourceMaps: process.sourceMapsEnabled,
      execArgv: process.execArgv,
    });`);
    expect(await host.invoke({})).to.deep.equal({
      ok: true,
      value: { nodeOptions: null, sourceMaps: false, execArgv: [] },
    });
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

  it("reports an init error in one line, without the minified source line or a stack", async () => {
    const lines: string[] = [];
    const host = start("const x = 1; throw new Error('REQUIRED_GROUPS: expected one or more group names');", {
      onLog: (line) => lines.push(line),
    });
    let failure: unknown;
    await host.warm().catch((err: unknown) => (failure = err));
    expect(String(failure)).to.equal("Error: fn init failed: Error: REQUIRED_GROUPS: expected one or more group names");
    // Give the container's output time to arrive before asserting there is none.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(lines, "nothing printed by the container").to.deep.equal([]);
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

  const SLEEPER = `export const handler = (event) => new Promise((resolve) => setTimeout(() => resolve("done"), event.ms));`;

  it("with reserved concurrency, throttles an invocation past it with TooManyRequestsException, in one log line", async () => {
    const lines: string[] = [];
    const host = start(SLEEPER, { reservedConcurrency: 2, onLog: (line) => lines.push(line) });
    const running = [host.invoke({ ms: 500 }), host.invoke({ ms: 500 })];
    const third = await host.invoke({ ms: 0 });
    expect(third).to.include({ ok: false, errorType: "TooManyRequestsException" });
    expect(await Promise.all(running)).to.deep.equal([
      { ok: true, value: "done" },
      { ok: true, value: "done" },
    ]);
    expect(await host.invoke({ ms: 0 })).to.deep.equal({ ok: true, value: "done" });
    expect({
      coldStarts: host.coldStarts,
      throttles: host.throttles,
      waits: host.waits,
      peak: host.peakContainers,
    }).to.deep.equal({
      coldStarts: 2,
      throttles: 1,
      waits: 0,
      peak: 2,
    });
    expect(lines.filter((line) => line.includes("throttled (TooManyRequestsException)"))).to.have.length(1);
  });

  it("without reserved concurrency, lets an invocation past the process cap wait for a free container, in one log line", async () => {
    const lines: string[] = [];
    const host = start(SLEEPER, { maxConcurrency: 2, onLog: (line) => lines.push(line) });
    const results = await Promise.all([host.invoke({ ms: 300 }), host.invoke({ ms: 300 }), host.invoke({ ms: 0 })]);
    expect(results).to.deep.equal([
      { ok: true, value: "done" },
      { ok: true, value: "done" },
      { ok: true, value: "done" },
    ]);
    expect({
      coldStarts: host.coldStarts,
      throttles: host.throttles,
      waits: host.waits,
      peak: host.peakContainers,
    }).to.deep.equal({
      coldStarts: 2,
      throttles: 0,
      waits: 1,
      peak: 2,
    });
    const said = lines.filter((line) => line.includes("waiting for a free container"));
    expect(said).to.have.length(1);
    expect(JSON.parse(said[0] as string)).to.include({ level: "WARN", function: "fn" });
  });

  it("gives a waiting invocation a new container when the busy one times out", async () => {
    const host = start(SLEEPER, { maxConcurrency: 1, timeoutMs: 300 });
    const [hung, waited] = await Promise.all([host.invoke({ ms: 5_000 }), host.invoke({ ms: 0 })]);
    expect(hung).to.include({ ok: false, errorType: "Sandbox.Timedout" });
    expect(waited).to.deep.equal({ ok: true, value: "done" });
  });

  it("refuses a concurrency cap below 1", () => {
    expect(() => new LambdaHost({ name: "fn", zipPath: "unused.zip", maxConcurrency: 0 })).to.throw(
      RangeError,
      /maxConcurrency/,
    );
  });
});
