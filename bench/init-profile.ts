// The authoriser's cold start step by step: the runtime-like host of cold.ts under V8's CPU profiler (sampling every
// 50 µs), the samples between "host ready" and "first call done" attributed to a step by where they fall: the
// bundle's own code mapped back to our sources through dist/authoriser/index.mjs.map, Node's built-ins by module,
// the module loader and compiler, GC. Medians over the runs, written as a Markdown table.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { SourceMap, type SourceMapPayload } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ColdSubject, runOnce, writeHost } from "./cold.ts";
import { fmt, median } from "./lib/stats.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface InitStep {
  readonly step: string;
  /** Median ms per run. */
  readonly ms: number;
  /** Runs in which the step had any sample. */
  readonly seenIn: number;
}

export interface InitProfile {
  readonly runs: number;
  readonly intervalUs: number;
  readonly initMs: number;
  readonly firstCallMs: number;
  readonly steps: readonly InitStep[];
}

/** The step a sample belongs to, from its stack (leaf first). */
function classify(stack: readonly ProfileNode[], map: SourceMap, bundleUrl: string): string {
  const leaf = stack[0]?.callFrame;
  if (leaf === undefined) return "(unknown)";
  if (leaf.functionName === "(garbage collector)") return "GC";
  const ours = stack.find((node) => node.callFrame.url === bundleUrl);
  if (ours !== undefined) {
    const entry = map.findEntry(ours.callFrame.lineNumber, ours.callFrame.columnNumber) as { originalSource?: string };
    const source =
      entry.originalSource?.replace(/^.*?(?=(?:functions|node_modules)\/)/, "") ??
      "index.mjs, unmapped (esbuild's module wrappers, the banner)";
    const owner = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source)?.[1] ?? source;
    const builtin =
      leaf.url === "node:internal/bootstrap/realm"
        ? " → loading a built-in module (node:crypto and what it requires)"
        : leaf.url.startsWith("node:")
          ? ` → ${leaf.url.replace(/^node:internal\//, "node:")}`
          : "";
    const native = leaf.url === "" && leaf.functionName !== "" ? ` → native ${leaf.functionName}` : "";
    return `bundle: ${owner}${builtin || native}`;
  }
  if (stack.some((node) => /modules\/(esm|cjs)\//.test(node.callFrame.url)))
    return "module loader: resolve, read, compile, link";
  if (leaf.functionName === "(program)") return "(program): V8 outside JS (compiling, parsing, runtime)";
  if (leaf.url.startsWith("node:")) return `node: ${leaf.url.replace(/^node:internal\//, "")}`;
  return leaf.url === "" ? `native: ${leaf.functionName || "(anonymous)"}` : leaf.url;
}

/** Sampled ms per step between two monotonic instants (µs). */
function attribute(
  profile: CpuProfile,
  fromUs: number,
  toUs: number,
  map: SourceMap,
  bundleUrl: string,
): Map<string, number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const stackOf = (id: number): ProfileNode[] => {
    const stack: ProfileNode[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at))
      stack.push(byId.get(at) as ProfileNode);
    return stack;
  };
  const steps = new Map<string, number>();
  let time = profile.startTime;
  for (let i = 0; i < profile.samples.length; i += 1) {
    time += profile.timeDeltas[i] ?? 0;
    const next = time + (profile.timeDeltas[i + 1] ?? 0);
    if (time < fromUs || time >= toUs) continue;
    const step = classify(stackOf(profile.samples[i] as number), map, bundleUrl);
    steps.set(step, (steps.get(step) ?? 0) + (Math.min(next, toUs) - time) / 1000);
  }
  return steps;
}

/** Profiles `runs` cold starts of one subject (index.mjs unpacked beside its map). */
export async function profileInit(
  subject: ColdSubject,
  mapPath: string,
  baseEnv: Record<string, string>,
  runs: number,
  intervalUs = 50,
): Promise<InitProfile> {
  const host = writeHost();
  const map = new SourceMap(JSON.parse(readFileSync(mapPath, "utf8")) as SourceMapPayload);
  const bundleUrl = `file://${subject.module}`;
  const perRun: Array<Map<string, number>> = [];
  const init: number[] = [];
  const first: number[] = [];
  try {
    for (let run = 0; run < runs + 1; run += 1) {
      const dir = mkdtempSync(join(tmpdir(), "bench-prof-"));
      try {
        const { report } = await runOnce(subject, baseEnv, host.path, [
          "--cpu-prof",
          `--cpu-prof-interval=${intervalUs}`,
          `--cpu-prof-dir=${dir}`,
        ]);
        const file = readdirSync(dir).find((name) => name.endsWith(".cpuprofile"));
        if (run === 0 || report?.hr === undefined || file === undefined) continue;
        const profile = JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile;
        perRun.push(attribute(profile, report.hr.ready, report.hr.invoked, map, bundleUrl));
        init.push(report.initMs);
        first.push(report.firstInvokeMs);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    host.remove();
  }
  const names = new Set(perRun.flatMap((steps) => [...steps.keys()]));
  const steps = [...names]
    .map((step) => ({
      step,
      ms: median(perRun.map((steps) => steps.get(step) ?? 0)),
      seenIn: perRun.filter((steps) => steps.has(step)).length,
    }))
    .sort((a, b) => b.ms - a.ms);
  return { runs: perRun.length, intervalUs, initMs: median(init), firstCallMs: median(first), steps };
}

export function renderInitProfile(profile: InitProfile, heading: string): string {
  const shown = profile.steps.filter((step) => step.ms >= 0.05);
  const rest = profile.steps.filter((step) => step.ms < 0.05).reduce((sum, step) => sum + step.ms, 0);
  const total = profile.steps.reduce((sum, step) => sum + step.ms, 0);
  const rows = [
    ...shown.map((step) => `| ${step.step} | ${fmt(step.ms)} | ${step.seenIn}/${profile.runs} |`),
    `| (other steps, under 0.05 ms each) | ${fmt(rest)} | |`,
    `| **sum of medians** | **${fmt(total)}** | |`,
  ];
  return [
    heading,
    "",
    `Under the CPU profiler (a sample every ${profile.intervalUs} µs, which slows the process: read the shares, not the ` +
      `sum), ${profile.runs} runs: init ${fmt(profile.initMs)} ms and first call ${fmt(profile.firstCallMs)} ms (medians). ` +
      "Samples from the host being ready (node:http loaded) to the end of the first call; `bundle:` rows are our " +
      "code and the packages it bundles, mapped through the source map, with the built-in or native function it was " +
      "in at the time.",
    "",
    "| step | ms per run, median | runs with samples |",
    "| --- | --- | --- |",
    ...rows,
    "",
  ].join("\n");
}
