// Where `make bench` writes: the committed bench/results only when asked (SAVE=1), else a scratch folder under
// dist/, so a QUICK run or a run on a busy machine never rewrites the numbers the README cites.
import { join } from "node:path";

export interface BenchOutput {
  readonly dir: string;
  /** True when the run writes the committed results (and may update bench/README.md). */
  readonly committed: boolean;
}

export class BenchOutputError extends Error {
  constructor(got: string) {
    super(`SAVE: expected 1 (write the committed bench/results) or nothing, got ${JSON.stringify(got)}`);
    this.name = "BenchOutputError";
  }
}

export const COMMITTED_RESULTS = join(import.meta.dirname, "results");
export const SCRATCH_RESULTS = join(import.meta.dirname, "..", "dist", "bench");

export function benchOutput(env: Readonly<Record<string, string | undefined>>): BenchOutput {
  const save = env.SAVE?.trim() ?? "";
  if (save !== "" && save !== "0" && save !== "1") throw new BenchOutputError(save);
  return save === "1" ? { dir: COMMITTED_RESULTS, committed: true } : { dir: SCRATCH_RESULTS, committed: false };
}
