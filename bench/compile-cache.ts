// Node's compile cache (NODE_COMPILE_CACHE, what module.enableCompileCache turns on) against the shipped zips, in
// cold.ts's runtime-like host: no cache, a miss (an empty cache folder: compile, then write the cache at exit), a hit
// (the cache a previous run wrote for the same file), and the cache of the same zip unpacked at another path (what a
// cache built at build time meets in Lambda, whose task root the build does not share). CPU time and elapsed time of
// init + first call, paired round by round with an empty ESM handler. Prints a Markdown table; a one-off study for
// issue 16, not part of `make bench`. Run: `make build && node --import ./scripts/require-node.mjs bench/compile-cache.ts`.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { LocalIssuer } from "../local/issuer/issuer.ts";
import { makeConnectEvent, makeRouteEvent } from "../local/gateway/sample-events.ts";
import { type ColdSubject, runOnce, writeHost } from "./cold.ts";
import { startAwsStub } from "./lib/aws-stub.ts";
import { readDeployedEnvironment } from "./lib/deployed-env.ts";
import { authoriserEnv, PLATFORM_ENV, ROOT, removeTaskRoots, unpack } from "./lib/fixtures.ts";
import { fmt, median } from "./lib/stats.ts";

const ROUNDS = Number(process.env.ROUNDS ?? 30);
const CONDITIONS = ["no cache", "miss", "hit", "cache of another path"] as const;
type Condition = (typeof CONDITIONS)[number];

const issuer = new LocalIssuer();
await issuer.listen();
const stub = await startAwsStub(issuer.subFor("alice"));
const deployed = await readDeployedEnvironment(join(ROOT, "terraform"));
const scratch = mkdtempSync(join(tmpdir(), "bench-compile-cache-"));
const host = writeHost();
const emptyModule = join(scratch, "empty", "index.mjs");
mkdirSync(dirname(emptyModule));
writeFileSync(emptyModule, "export const handler = async () => ({});\n");

const fixture = { ...authoriserEnv(issuer, true), CONNECTIONS_TABLE: "bench-connections" };
const functions = [
  {
    name: "authoriser",
    event: makeConnectEvent({ query: { auth: issuer.mint({ username: "alice", groups: ["admin"] }) } }),
  },
  { name: "connect", event: makeRouteEvent({ routeKey: "$connect", eventType: "CONNECT" }) },
];

interface Cell {
  cpu: number[];
  elapsed: number[];
}
const cells = new Map<string, Cell>();
const cell = (key: string): Cell => {
  const found = cells.get(key) ?? { cpu: [], elapsed: [] };
  cells.set(key, found);
  return found;
};

try {
  const subjects = functions.map(({ name, event }) => {
    const module = unpack(join(ROOT, "dist", `${name}.zip`));
    // The same bytes at another path, as a cache made elsewhere would meet them.
    const elsewhere = join(scratch, `${name}-elsewhere`, "index.mjs");
    cpSync(dirname(module), dirname(elsewhere), { recursive: true });
    const warmCache = join(scratch, `${name}-cache`);
    const otherCache = join(scratch, `${name}-other-cache`);
    const env = { ...deployed.forFunction(name, fixture), DYNAMODB_ENDPOINT: stub.endpoint };
    return { name, event, module, elsewhere, warmCache, otherCache, env };
  });
  // Fill the caches once: the hit's for the module's own path, the other one for the copy at another path.
  for (const subject of subjects) {
    const base: ColdSubject = { label: subject.name, module: subject.module, event: subject.event };
    await runOnce({ ...base, env: { ...subject.env, NODE_COMPILE_CACHE: subject.warmCache } }, PLATFORM_ENV, host.path);
    await runOnce(
      { ...base, module: subject.elsewhere, env: { ...subject.env, NODE_COMPILE_CACHE: subject.otherCache } },
      PLATFORM_ENV,
      host.path,
    );
  }
  const loads: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    loads.push(loadavg()[0] as number);
    const empty = await runOnce(
      { label: "empty", module: emptyModule, env: deployed.moduleEnv },
      PLATFORM_ENV,
      host.path,
    );
    const floorCpu = empty.report?.cpuMs ?? Number.NaN;
    const floorElapsed = (empty.report?.initMs ?? 0) + (empty.report?.firstInvokeMs ?? 0);
    for (const subject of subjects) {
      for (const condition of CONDITIONS) {
        // A fresh folder for each run that may write one, so that no run leaves a hit for the next.
        const missDir = mkdtempSync(join(scratch, "run-"));
        if (condition === "cache of another path") cpSync(subject.otherCache, missDir, { recursive: true });
        const cache: Record<Condition, Record<string, string>> = {
          "no cache": {},
          miss: { NODE_COMPILE_CACHE: missDir },
          hit: { NODE_COMPILE_CACHE: subject.warmCache },
          "cache of another path": { NODE_COMPILE_CACHE: missDir },
        };
        const { report } = await runOnce(
          {
            label: subject.name,
            module: subject.module,
            event: subject.event,
            env: { ...subject.env, ...cache[condition] },
          },
          PLATFORM_ENV,
          host.path,
        );
        rmSync(missDir, { recursive: true, force: true });
        if (report === undefined) throw new Error(`${subject.name}: no report`);
        const found = cell(`${subject.name}|${condition}`);
        found.cpu.push(report.cpuMs - floorCpu);
        found.elapsed.push(report.initMs + report.firstInvokeMs - floorElapsed);
      }
    }
  }
  const rows = functions.flatMap(({ name }) => {
    const none = cell(`${name}|no cache`);
    return CONDITIONS.map((condition) => {
      const found = cell(`${name}|${condition}`);
      const vsNone = found.cpu.map((value, i) => value - (none.cpu[i] as number));
      return `| ${name} | ${condition} | +${fmt(median(found.cpu))} | ${condition === "no cache" ? "" : fmt(median(vsNone))} | +${fmt(median(found.elapsed))} |`;
    });
  });
  process.stdout.write(
    [
      `${ROUNDS} rounds, load average ${fmt(median(loads))} (median of the rounds), Node ${process.version}.`,
      "",
      "| function | compile cache | CPU time of init + first call, + ms vs empty handler (median) | vs no cache, ms (median of pairs) | elapsed in process, + ms vs empty handler (median) |",
      "| --- | --- | --- | --- | --- |",
      ...rows,
      "",
    ].join("\n"),
  );
} finally {
  host.remove();
  removeTaskRoots();
  rmSync(scratch, { recursive: true, force: true });
  await stub.close();
  await issuer.close();
}
