// `make dev` as a user runs it: a child process that prints a wscat line, serves it, and stops on Ctrl-C.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { removeDir } from "../local/gateway/support/stack.ts";
import { closed, connect, nextMessage, runWscat } from "../local/gateway/support/clients.ts";
import { wscatArgs } from "../local/support/dev-process.ts";

const root = join(import.meta.dirname, "..", "..");
const MAIN = join(root, "scripts", "dev.ts");
const TOKEN = join(root, "scripts", "token.ts");
const REVOKE = join(root, "scripts", "revoke.ts");

interface DevProcess {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

function startDev(env: Record<string, string>): DevProcess {
  const child = spawn(process.execPath, [MAIN], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
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

describe("make dev (scripts/dev.ts)", () => {
  let stateDir: string;
  let dev: DevProcess | undefined;

  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), "dev-state-"));
  });
  afterEach(async () => {
    if (dev && dev.child.exitCode === null) {
      dev.child.kill("SIGKILL");
      await dev.exited;
    }
    dev = undefined;
    removeDir(stateDir);
  });

  it("prints a ready wscat line that connects and gets a reply, mints more tokens for make token, and stops cleanly on Ctrl-C", async function () {
    this.timeout(30_000);
    const stateFile = join(stateDir, "state.json");
    const started = startDev({ PORT: "0", DEV_STATE_FILE: stateFile });
    dev = started;
    await waitFor(() => started.stdout().includes("Ctrl-C stops."), 15_000, "the ready message");
    expect(dev.stdout()).to.match(/ready: ws:\/\/127\.0\.0\.1:\d+\/dev/);

    const line =
      dev
        .stdout()
        .split("\n")
        .find((text) => text.trim().startsWith("npx wscat -c")) ?? "";
    const run = await runWscat([...wscatArgs(line), "-x", '{"action":"hello"}', "-w", "1"]);
    expect(run.stdout).to.include('"username":"alice"');

    const minted = await promisify(execFile)(process.execPath, [TOKEN], {
      env: { ...process.env, DEV_STATE_FILE: stateFile, TOKEN_USER: "bob", TOKEN_GROUPS: "admins,editors" },
      timeout: 10_000,
    });
    const url = (/ready: (ws:\S+)/.exec(dev.stdout()) as RegExpExecArray)[1] as string;
    const asBob = await runWscat(["-c", `${url}?auth=${minted.stdout.trim()}`, "-x", "hi", "-w", "1"]);
    expect(asBob.stdout).to.include('"username":"bob"').and.include('"groups":["admins","editors"]');

    dev.child.kill("SIGINT");
    expect(await dev.exited).to.equal(0);
    expect(existsSync(stateFile), "state file removed").to.equal(false);
  });

  it("closes a user's connections with make revoke TOKEN_USER=..., through the stack's revoke zip", async function () {
    this.timeout(60_000);
    const stateFile = join(stateDir, "state.json");
    const started = startDev({ PORT: "0", DEV_STATE_FILE: stateFile });
    dev = started;
    await waitFor(() => started.stdout().includes("Ctrl-C stops."), 30_000, "the ready message");
    const env = { ...process.env, DEV_STATE_FILE: stateFile };
    const mintFor = async (user: string) =>
      (
        await promisify(execFile)(process.execPath, [TOKEN], { env: { ...env, TOKEN_USER: user }, timeout: 10_000 })
      ).stdout.trim();
    const url = (/ready: (ws:\S+)/.exec(started.stdout()) as RegExpExecArray)[1] as string;
    const carol = await connect(`${url}?auth=${await mintFor("carol")}`);
    const dave = await connect(`${url}?auth=${await mintFor("dave")}`);
    const told = nextMessage(carol, 20_000);
    const carolClosed = closed(carol, 20_000);

    const revoked = await promisify(execFile)(process.execPath, [REVOKE], {
      env: { ...env, TOKEN_USER: "carol" },
      timeout: 30_000,
    });
    expect(JSON.parse(revoked.stdout)).to.deep.equal({ closed: 1, gone: 0, failed: 0, more: false });
    expect(await told).to.deep.equal({ type: "revoked" });
    await carolClosed;
    expect(dave.readyState, "dave's connection stays open").to.equal(dave.OPEN);
    dave.close();
  });

  it("refuses a HOST that is not an address, naming the variable", async () => {
    dev = startDev({ HOST: "my laptop", PORT: "0" });
    expect(await dev.exited).to.equal(2);
    expect(dev.stderr()).to.include("HOST: expected an IP address");
  });

  it("says make dev is not running when make token or make revoke finds no state", async () => {
    const revoking = await promisify(execFile)(process.execPath, [REVOKE], {
      env: { ...process.env, DEV_STATE_FILE: join(stateDir, "none.json") },
      timeout: 10_000,
    }).catch((err: { code: number; stderr: string }) => err);
    expect(revoking).to.have.property("code", 1);
    expect((revoking as { stderr: string }).stderr).to.include("make revoke: no running dev stack found");
    const result = await promisify(execFile)(process.execPath, [TOKEN], {
      env: { ...process.env, DEV_STATE_FILE: join(stateDir, "none.json") },
      timeout: 10_000,
    }).catch((err: { code: number; stderr: string }) => err);
    expect(result).to.have.property("code", 1);
    expect((result as { stderr: string }).stderr).to.include("start `make dev`");
  });
});
