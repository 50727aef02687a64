// Map a stack trace logged by a deployed function (minified positions in index.mjs) back to our sources, offline,
// with the source map `make build` keeps in dist/<name>/index.mjs.map. The zips carry no map, so nothing is parsed
// at init; builds are byte-reproducible, so building the deployed commit gives the very map that fits.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { SourceMap, type SourceMapPayload } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const USAGE = `Usage: node scripts/map-trace.ts --function <name> [--dist <dir>] [<file>]

Reads a stack trace, or a JSON log record with a stackTrace array (from <file>, or stdin), logged by the deployed function <name> and prints it with each
index.mjs:<line>:<column> frame mapped to its source file, line and function name, using
<dist>/<name>/index.mjs.map (default dist/, from \`make build\` of the deployed commit).
Also prints the CodeSha256 of <dist>/<name>.zip, to compare with the deployed function's
(aws lambda get-function-configuration --function-name <deployed name> --query CodeSha256).

  -f, --function <name>  the function folder: authoriser, connect, disconnect, message, refresh, sweeper
  -d, --dist <dir>       where the build is (default: dist)
  -h, --help             this text`;

/** `at name (…/index.mjs:12:345)` or `at …/index.mjs:12:345`: the location, 1-based line and column. */
const FRAME = /^(\s*at )(?:(.+?) \()?((?:file:\/\/)?[^\s()]*index\.mjs):(\d+):(\d+)(\)?)\s*$/;

interface Frame {
  readonly prefix: string;
  readonly name: string | undefined;
  readonly line: number;
  readonly column: number;
  readonly close: string;
}

function parseFrame(text: string): Frame | undefined {
  const match = FRAME.exec(text);
  if (!match) return undefined;
  return {
    prefix: match[1] as string,
    name: match[2],
    line: Number(match[4]),
    column: Number(match[5]),
    close: match[6] as string,
  };
}

/**
 * The trace with each index.mjs frame mapped. A frame's function name is the name the map gives its caller's call
 * site (the frame below it), as Node's own --enable-source-maps does; without one, the minified name stays.
 */
export function mapTrace(trace: string, map: SourceMap): string {
  const lines = trace.split("\n");
  const frames = lines.map(parseFrame);
  const entryOf = (frame: Frame) =>
    map.findEntry(frame.line - 1, frame.column - 1) as Partial<{
      originalSource: string;
      originalLine: number;
      originalColumn: number;
      name: string;
    }>;
  return lines
    .map((text, index) => {
      const frame = frames[index];
      if (frame === undefined) return text;
      const entry = entryOf(frame);
      if (entry.originalSource === undefined || entry.originalLine === undefined) return text;
      const caller = frames.slice(index + 1).find((candidate) => candidate !== undefined);
      const name = (caller ? entryOf(caller).name : undefined) ?? frame.name;
      const source = entry.originalSource.replace(/^(?:file:\/\/)?(?:.*?\/)?(?=(?:functions|node_modules)\/)/, "");
      const where = `${source}:${entry.originalLine + 1}:${(entry.originalColumn ?? 0) + 1}`;
      return name === undefined
        ? `${frame.prefix}${where}`
        : `${frame.prefix}${name} (${where}${frame.close === "" ? ")" : frame.close}`;
    })
    .join("\n");
}

/** Lambda's JSON log format logs an uncaught error as {"errorType", "errorMessage", "stackTrace": [lines]}. */
export function traceText(input: string): string {
  try {
    const record = JSON.parse(input) as { stackTrace?: unknown; errorType?: unknown; errorMessage?: unknown };
    if (Array.isArray(record.stackTrace)) {
      // Lambda's array is err.stack split into lines, the first of them the message line.
      const lines = record.stackTrace.map(String);
      const header = /^\s*at /.test(lines[0] ?? "") ? [`${record.errorType}: ${record.errorMessage}`] : [];
      return [...header, ...lines].join("\n");
    }
  } catch {
    // Not JSON: a plain trace.
  }
  return input;
}

export function loadMap(mapPath: string): SourceMap {
  return new SourceMap(JSON.parse(readFileSync(mapPath, "utf8")) as SourceMapPayload);
}

export interface MapTraceArgs {
  readonly functionName: string;
  readonly dist: string;
  readonly file: string | undefined;
}

/** Parsed arguments, "help", or an error message. */
export function parseArgs(argv: readonly string[]): MapTraceArgs | "help" | { error: string } {
  let functionName: string | undefined;
  let dist = "dist";
  let file: string | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === "-h" || arg === "--help") return "help";
    if (arg === "-f" || arg === "--function" || arg === "-d" || arg === "--dist") {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith("-")) return { error: `${arg} needs a value` };
      if (arg === "-f" || arg === "--function") functionName = value;
      else dist = value;
      i += 1;
    } else if (arg.startsWith("-")) return { error: `unknown option ${arg}` };
    else if (file === undefined) file = arg;
    else return { error: `one trace file at most (got ${file} and ${arg})` };
  }
  if (functionName === undefined) return { error: "--function <name> is required" };
  if (!/^[a-z][a-z0-9-]*$/.test(functionName)) return { error: `--function ${functionName}: a function folder name` };
  return { functionName, dist, file };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args === "help") {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if ("error" in args) {
    process.stderr.write(`map-trace: ${args.error}\n\n${USAGE}\n`);
    process.exit(2);
  }
  const mapPath = join(args.dist, args.functionName, "index.mjs.map");
  if (!existsSync(mapPath)) {
    process.stderr.write(`map-trace: no ${mapPath}: run \`make build\` on the deployed commit first\n`);
    process.exit(2);
  }
  const zip = join(args.dist, `${args.functionName}.zip`);
  if (existsSync(zip)) {
    const sha = createHash("sha256").update(readFileSync(zip)).digest("base64");
    process.stderr.write(`map-trace: ${zip} CodeSha256 ${sha} (the deployed function's must be the same)\n`);
  }
  const input = args.file === undefined ? readFileSync(0, "utf8") : readFileSync(args.file, "utf8");
  process.stdout.write(`${mapTrace(traceText(input), loadMap(mapPath)).trimEnd()}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
