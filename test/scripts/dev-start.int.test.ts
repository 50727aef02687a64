// `make dev`'s start-up as a newcomer meets it: one line per bad setting, a port clash before the build, two stacks
// in one checkout, and no moto left behind however the stack dies.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { removeDir } from "../local/gateway/support/stack.ts";

const root = join(import.meta.dirname, "..", "..");
const MAIN = join(root, "scripts", "dev.ts");
const TOKEN = join(root, "scripts", "token.ts");

interface Run {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

function run(command: string, args: string[], env: Record<string, string>): Run {
  const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} not seen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function startReady(env: Record<string, string>): Promise<Run & { port: number }> {
  const dev = run(process.execPath, [MAIN], { PORT: "0", ...env });
  await waitFor(() => dev.stdout().includes("Ctrl-C stops.") || dev.child.exitCode !== null, 30_000, "ready");
  const port = /ready: ws:\/\/127\.0\.0\.1:(\d+)\//.exec(dev.stdout())?.[1];
  if (port === undefined) throw new Error(`make dev did not start: ${dev.stderr()}`);
  return { ...dev, port: Number(port) };
}

async function token(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [TOKEN], { env: { ...process.env, ...env }, timeout: 10_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => err,
  );
}

function stop(dev: Run | undefined): Promise<unknown> {
  if (dev === undefined || dev.child.exitCode !== null) return Promise.resolve();
  dev.child.kill("SIGKILL");
  return dev.exited;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("make dev start-up: bad settings", () => {
  const BAD: Record<string, string> = {
    REQUIRED_GROUPS: ",,",
    TOKEN_USE: "refresh",
    DYNAMODB_ENDPOINT: "foo",
    TOKEN_LOCATION: "header",
    SWEEP_INTERVAL_SECONDS: "0",
    ALLOWED_ALGORITHMS: "HS256",
  };
  for (const [variable, value] of Object.entries(BAD)) {
    it(`refuses ${variable}=${JSON.stringify(value)} in one line naming it, before moto or any function starts`, async () => {
      const dev = run(process.execPath, [MAIN], { PORT: "0", [variable]: value });
      expect(await dev.exited).to.equal(2);
      const lines = dev.stderr().trimEnd().split("\n");
      expect(lines, dev.stderr()).to.have.length(1);
      expect(lines[0]).to.match(
        new RegExp(`^make dev: ${variable}: expected .*, got "${value.replace(/[$.*+?()[\]{}|^\\]/g, "\\$&")}"$`),
      );
    });
  }

  it("reports a port clash before building anything", async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      const dev = run("make", ["dev"], { PORT: String(port) });
      expect(await dev.exited).to.not.equal(0);
      expect(dev.stderr()).to.include(`make dev: port ${port} is in use`);
      expect(dev.stdout(), "no build ran").to.not.include("scripts/build.ts");
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});

describe("make dev: two stacks in one checkout, and moto's lifetime", function () {
  this.timeout(90_000);
  let stateDir: string;
  const started: Run[] = [];

  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), "dev-state-"));
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map(stop));
    removeDir(stateDir);
  });

  it("keeps one state per port: make token asks which, a second stack on a taken port names the first", async () => {
    const first = await startReady({ DEV_STATE_DIR: stateDir });
    started.push(first);
    const second = await startReady({ DEV_STATE_DIR: stateDir });
    started.push(second);
    expect(readdirSync(stateDir).sort()).to.deep.equal(
      [`state-${first.port}.json`, `state-${second.port}.json`].sort(),
    );

    const ambiguous = await token({ DEV_STATE_DIR: stateDir });
    expect(ambiguous.code).to.equal(1);
    expect(ambiguous.stderr).to.include("2 dev stacks are running").and.include(String(first.port));
    const picked = await token({ DEV_STATE_DIR: stateDir, PORT: String(second.port) });
    expect(picked.code, picked.stderr).to.equal(0);
    expect(picked.stderr).to.include(`127.0.0.1:${second.port}/dev`);

    const clash = run(process.execPath, [MAIN], { DEV_STATE_DIR: stateDir, PORT: String(first.port) });
    expect(await clash.exited).to.equal(1);
    expect(clash.stderr()).to.include(`port ${first.port} is in use (make dev (pid ${first.child.pid}) runs there)`);

    first.child.kill("SIGINT");
    expect(await first.exited).to.equal(0);
    expect(existsSync(join(stateDir, `state-${first.port}.json`)), "the first's state removed").to.equal(false);
    expect(existsSync(join(stateDir, `state-${second.port}.json`)), "the second's state kept").to.equal(true);
    const only = await token({ DEV_STATE_DIR: stateDir });
    expect(only.code, only.stderr).to.equal(0);
  });

  it("names the variable, not the mint request's field, when make token is given a bad value", async () => {
    const dev = await startReady({ DEV_STATE_DIR: stateDir });
    started.push(dev);
    const cases: Record<string, [string, string]> = {
      TOKEN_USE: ["refresh", "TOKEN_USE: expected id or access"],
      TOKEN_GROUPS: ["a b", "TOKEN_GROUPS: expected a list of group names"],
      EXPIRES_IN: ["999999", "EXPIRES_IN: expected whole seconds from -86400 to 86400"],
    };
    for (const [variable, [value, said]] of Object.entries(cases)) {
      const result = await token({ DEV_STATE_DIR: stateDir, [variable]: value });
      expect(result.code).to.equal(1);
      expect(result.stderr.trim()).to.equal(`make token: ${said}`);
    }
  });

  it("leaves no moto running when make dev is killed with SIGKILL", async () => {
    const dev = await startReady({ DEV_STATE_DIR: stateDir });
    started.push(dev);
    const children = await promisify(execFile)("ps", ["-o", "pid=,args=", "--ppid", String(dev.child.pid)]);
    const moto = children.stdout.split("\n").find((line) => line.includes("moto"));
    expect(moto, children.stdout).to.not.equal(undefined);
    const motoPid = Number(moto?.trim().split(/\s+/)[0]);
    dev.child.kill("SIGKILL");
    await dev.exited;
    await waitFor(() => !isRunning(motoPid), 10_000, "moto's exit");
  });
});
