// What `make dev` leaves for `make token`: where the running issuer mints, and the secret it asks for.
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { DIST_DIR } from "./lambda/functions.ts";

/** DEV_STATE_FILE moves it (tests run a dev stack beside a developer's own). */
export const DEV_STATE_PATH = process.env.DEV_STATE_FILE?.trim() || join(DIST_DIR, "dev", "state.json");

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
export function writeDevState(state: DevState, path: string = DEV_STATE_PATH): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function readDevState(path: string = DEV_STATE_PATH): DevState | undefined {
  let raw: string;
  try {
    raw = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  const state = JSON.parse(raw) as Partial<DevState>;
  if (typeof state.mintUrl !== "string" || typeof state.mintSecret !== "string" || typeof state.url !== "string")
    return undefined;
  return state as DevState;
}

export function removeDevState(path: string = DEV_STATE_PATH): void {
  rmSync(path, { force: true });
}
