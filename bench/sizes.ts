// Zip sizes and what is inside them, from the zips themselves and esbuild's metafiles.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { bundle, bundleClient } from "../scripts/build.ts";
import { readZip } from "../local/lambda/read-zip.ts";
import { writeZip } from "../scripts/lib/write-zip.ts";
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
    mapBytes: size("index.mjs.map"),
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
}

/** The authoriser zip with each way of shipping its source map. */
export async function sourceMapOptions(): Promise<MapOption[]> {
  const outDir = join(DIST, "bench", "authoriser-full-map");
  const full = await bundle({ entry: join(ROOT, "functions", "authoriser", "index.ts"), outDir, lineLevelMap: false });
  const shipped = readZip(readFileSync(zipPath("authoriser")));
  const codeOnly = writeZip(shipped.filter((entry) => entry.name === "index.mjs"));
  return [
    { option: "esbuild's full map in the zip", zipBytes: full, stackTrace: "file:line:column, function names" },
    {
      option: "line-level map + call-site names in the zip (shipped)",
      zipBytes: readFileSync(zipPath("authoriser")).length,
      stackTrace: "file:line, function names",
    },
    {
      option: "no map in the zip (map kept in dist/ only)",
      zipBytes: codeOnly.length,
      stackTrace: "minified positions only",
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
