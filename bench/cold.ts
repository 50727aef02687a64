// Cold start, the way Lambda starts a function: a fresh `node` runs a runtime-like host (node:http already loaded,
// as the runtime client loads it before the handler; stdout a pipe), which imports the unpacked zip (init) and,
// unless told not to, invokes the handler once. Rounds interleave every subject, so that a busy machine slows all
// of them alike, and each round notes the load average.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { LocalIssuer } from "../local/issuer/issuer.ts";
import { summarise, type Summary } from "./lib/stats.ts";

export interface ColdSubject {
  readonly label: string;
  /** Rows of one build share a group ("" for this checkout): each is compared with its group's empty handler. */
  readonly group?: string;
  /** Path of index.mjs; undefined for the bare `node -e 0` baseline. */
  readonly module?: string;
  /** The whole function environment (NODE_OPTIONS included, as Terraform sets it), over the platform's. */
  readonly env?: Record<string, string>;
  readonly event?: unknown;
  /** false: init only (the sweeper, whose first run makes many queries). */
  readonly invoke?: boolean;
  /** A successful invocation returns this; anything else fails the run loudly. */
  readonly check?: (value: unknown) => boolean;
}

export interface ColdResult {
  readonly label: string;
  readonly group: string;
  /** Wall time from spawn to exit. */
  readonly wallMs: Summary;
  /** Inside the process: import of the bundle (init, with its top-level await). */
  readonly initMs?: Summary;
  /** Inside the process: the first invocation. */
  readonly firstInvokeMs?: Summary;
  /** Inside the process: init + first invocation (the cold start Lambda bills), per run. */
  readonly coldMs?: Summary;
  /** Inside the process: CPU time (user + system) of init + first invocation; waiting for a core not counted. */
  readonly cpuMs?: Summary;
  /** Inside the process: from the process's time origin to the host being ready (node's own start). */
  readonly bootMs?: Summary;
  /** JWKS requests the local issuer served per cold start. */
  readonly jwksFetches: { readonly min: number; readonly max: number };
  readonly invoked: boolean;
  /** Per round, in round order (for deltas paired round by round): wall ms and in-process init + first call ms. */
  readonly raw: { readonly wall: readonly number[]; readonly cold: readonly number[]; readonly cpu: readonly number[] };
}

export interface ColdRun {
  readonly results: ColdResult[];
  /** 1-minute load average noted at each round. */
  readonly loadAverage: Summary;
}

// The host, as a file (the runtime's index.mjs is one): argv = module URL, event JSON, "1" to invoke.
const HOST = `
process.getBuiltinModule("node:http");
const hr = () => Number(process.hrtime.bigint() / 1000n);
const ready = performance.now();
const hrReady = hr();
const cpuReady = process.cpuUsage();
const module = await import(process.argv[2]);
const imported = performance.now();
let result = { ok: true };
if (process.argv[4] === "1") {
  try { result = { ok: true, value: await module.handler(JSON.parse(process.argv[3]), { awsRequestId: "bench-cold" }) }; }
  catch (err) { result = { ok: false, error: String(err) }; }
}
const invoked = performance.now();
const hrInvoked = hr();
const cpu = process.cpuUsage(cpuReady);
process.stderr.write("BENCH " + JSON.stringify({ bootMs: ready, initMs: imported - ready, firstInvokeMs: invoked - imported, hr: { ready: hrReady, invoked: hrInvoked }, cpuMs: (cpu.user + cpu.system) / 1000, ...result }) + "\\n");
process.exit(0);
`;

/** Writes the host script to a temporary folder; returns its path and a clean-up. */
export function writeHost(): { path: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "bench-host-"));
  const path = join(dir, "host.mjs");
  writeFileSync(path, HOST);
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

