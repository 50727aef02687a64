// The claims of README.md and CONTRIBUTING.md that drift as code moves, checked against the tree and the code: the
// functions and their zips, every path in CONTRIBUTING's map (and every entry of local/ and of the root in it), the
// `make dev` banner sample, and zip sizes (which live in bench/ only). Everything is read from the tree, so a file
// added without its line in the map fails here.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { devBanner } from "../../local/dev-banner.ts";

const root = join(import.meta.dirname, "..", "..");
const readme = readFileSync(join(root, "README.md"), "utf8");
const contributing = readFileSync(join(root, "CONTRIBUTING.md"), "utf8");

/** Function folders, as scripts/build.ts finds them: each with an index.ts, each built into dist/<name>.zip. */
const FUNCTIONS = readdirSync(join(root, "functions"), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(root, "functions", entry.name, "index.ts")))
  .map((entry) => entry.name)
  .sort();

/** Folders no map names: tool and build output. */
const UNMAPPED = new Set(["node_modules", "dist"]);

/** The rows of CONTRIBUTING's "What lives where" table: [path, what it holds, tested by]. */
function mapRows(): string[][] {
  const section = contributing.split("## What lives where")[1]?.split("\n## ")[0] ?? "";
  return section
    .split("\n")
    .filter((line) => line.startsWith("| `"))
    .map((line) =>
      line
        .split("|")
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
}

function backticked(text: string): string[] {
  return [...text.matchAll(/`([^`]+)`/g)].map((match) => match[1] as string);
}

/** A backticked token that names a file or folder (not a command, a variable or a glob). */
function looksLikePath(token: string): boolean {
  return /^[\w.<>/-]+$/.test(token) && (token.includes("/") || /\.(ts|mjs|json|md|sh|cjs)$/.test(token));
}

/** `functions/<name>/x` stands for every function folder. */
function expand(path: string): string[] {
  return path.includes("<name>") ? FUNCTIONS.map((name) => path.replace("<name>", name)) : [path];
}

describe("docs against the tree (README.md, CONTRIBUTING.md)", () => {
  it("CONTRIBUTING's map names every path that exists, each relative to the root or to its row's folder", () => {
    const missing: string[] = [];
    for (const [pathCell = "", ...cells] of mapRows()) {
      const base = backticked(pathCell)[0] ?? "";
      for (const token of [...backticked(pathCell), ...cells.flatMap(backticked)].filter(looksLikePath)) {
        for (const path of expand(token)) {
          const candidates = [join(root, path), ...expand(base).map((folder) => join(root, folder, path))];
          if (!candidates.some((candidate) => existsSync(candidate))) missing.push(`${token} (row ${base})`);
        }
      }
    }
    expect(missing).to.deep.equal([]);
  });

  it("CONTRIBUTING's map has a row for every folder at the root, and names every entry of local/", () => {
    const rows = mapRows().map(([pathCell = ""]) => backticked(pathCell)[0] ?? "");
    const folders = readdirSync(root, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith(".") && !UNMAPPED.has(entry.name))
      .map((entry) => `${entry.name}/`);
    expect(folders.filter((folder) => !rows.some((row) => row.startsWith(folder)))).to.deep.equal([]);
    const localRows = mapRows().filter(([pathCell = ""]) => (backticked(pathCell)[0] ?? "").startsWith("local/"));
    const named = new Set(localRows.flatMap((row) => row.flatMap(backticked)));
    const unnamed = readdirSync(join(root, "local"), { withFileTypes: true })
      .map((entry) => (entry.isDirectory() ? `${entry.name}/` : entry.name))
      .filter((name) => !named.has(name) && !named.has(`local/${name}`));
    expect(unnamed).to.deep.equal([]);
  });

  it("both name exactly the function folders scripts/build.ts zips", () => {
    const row = mapRows().find(([pathCell = ""]) => pathCell.includes("functions/<name>/"));
    const listed = /\(([^)]*)\)/.exec(row?.[1] ?? "")?.[1] ?? "";
    expect(backticked(listed).sort()).to.deep.equal(FUNCTIONS);
    for (const name of FUNCTIONS) expect(readme, `functions/${name} in README`).to.include(`\`functions/${name}\``);
    const readmeFunctions = new Set([...readme.matchAll(/functions\/([a-z-]+)`/g)].map((match) => match[1]));
    expect(
      [...readmeFunctions].filter((name) => !FUNCTIONS.includes(name as string) && name !== "shared"),
    ).to.deep.equal([]);
    const docs = `${readme}\n${contributing}`;
    const zips = [...docs.matchAll(/\b([a-z-]+)\.zip\b/g)].map((match) => match[1] as string);
    expect(zips.filter((name) => !FUNCTIONS.includes(name))).to.deep.equal([]);
    // A line that lists zips lists them all (it said four while six were built).
    for (const line of docs.split("\n")) {
      const named = new Set([...line.matchAll(/\b([a-z-]+)\.zip\b/g)].map((match) => match[1] as string));
      if (named.size >= 2) expect([...named].sort(), line).to.deep.equal(FUNCTIONS);
    }
  });

  it("gives no zip sizes: they live in the bench results only", () => {
    const sized = `${readme}\n${contributing}`
      .split("\n")
      .filter((line) => /zip/i.test(line) && /\d+(\.\d+)?\s?KB/.test(line));
    expect(sized).to.deep.equal([]);
  });

  it("shows the banner `make dev` prints with its default settings, and a reply that matches its token", () => {
    const sample = /`make dev` prints, once ready,[\s\S]*?```text\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
    expect(sample, "the README has a banner sample").to.not.equal("");
    const banner = devBanner({
      url: "ws://127.0.0.1:3001/dev",
      managementEndpoint: "http://127.0.0.1:3001/dev",
      jwksUri: "http://127.0.0.1:1/x/.well-known/jwks.json",
      pageUrl: "http://127.0.0.1:3001/dev/page?code=...",
      tokenLocation: "any",
      tokenQueryParam: "auth",
      tokenUse: "any",
      requiredGroups: [],
      user: "alice",
      token: "eyJraWQiOi...",
    }).split("\n");
    // Every sample line is a banner line, in the banner's order ("  ..." stands for lines left out).
    let at = 0;
    for (const line of sample.split("\n").filter((text) => text.trim() !== "" && text.trim() !== "...")) {
      const found = banner.indexOf(line, at);
      expect(found, `banner line: ${line}`).to.be.at.least(0);
      at = found + 1;
    }
    // The default stack requires no group, so the banner's token carries none and the reply says so.
    const reply = /< (\{"type":"reply".*)$/m.exec(readme)?.[1] ?? "";
    expect(reply, "the README shows a reply").to.not.equal("");
    expect(reply).to.include('"groups":[]');
  });
});
