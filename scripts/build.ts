// Bundle each functions/<name>/index.ts into dist/<name>.zip: index.mjs + index.mjs.map, byte-reproducible.
import { build } from "esbuild";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeZip } from "./lib/zip.ts";

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

async function bundle(name: string): Promise<number> {
  const outDir = join(distDir, name);
  rmSync(outDir, { recursive: true, force: true });
  const result = await build({
    entryPoints: [join(functionsDir, name, "index.ts")],
    outfile: join(outDir, "index.mjs"),
    bundle: true,
    platform: "node",
    format: "esm",
    target: NODE_TARGET,
    mainFields: ["module", "main"],
    minify: true,
    sourcemap: "linked",
    sourcesContent: false,
    metafile: true,
    legalComments: "linked",
    logLevel: "warning",
    // Bundled CommonJS dependencies may still call require() on Node built-ins.
    banner: { js: 'import{createRequire as __cr}from"node:module";const require=__cr(import.meta.url);' },
  });
  writeFileSync(join(distDir, `${name}.meta.json`), JSON.stringify(result.metafile, null, 1));
  const files = readdirSync(outDir).sort();
  const zip = writeZip(files.map((file) => ({ name: file, data: readFileSync(join(outDir, file)) })));
  writeFileSync(join(distDir, `${name}.zip`), zip);
  return zip.length;
}

mkdirSync(distDir, { recursive: true });
for (const name of functionNames()) {
  const size = await bundle(name);
  console.log(`dist/${name}.zip  ${size.toLocaleString("en")} bytes`);
}
