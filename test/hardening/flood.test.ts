import { expect } from "chai";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const FLOOD = 20_000;
const MAX_GROWTH = 16 * 1024 * 1024;

describe("hardening: a flood of forged tokens with caller-chosen iss and kid values", () => {
  it(`keeps the heap after GC within 16 MiB over ${FLOOD} tokens, each with a new iss or kid`, async function () {
    this.timeout(180_000);
    const script = fileURLToPath(new URL("./support/flood.ts", import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ["--expose-gc", script, String(FLOOD)], {
      maxBuffer: 1 << 20,
    });
    const { before, after, reasons, fetches } = JSON.parse(stdout.trim().split("\n").pop() as string) as {
      before: number;
      after: number;
      reasons: Record<string, number>;
      fetches: number;
    };
    // Every forged token refused for the reason its forgery gives, not by accident.
    expect(reasons).to.deep.equal({ wrong_issuer: (FLOOD + 2_000) / 2, unknown_key: (FLOOD + 2_000) / 2 });
    // JWKS_JSON seeds the keys; unknown kids fetch at most once per back-off (10 s).
    expect(fetches).to.be.at.most(2);
    expect(after - before, `heap grew from ${before} to ${after} bytes`).to.be.below(MAX_GROWTH);
  });
});
