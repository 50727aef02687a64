import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readZip } from "../../local/lambda/read-zip.ts";
import { distZip } from "../support/dist.ts";

const root = join(import.meta.dirname, "..", "..");
const functionNames = readdirSync(join(root, "functions"), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && readdirSync(join(root, "functions", entry.name)).includes("index.ts"))
  .map((entry) => entry.name)
  .sort();

const digest = (name: string): string =>
  createHash("sha256")
    .update(readFileSync(distZip(name)))
    .digest("hex");

describe("make build", function () {
  this.timeout(60_000);

  it("makes one zip per function folder", () => {
    expect(functionNames).to.include.members(["authoriser", "connect", "disconnect", "message"]);
    for (const name of functionNames) expect(() => distZip(name)).to.not.throw();
  });

  it("gives byte-identical zips when run again", () => {
    const before = functionNames.map(digest);
    execFileSync(process.execPath, [join(root, "scripts", "build.ts")], { cwd: root, stdio: "ignore" });
    expect(functionNames.map(digest)).to.deep.equal(before);
  });

  for (const name of ["authoriser", "connect", "disconnect", "message"]) {
    it(`puts an ES module exporting handler in ${name}.zip, and its source map beside it in dist/`, () => {
      const entries = readZip(readFileSync(distZip(name)));
      const names = entries.map((entry) => entry.name);
      // No map in the zip: nothing for Node to parse at init; scripts/map-trace.ts maps a trace with dist/'s.
      expect(names[0]).to.equal("index.mjs");
      // Licence comments of bundled dependencies go to a file of their own, beside the code.
      expect(names.slice(1).filter((name) => name !== "index.mjs.LEGAL.txt")).to.deep.equal([]);
      const code = (entries[0] as { data: Buffer }).data.toString();
      expect(code).to.match(/export\s*\{[^}]*\bas handler\b|export\s*\{\s*handler\b/);
      expect(code).to.match(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
      // Built-ins come through process.getBuiltinModule, not createRequire.
      expect(code).to.not.include("createRequire");
      const map = JSON.parse(readFileSync(join(root, "dist", name, "index.mjs.map"), "utf8")) as { sources: string[] };
      expect(map.sources).to.include(`../../functions/${name}/index.ts`);
    });
  }
});
