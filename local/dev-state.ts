// What `make dev` leaves for `make token`: where the running issuer mints, and the secret it asks for. One file per
// running stack, by port, so two `make dev` in one checkout (PORT=3002 for the second) never share or delete each
// other's state.
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { DIST_DIR } from "./lambda/functions.ts";

/** DEV_STATE_DIR moves the folder (tests run dev stacks beside a developer's own). */
export const DEV_STATE_DIR = process.env.DEV_STATE_DIR?.trim() || join(DIST_DIR, "dev");
const STATE_FILE = /^state-(\d+)\.json$/;

/** DEV_STATE_FILE names one file instead (tests run a dev stack beside a developer's own). */
export function devStatePath(port: number, env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env.DEV_STATE_FILE?.trim() || join(DEV_STATE_DIR, `state-${port}.json`);
}

export interface DevState {
  readonly pid: number;
  readonly url: string;
  readonly mintUrl: string;
  readonly mintSecret: string;
  readonly tokenLocation: string;
  readonly tokenQueryParam: string;
  /** The authoriser's TOKEN_USE (id, access or any), so `make token` mints what the stack accepts. */
  readonly tokenUse?: string;
  readonly requiredGroups?: readonly string[];
}

/** Written readable by its owner only: the secret lets anyone holding it mint tokens the dev authoriser accepts. */
export function writeDevState(state: DevState, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function readDevState(path: string): DevState | undefined {
  let state: Partial<DevState>;
  try {
    state = JSON.parse(readFileSync(path, "utf8")) as Partial<DevState>;
  } catch {
    return undefined;
  }
  if (typeof state.mintUrl !== "string" || typeof state.mintSecret !== "string" || typeof state.url !== "string")
    return undefined;
  return state as DevState;
}

function isAlive(pid: unknown): boolean {
  if (typeof pid !== "number") return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The stacks running from this checkout, by port; a file left by a stack that died (SIGKILL) is skipped. */
export function runningDevStates(dir: string = DEV_STATE_DIR): Map<number, DevState> {
  const running = new Map<number, DevState>();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return running;
  }
  for (const name of names) {
    const port = STATE_FILE.exec(name)?.[1];
    const state = port === undefined ? undefined : readDevState(join(dir, name));
    if (state !== undefined && isAlive(state.pid)) running.set(Number(port), state);
  }
  return running;
}

/** Removes the file only while it is still this process's: a later stack on the same port may have replaced it. */
export function removeDevState(path: string, pid: number = process.pid): void {
  if (readDevState(path)?.pid === pid) rmSync(path, { force: true });
}

/** The stack a command talks to: PORT's (or DEV_STATE_FILE's), else the only one running; a sentence when none fits. */
export function findRunningStack(command: string, env: Readonly<Record<string, string | undefined>> = process.env) {
  const port = env.PORT?.trim();
  if (env.DEV_STATE_FILE?.trim() || port) {
    const path = devStatePath(Number(port), env);
    return readDevState(path) ?? `no running dev stack found (${path}): start \`make dev\` in another terminal first`;
  }
  const running = runningDevStates();
  const [only] = running.values();
  if (only === undefined) return "no running dev stack found: start `make dev` in another terminal first";
  if (running.size > 1)
    return `${running.size} dev stacks are running (ports ${[...running.keys()].join(", ")}): say which, e.g. PORT=${[...running.keys()][0]} ${command}`;
  return only;
}
