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
  const start = (source: string, options: { timeoutMs?: number; env?: Record<string, string> } = {}): LambdaHost => {
    const host = new LambdaHost({ name: "fn", zipPath: makeFunctionZip(source), onLog: () => undefined, ...options });
    hosts.push(host);
    return host;
  };
  after(async () => Promise.all(hosts.map((host) => host.stop())));

  it("runs init once and keeps module state between invocations, like a warm container", async () => {
    const host = start(BEHAVING, { env: { GREETING: "hi" } });
    await host.invoke({});
    expect(await host.invoke({})).to.deep.equal({ ok: true, value: { calls: 2, env: "hi", fn: "fn", remaining: true } });
    expect(host.coldStarts).to.equal(1);
  });

  it("reports a thrown error by type and message", async () => {
    const host = start(BEHAVING);
    expect(await host.invoke({ fail: true })).to.deep.equal({ ok: false, errorType: "TypeError", errorMessage: "bad input" });
  });

  it("times out a hung invocation and serves the next one from a fresh container", async () => {
    const host = start(BEHAVING, { timeoutMs: 300 });
    const hung = await host.invoke({ hang: true });
    expect(hung).to.include({ ok: false, errorType: "Sandbox.Timedout" });
    expect(await host.invoke({})).to.deep.equal({ ok: true, value: { calls: 1, env: null, fn: "fn", remaining: true } });
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
});
