// Cold starts of deployed functions, measured by Lambda itself, in your own AWS account: for each function, N times,
// change its configuration (so that Lambda starts a new environment), invoke it once and read Init Duration and
// Duration from the REPORT line of the log tail. The function's environment is put back as it was at the end.
// Needs the AWS CLI (v2) and credentials allowed lambda:GetFunctionConfiguration, UpdateFunctionConfiguration and
// InvokeFunction on those functions. We cannot run it for you: it is the proof `make bench` cannot give.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const USAGE = `Usage: node scripts/aws-cold-starts.ts [-n <count>] [--payload <file.json>] [--region <region>] <function>...

Invokes each deployed Lambda function <count> times (default 10), each time cold: a configuration update (the
environment variable WSAUTH_COLD_START set to a new value) makes Lambda start a new environment. Reads Init
Duration and Duration from each invocation's REPORT line (text or JSON log format), then restores the
function's environment as it was. Prints the medians per function.

  <function>           a deployed function's name or ARN, e.g. wsauth-dev-authoriser
  -n, --count <n>      cold invocations per function, 1-100 (default 10)
  --payload <file>     the event to invoke with (default {}: the authoriser then answers Unauthorized, still a
                       complete cold start)
  --region <region>    passed to the AWS CLI (default: the CLI's own configuration)
  -h, --help           this text`;

export interface ColdStartArgs {
  readonly functions: readonly string[];
  readonly count: number;
  readonly payload: string | undefined;
  readonly region: string | undefined;
}

export function parseArgs(argv: readonly string[]): ColdStartArgs | "help" | { error: string } {
  const functions: string[] = [];
  let count = 10;
  let payload: string | undefined;
  let region: string | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === "-h" || arg === "--help") return "help";
    if (["-n", "--count", "--payload", "--region"].includes(arg)) {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith("-")) return { error: `${arg} needs a value` };
      i += 1;
      if (arg === "--payload") payload = value;
      else if (arg === "--region") region = value;
      else {
        count = Number(value);
        if (!Number.isInteger(count) || count < 1 || count > 100)
          return { error: `${arg} ${value}: a whole number 1-100` };
      }
    } else if (arg.startsWith("-")) return { error: `unknown option ${arg}` };
    else functions.push(arg);
  }
  if (functions.length === 0) return { error: "name at least one deployed function" };
  return { functions, count, payload, region };
}

export interface Report {
  readonly durationMs: number;
  /** Absent on a warm invocation. */
  readonly initDurationMs?: number;
}

/**
 * The REPORT of a log tail: the text line (`REPORT RequestId: … Duration: 12.34 ms … Init Duration: 150.12 ms`) or,
 * under the JSON log format, the `platform.report` record (`metrics.durationMs`, `metrics.initDurationMs`).
 */
export function parseReport(log: string): Report | undefined {
  for (const line of log.split("\n").reverse()) {
    if (line.startsWith("REPORT ")) {
      const duration = /(?<!Billed |Init )Duration: ([\d.]+) ms/.exec(line);
      if (!duration) continue;
      const init = /Init Duration: ([\d.]+) ms/.exec(line);
      return { durationMs: Number(duration[1]), ...(init ? { initDurationMs: Number(init[1]) } : {}) };
    }
    if (line.startsWith("{") && line.includes('"platform.report"')) {
      try {
        const event = JSON.parse(line) as { type?: string; record?: { metrics?: Record<string, unknown> } };
        const metrics = event.record?.metrics;
        if (event.type !== "platform.report" || typeof metrics?.durationMs !== "number") continue;
        const init = metrics.initDurationMs;
        return { durationMs: metrics.durationMs, ...(typeof init === "number" ? { initDurationMs: init } : {}) };
      } catch {
        // Not a JSON record after all.
      }
    }
  }
  return undefined;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  if (args === "help") return void process.stdout.write(`${USAGE}\n`);
  if ("error" in args) {
    process.stderr.write(`aws-cold-starts: ${args.error}\n\n${USAGE}\n`);
    process.exit(2);
  }
  const region = args.region === undefined ? [] : ["--region", args.region];
  const aws = (...argv: string[]): string =>
    execFileSync("aws", [...argv, ...region, "--output", "json"], { encoding: "utf8" });
  const work = mkdtempSync(join(tmpdir(), "aws-cold-starts-"));
  const eventFile = args.payload ?? join(work, "event.json");
  if (args.payload === undefined) writeFileSync(eventFile, "{}");
  const rows: string[] = [];
  try {
    for (const fn of args.functions) {
      const original =
        (
          JSON.parse(aws("lambda", "get-function-configuration", "--function-name", fn)) as {
            Environment?: { Variables?: Record<string, string> };
          }
        ).Environment?.Variables ?? {};
      const setEnvironment = (variables: Record<string, string>): void => {
        aws(
          "lambda",
          "update-function-configuration",
          "--function-name",
          fn,
          "--environment",
          JSON.stringify({ Variables: variables }),
        );
        aws("lambda", "wait", "function-updated", "--function-name", fn);
      };
      const reports: Report[] = [];
      try {
        for (let run = 1; run <= args.count; run += 1) {
          setEnvironment({ ...original, WSAUTH_COLD_START: `${Date.now()}-${run}` });
          const answer = JSON.parse(
            aws(
              "lambda",
              "invoke",
              "--function-name",
              fn,
              "--log-type",
              "Tail",
              "--cli-binary-format",
              "raw-in-base64-out",
              "--payload",
              `fileb://${eventFile}`,
              join(work, "answer.json"),
            ),
          ) as { LogResult?: string };
          const report = parseReport(Buffer.from(answer.LogResult ?? "", "base64").toString("utf8"));
          if (report === undefined) throw new Error(`${fn}: no REPORT line in the log tail`);
          reports.push(report);
          process.stderr.write(
            `${fn} #${run}: init ${report.initDurationMs ?? "(warm)"} ms, duration ${report.durationMs} ms\n`,
          );
        }
      } finally {
        setEnvironment(original);
      }
      const inits = reports.flatMap((report) => (report.initDurationMs === undefined ? [] : [report.initDurationMs]));
      rows.push(
        `| ${fn} | ${inits.length}/${reports.length} | ${inits.length ? median(inits).toFixed(1) : "n/a"} | ${median(reports.map((report) => report.durationMs)).toFixed(1)} |`,
      );
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  process.stdout.write(
    [
      "| function | cold starts seen | Init Duration ms, median | Duration ms, median |",
      "| --- | --- | --- | --- |",
      ...rows,
      "",
    ].join("\n"),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
