// `make dev` and `make token` as a user runs them: child processes running scripts/dev.ts and scripts/token.ts, each pair with its own state file.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "..", "..", "..");
const MAIN = join(ROOT, "scripts", "dev.ts");
const TOKEN = join(ROOT, "scripts", "token.ts");
const DEV_URL = join(ROOT, "scripts", "dev-url.ts");

export interface DevProcess {
  readonly child: ChildProcess;
  readonly stateFile: string;
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<number | null>;
  /** Resolves once the banner is printed; rejects if the process exits first or takes longer than timeoutMs. */
  ready(timeoutMs?: number): Promise<void>;
  /** A banner line starting with the given text, trimmed. */
  line(startsWith: string): string;
  readonly url: () => string;
  /** The banner's one-time page link: it opens the page once. */
  readonly pageUrl: () => string;
  /** A fresh one-time link, from `make dev-url` (scripts/dev-url.ts) as a user runs it. */
  freshPageUrl(): Promise<string>;
  stop(): Promise<void>;
}

/** Variables a developer's shell may hold that would change the stack under test. */
const CLEARED = [
  "HOST",
  "PORT",
  "TOKEN_LOCATION",
  "TOKEN_USE",
  "REQUIRED_GROUPS",
  "TOKEN_QUERY_PARAM",
  "TOKEN_USER",
  "TOKEN_GROUPS",
];

function baseEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of CLEARED) delete env[name];
  return env;
}

export function startDev(env: Record<string, string> = {}): DevProcess {
  const dir = mkdtempSync(join(tmpdir(), "dev-state-"));
  const stateFile = join(dir, "state.json");
  const child = spawn(process.execPath, [MAIN], {
    env: { ...baseEnv(), PORT: "0", DEV_STATE_FILE: stateFile, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const line = (startsWith: string): string =>
    stdout
      .split("\n")
      .map((text) => text.trim())
      .find((text) => text.startsWith(startsWith)) ?? "";
  return {
    child,
    stateFile,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    line,
    url: () => (/ready: (ws:\S+)/.exec(stdout) as RegExpExecArray)[1] as string,
    pageUrl: () => (/Browser page .*: (http:\S+)/.exec(stdout) as RegExpExecArray)[1] as string,
    async freshPageUrl() {
      const run = await runScript(DEV_URL, stateFile);
      if (run.code !== 0) throw new Error(`make dev-url failed: ${run.stderr}`);
      return run.stdout;
    },
    async ready(timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!stdout.includes("Ctrl-C stops.")) {
        if (child.exitCode !== null) throw new Error(`make dev exited with ${child.exitCode}: ${stderr}`);
        if (Date.now() > deadline) throw new Error(`make dev not ready within ${timeoutMs} ms: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGINT");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TokenRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `make token` against a running dev process, with the given variables on top of a cleared environment. */
export function runToken(dev: DevProcess, env: Record<string, string> = {}): Promise<TokenRun> {
  return runScript(TOKEN, dev.stateFile, env);
}

function runScript(script: string, stateFile: string, env: Record<string, string> = {}): Promise<TokenRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script],
      { env: { ...baseEnv(), DEV_STATE_FILE: stateFile, ...env }, timeout: 10_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout: stdout.trim(), stderr });
      },
    );
  });
}

/** The arguments of a printed `npx wscat -c '<url>' ...` line, as a shell would split it. */
export function wscatArgs(line: string): string[] {
  return [
    ...line
      .trim()
      .replace(/^(npx\s+)?wscat\s+/, "")
      .matchAll(/'([^']*)'|(\S+)/g),
  ].map((match) => match[1] ?? match[2] ?? "");
}
