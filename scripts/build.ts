// Bundle each functions/<name>/index.ts into dist/<name>.zip (index.mjs), byte-reproducible; the source map stays
// beside it in dist/<name>/index.mjs.map, for scripts/map-trace.ts.
import { decode, encode, type SourceMapSegment } from "@jridgewell/sourcemap-codec";
import { build, type Plugin } from "esbuild";
import { builtinModules, createRequire } from "node:module";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeZip } from "./lib/write-zip.ts";

/** The Lambda runtime the zips are built for; Terraform sets the same (nodejs22.x). */
export const NODE_TARGET = "node22";

const root = join(import.meta.dirname, "..");
const functionsDir = join(root, "functions");
const distDir = join(root, "dist");

export function functionNames(): string[] {
  return readdirSync(functionsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(functionsDir, entry.name, "index.ts")))
    .map((entry) => entry.name)
    .sort();
}

/** A source-map segment, absolute: generated column, then source index, line, column and name index when mapped. */
type Segment = SourceMapSegment;

const CALLEE = /[\w$]+\(/y;

/**
 * Keep one mapping per run of generated code from the same source line, plus the names of call sites (where
 * Node finds a frame's function name): stack traces keep file, line and function names, and the map shrinks
 * about threefold. `code` is the generated file the map belongs to.
 */
export function reduceToLineMappings(mapJson: string, code: string): string {
  const map = JSON.parse(mapJson) as { mappings: string; names?: string[] };
  const codeLines = code.split("\n");
  const isCallee = (line: number, column: number): boolean => {
    CALLEE.lastIndex = column;
    return CALLEE.test(codeLines[line] ?? "");
  };
  const names: string[] = [];
  const nameIndex = new Map<number, number>();
  const lines = decode(map.mappings).map((segments, line) => {
    let previous = "";
    const kept: Segment[] = [];
    for (const segment of segments) {
      const key = segment.length > 1 ? `${segment[1]}:${segment[2]}` : "-";
      const named = segment.length > 4 && isCallee(line, segment[0] as number);
      if (key === previous && !named) continue;
      previous = key;
      if (!named) {
        kept.push(segment.slice(0, 4) as Segment);
        continue;
      }
      const original = segment[4] as number;
      if (!nameIndex.has(original)) nameIndex.set(original, names.push(map.names?.[original] ?? "") - 1);
      kept.push([segment[0], segment[1], segment[2], segment[3], nameIndex.get(original) as number] as Segment);
    }
    return kept;
  });
  return JSON.stringify({ ...map, names, mappings: encode(lines) });
}

const BUILTIN = new RegExp(`^(?:node:)?(?:${builtinModules.map((name) => name.replace(/[/]/g, "\\/")).join("|")})$`);
const requireAtBuild = createRequire(import.meta.url);

/** Built-ins a cold start rarely needs (networking): loaded when one of their names is first read. */
const LOAD_ON_FIRST_USE = new Set(["http", "https", "http2", "net", "tls", "dns", "zlib"]);

/**
 * Node built-ins reach the bundle through require, not an ES import: an ES import builds the module's ESM facade,
 * which runs every lazy getter (node:http loads undici, node:crypto WebCrypto: tens of ms of init for nothing).
 * Networking modules become getters that require the built-in on first use (no https at init with JWKS_JSON).
 */
const builtinsViaRequire: Plugin = {
  name: "builtins-via-require",
  setup(build) {
    build.onResolve({ filter: BUILTIN }, (args) =>
      args.kind === "import-statement"
        ? { path: args.path.replace(/^node:/, ""), namespace: "builtin-via-require" }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "builtin-via-require" }, (args) => {
      const name = args.path;
      if (!LOAD_ON_FIRST_USE.has(name)) return { contents: `module.exports = require("node:${name}");`, loader: "js" };
      const exported = Object.keys(requireAtBuild(`node:${name}`) as object);
      return {
        contents:
          `let loaded; const load = () => (loaded ??= require("node:${name}"));\n` +
          `for (const name of ${JSON.stringify(exported)}) Object.defineProperty(module.exports, name, { get: () => load()[name], enumerable: true });\n`,
        loader: "js",
      };
    });
  },
};

export interface BundleTarget {
  readonly entry: string;
  /** Folder for index.mjs and index.mjs.map; the zip and metafile go beside it as <folder>.zip, <folder>.meta.json. */
  readonly outDir: string;
  /** false keeps esbuild's full map (the bench compares both). */
  readonly lineLevelMap?: boolean;
  /** true puts the map in the zip too (the bench's comparison); the shipped zips hold index.mjs only. */
  readonly includeMap?: boolean;
}

/** Bundle one entry point into <outDir>.zip; returns the zip's size in bytes. */
export async function bundle({
  entry,
  outDir,
  lineLevelMap = true,
  includeMap = false,
}: BundleTarget): Promise<number> {
  rmSync(outDir, { recursive: true, force: true });
  const outfile = join(outDir, "index.mjs");
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: NODE_TARGET,
    mainFields: ["module", "main"],
    minify: true,
    sourcemap: "linked",
    sourcesContent: false,
    metafile: true,
    legalComments: "eof",
    logLevel: "warning",
    plugins: [builtinsViaRequire],
    // require() for Node built-ins, used by bundled CommonJS dependencies and by builtinsViaRequire: Node 22's
    // process.getBuiltinModule, without createRequire's module-system set-up (~1 ms of init).
    banner: { js: "const require=(n)=>process.getBuiltinModule(n);" },
  });
  writeFileSync(`${outDir}.meta.json`, JSON.stringify(result.metafile, null, 1));
  const mapPath = `${outfile}.map`;
  if (lineLevelMap)
    writeFileSync(mapPath, reduceToLineMappings(readFileSync(mapPath, "utf8"), readFileSync(outfile, "utf8")));
  // The map stays in dist/ (scripts/map-trace.ts reads it), out of the zip: no parsing at init, and a smaller zip.
  const files = readdirSync(outDir)
    .filter((file) => includeMap || !file.endsWith(".map"))
    .sort();
  const zip = writeZip(files.map((file) => ({ name: file, data: readFileSync(join(outDir, file)) })));
  writeFileSync(`${outDir}.zip`, zip);
  return zip.length;
}

/** The client library (client/) as one ESM file for browsers and Node 22; returns its path. */
export async function bundleClient(outfile = join(distDir, "client", "wsauth-client.js")): Promise<string> {
  await build({
    entryPoints: [join(root, "client", "index.ts")],
    outfile,
    bundle: true,
    platform: "neutral",
    format: "esm",
    target: "es2022",
    minify: true,
    logLevel: "warning",
  });
  return outfile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  mkdirSync(distDir, { recursive: true });
  for (const name of functionNames()) {
    const size = await bundle({ entry: join(functionsDir, name, "index.ts"), outDir: join(distDir, name) });
    console.log(`dist/${name}.zip  ${size.toLocaleString("en")} bytes`);
  }
  const client = await bundleClient();
  console.log(`dist/client/wsauth-client.js  ${readFileSync(client).length.toLocaleString("en")} bytes`);
}
