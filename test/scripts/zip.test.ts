import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readZip } from "../../local/lambda/read-zip.ts";
import { writeZip } from "../../scripts/lib/write-zip.ts";

const entries = [
  { name: "index.mjs", data: Buffer.from("export const handler = async () => 42;\n".repeat(50)) },
  { name: "index.mjs.map", data: Buffer.from('{"version":3}') },
];

describe("zip writer", () => {
  it("writes the same bytes for the same input", () => {
    expect(writeZip(entries).equals(writeZip(entries))).to.equal(true);
  });

  it("reads back every entry it wrote", () => {
    const back = readZip(writeZip(entries));
    expect(back.map((entry) => entry.name)).to.deep.equal(["index.mjs", "index.mjs.map"]);
    expect(back.every((entry, i) => entry.data.equals((entries[i] as { data: Buffer }).data))).to.equal(true);
  });

  it("writes archives that Info-ZIP's unzip tests clean", () => {
    const dir = mkdtempSync(join(tmpdir(), "zip-test-"));
    const file = join(dir, "f.zip");
    writeFileSync(file, writeZip(entries));
    const out = execFileSync("unzip", ["-t", file]).toString();
    expect(out).to.match(/No errors detected/);
  });

  it("refuses a buffer that is not a zip", () => {
    expect(() => readZip(Buffer.from("hello"))).to.throw(/not a zip/);
  });
});