interface ChildReport {
  bootMs: number;
  /** CPU time (user + system, every thread) from host ready to first call done. */
  cpuMs: number;
  /** Monotonic µs (the CPU profiler's clock): host ready, first call done. */
  hr?: { ready: number; invoked: number };
  initMs: number;
  firstInvokeMs: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

/** One cold start; `extraArgs` go to node before the host (--cpu-prof, say). */
export function runOnce(
  subject: ColdSubject,
  baseEnv: Record<string, string>,
  host: string,
  extraArgs: readonly string[] = [],
): Promise<{ wallMs: number; report?: ChildReport }> {
  const invoke = subject.invoke !== false;
  const args =
    subject.module === undefined
      ? ["-e", "0"]
      : [
          ...extraArgs,
          host,
          pathToFileURL(subject.module).href,
          JSON.stringify(subject.event ?? {}),
          invoke ? "1" : "0",
        ];
  const env = { ...baseEnv, ...subject.env };
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    // stdout is a pipe, as in Lambda; drained so that a log line never blocks the child.
    child.stdout.resume();
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => {
      const wallMs = performance.now() - started;
      if (code !== 0) return reject(new Error(`${subject.label}: exit ${code}\n${stderr}`));
      const line = stderr.split("\n").find((text) => text.startsWith("BENCH "));
      if (subject.module === undefined) return resolve({ wallMs });
      if (line === undefined) return reject(new Error(`${subject.label}: no report\n${stderr}`));
      const report = JSON.parse(line.slice(6)) as ChildReport;
      if (!report.ok || (invoke && subject.check && !subject.check(report.value))) {
        return reject(new Error(`${subject.label}: unexpected result ${JSON.stringify(report)}`));
      }
      resolve({ wallMs, report });
    });
  });
}

export async function measureColdStarts(
  subjects: readonly ColdSubject[],
  rounds: number,
  baseEnv: Record<string, string>,
  issuer: LocalIssuer,
): Promise<ColdResult[]> {
  return (await measureColdRun(subjects, rounds, baseEnv, issuer)).results;
}

export async function measureColdRun(
  subjects: readonly ColdSubject[],
  rounds: number,
  baseEnv: Record<string, string>,
  issuer: LocalIssuer,
): Promise<ColdRun> {
  const host = writeHost();
  const load: number[] = [];
  const samples = subjects.map(() => ({
    wall: [] as number[],
    init: [] as number[],
    invoke: [] as number[],
    cold: [] as number[],
    cpu: [] as number[],
    boot: [] as number[],
    fetches: [] as number[],
  }));
  try {
    for (let round = 0; round < rounds + 1; round += 1) {
      if (round > 0) load.push(loadavg()[0] as number);
      for (let i = 0; i < subjects.length; i += 1) {
        // Rotate the order each round, so no subject always runs right after the same neighbour.
        const index = (i + round) % subjects.length;
        const subject = subjects[index] as ColdSubject;
        const fetchesBefore = issuer.jwksFetches;
        const { wallMs, report } = await runOnce(subject, baseEnv, host.path);
        if (round === 0) continue; // The first round warms the disk cache.
        const sample = samples[index] as (typeof samples)[number];
        sample.wall.push(wallMs);
        sample.fetches.push(issuer.jwksFetches - fetchesBefore);
        if (report) {
          sample.init.push(report.initMs);
          sample.invoke.push(report.firstInvokeMs);
          sample.cold.push(report.initMs + report.firstInvokeMs);
          sample.cpu.push(report.cpuMs);
          sample.boot.push(report.bootMs);
        }
      }
    }
  } finally {
    host.remove();
  }
  const results = subjects.map((subject, index) => {
    const sample = samples[index] as (typeof samples)[number];
    return {
      label: subject.label,
      group: subject.group ?? "",
      wallMs: summarise(sample.wall),
      ...(sample.init.length > 0
        ? {
            initMs: summarise(sample.init),
            firstInvokeMs: summarise(sample.invoke),
            coldMs: summarise(sample.cold),
            cpuMs: summarise(sample.cpu),
            bootMs: summarise(sample.boot),
          }
        : {}),
      jwksFetches: { min: Math.min(...sample.fetches), max: Math.max(...sample.fetches) },
      invoked: subject.module !== undefined && subject.invoke !== false,
      raw: { wall: sample.wall, cold: sample.cold, cpu: sample.cpu },
    };
  });
  return { results, loadAverage: summarise(load) };
}
