import { existsSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..", "..");

/** Path of a built function zip; a clear failure when `make build` has not run. */
export function distZip(name: string): string {
  const path = join(root, "dist", `${name}.zip`);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`make build\` first (make test does)`);
  return path;
}
