// Cold start proxy: a fresh `node` loads a bundle from its unpacked zip, runs init and one invocation, and exits.
// Against bare `node -e 0`, rounds interleaved so that a busy machine slows every subject alike.
import { spawn } from "node:child_process";
import { pathToFileURL } from "node:url";
import type { LocalIssuer } from "../local/issuer/issuer.ts";
import { summarise, type Summary } from "./lib/stats.ts";

export interface ColdSubject {
  readonly label: string;
  /** Path of index.mjs; undefined for the bare `node -e 0` baseline. */
  readonly module?: string;
  readonly env?: Record<string, string>;
  readonly event?: unknown;
  /** NODE_OPTIONS=--enable-source-maps, as Terraform sets it. */
  readonly sourceMaps?: boolean;
  /** A successful invocation returns this; anything else fails the run loudly. */
  readonly check?: (value: unknown) => boolean;
}

export interface ColdResult {
  readonly label: string;
  /** Wall time from spawn to exit. */
  readonly wallMs: Summary;
  /** Inside the process: import of the bundle (init, with its top-level await). */
  readonly initMs?: Summary;
  /** Inside the process: the first invocation. */
  readonly firstInvokeMs?: Summary;
  /** JWKS requests the local issuer served per cold start. */
  readonly jwksFetches: { readonly min: number; readonly max: number };
}

// Runs in the child: import, invoke once, report timings on stderr, exit without waiting for idle sockets.
const CHILD = `
const started = performance.now();
const module = await import(process.argv[1]);
const imported = performance.now();
let result;
try { result = { ok: true, value: await module.handler(JSON.parse(process.argv[2]), {}) }; }
catch (err) { result = { ok: false, error: String(err) }; }
const invoked = performance.now();
process.stderr.write("BENCH " + JSON.stringify({ initMs: imported - started, firstInvokeMs: invoked - imported, ...result }) + "\\n");
process.exit(0);
`;

interface ChildReport {
  initMs: number;
  firstInvokeMs: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

function runOnce(
  subject: ColdSubject,
  baseEnv: Record<string, string>,
): Promise<{ wallMs: number; report?: ChildReport }> {
  const args =
    subject.module === undefined
      ? ["-e", "0"]
      : ["--input-type=module", "-e", CHILD, pathToFileURL(subject.module).href, JSON.stringify(subject.event ?? {})];
  const env = { ...baseEnv, ...subject.env, ...(subject.sourceMaps ? { NODE_OPTIONS: "--enable-source-maps" } : {}) };
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ["ignore", "ignore", "pipe"] });
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
      if (!report.ok || (subject.check && !subject.check(report.value))) {
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
  const samples = subjects.map(() => ({
    wall: [] as number[],
    init: [] as number[],
    invoke: [] as number[],
    fetches: [] as number[],
  }));
  for (let round = 0; round < rounds + 1; round += 1) {
    for (let i = 0; i < subjects.length; i += 1) {
      // Rotate the order each round, so no subject always runs right after the same neighbour.
      const index = (i + round) % subjects.length;
      const subject = subjects[index] as ColdSubject;
      const fetchesBefore = issuer.jwksFetches;
      const { wallMs, report } = await runOnce(subject, baseEnv);
      if (round === 0) continue; // The first round warms the disk cache.
      const sample = samples[index] as (typeof samples)[number];
      sample.wall.push(wallMs);
      sample.fetches.push(issuer.jwksFetches - fetchesBefore);
      if (report) {
        sample.init.push(report.initMs);
        sample.invoke.push(report.firstInvokeMs);
      }
    }
  }
  return subjects.map((subject, index) => {
    const sample = samples[index] as (typeof samples)[number];
    return {
      label: subject.label,
      wallMs: summarise(sample.wall),
      ...(sample.init.length > 0 ? { initMs: summarise(sample.init), firstInvokeMs: summarise(sample.invoke) } : {}),
      jwksFetches: { min: Math.min(...sample.fetches), max: Math.max(...sample.fetches) },
    };
  });
}
