// Zip sizes and what is inside them, from the zips themselves and esbuild's metafiles.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { bundle, bundleClient } from "../scripts/build.ts";
import { readZip } from "../local/lambda/read-zip.ts";
import { loadMap, mapTrace } from "../scripts/map-trace.ts";
import { fmt, median } from "./lib/stats.ts";
import { DIST, ROOT, zipPath } from "./lib/fixtures.ts";

export interface ZipSize {
  readonly name: string;
  readonly zipBytes: number;
  readonly codeBytes: number;
  readonly mapBytes: number;
  /** Bytes of output per package (own code as `functions/...`), largest first. */
  readonly contents: ReadonlyArray<{ readonly input: string; readonly bytes: number }>;
}

interface Metafile {
  outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
}

/** node_modules/@scope/pkg/... -> @scope/pkg; node_modules/pkg/... -> pkg; our own files keep their folder. */
function owner(input: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (match?.[1]) return match[1];
  return input.split("/").slice(0, 2).join("/");
}

export function zipSize(name: string): ZipSize {
  const zip = zipPath(name);
  const entries = readZip(readFileSync(zip));
  const size = (file: string): number => entries.find((entry) => entry.name === file)?.data.length ?? 0;
  const metaPath = zip.replace(/\.zip$/, ".meta.json");
  const besideZip = join(zip.replace(/\.zip$/, ""), "index.mjs.map");
  const totals = new Map<string, number>();
  if (existsSync(metaPath)) {
    const meta = JSON.parse(readFileSync(metaPath, "utf8")) as Metafile;
    for (const [output, { inputs }] of Object.entries(meta.outputs)) {
      if (!output.endsWith(".mjs")) continue;
      for (const [input, { bytesInOutput }] of Object.entries(inputs))
        totals.set(owner(input), (totals.get(owner(input)) ?? 0) + bytesInOutput);
    }
  }
  return {
    name,
    zipBytes: readFileSync(zip).length,
    codeBytes: size("index.mjs"),
    // In the zip (a peer's comparison build), else beside it in dist/ (the shipped zips carry none).
    mapBytes: size("index.mjs.map") || (existsSync(besideZip) ? readFileSync(besideZip).length : 0),
    contents: [...totals]
      .map(([input, bytes]) => ({ input, bytes }))
      .filter(({ bytes }) => bytes > 0)
      .sort((a, b) => b.bytes - a.bytes),
  };
}

export interface MapOption {
  readonly option: string;
  readonly zipBytes: number;
  readonly stackTrace: string;
  readonly cost: string;
}

/**
 * What lazy mapping would cost on a function's first error: read index.mjs.map, parse it into node:module's
 * SourceMap, map a ten-frame trace (median ms of fresh runs, in this process).
 */
export function lazyMappingMs(mapPath: string, runs = 21): number {
  const trace = [
    "Error: x",
    ...Array.from({ length: 10 }, (_, i) => `    at f (file:///var/task/index.mjs:3:${1000 + i * 900})`),
  ].join("\n");
  const times: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const started = performance.now();
    mapTrace(trace, loadMap(mapPath));
    times.push(performance.now() - started);
  }
  return median(times);
}

/** The authoriser zip with each way of shipping its source map. */
export async function sourceMapOptions(): Promise<MapOption[]> {
  const entry = join(ROOT, "functions", "authoriser", "index.ts");
  const full = await bundle({
    entry,
    outDir: join(DIST, "bench", "authoriser-full-map"),
    lineLevelMap: false,
    includeMap: true,
  });
  const lineLevel = await bundle({ entry, outDir: join(DIST, "bench", "authoriser-line-map"), includeMap: true });
  const lazy = lazyMappingMs(join(DIST, "authoriser", "index.mjs.map"));
  const atInit = "--enable-source-maps: Node parses the map at init (see the source-maps rows of the cold-start table)";
  return [
    {
      option: "esbuild's full map in the zip",
      zipBytes: full,
      stackTrace: "file:line:column, function names",
      cost: atInit,
    },
    {
      option: "line-level map + call-site names in the zip (issue 10's choice)",
      zipBytes: lineLevel,
      stackTrace: "file:line, function names",
      cost: `${atInit}; or, mapped lazily on the first error (read, parse, map 10 frames): ${fmt(lazy)} ms then, 0 at init`,
    },
    {
      option: "no map in the zip; `scripts/map-trace.ts` maps a logged trace against dist/ (shipped)",
      zipBytes: readFileSync(zipPath("authoriser")).length,
      stackTrace: "minified in the log; file:line, function names after one command",
      cost: "0 at init, 0 on errors",
    },
  ];
}

export interface ClientSize {
  readonly minifiedBytes: number;
  readonly gzipBytes: number;
}

/** The client library as `make build` bundles it, and gzipped at level 9 as a CDN would serve it. */
export async function clientSize(): Promise<ClientSize> {
  const code = readFileSync(await bundleClient(join(DIST, "bench", "wsauth-client.js")));
  return { minifiedBytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length };
}
