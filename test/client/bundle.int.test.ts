// The client as `make build` ships it: one ESM file with no imports, within its size budget, that runs in Node.
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { CLIENT_GZIP_BUDGET } from "../../bench/report.ts";
import { bundleClient } from "../../scripts/build.ts";

describe("the client bundle (scripts/build.ts bundleClient)", () => {
  let dir: string;
  let file: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "client-bundle-"));
    file = await bundleClient(join(dir, "wsauth-client.js"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("is one ESM file that imports nothing and exports WsAuthClient", async () => {
    const code = readFileSync(file, "utf8");
    expect(code).to.not.match(/\bimport\s*[{("'*]|\brequire\(/);
    const loaded = (await import(pathToFileURL(file).href)) as { WsAuthClient?: unknown };
    expect(loaded.WsAuthClient).to.be.a("function");
  });

  it(`is at most ${CLIENT_GZIP_BUDGET} bytes minified and gzipped`, () => {
    const gzipped = gzipSync(readFileSync(file), { level: 9 }).length;
    expect(gzipped).to.be.at.most(CLIENT_GZIP_BUDGET);
  });

  it("refuses a client without a token location, naming Terraform's variable", async () => {
    const { WsAuthClient } = (await import(pathToFileURL(file).href)) as {
      WsAuthClient: new (options: object) => unknown;
    };
    expect(() => new WsAuthClient({ url: "wss://example.com/dev", getToken: () => "t" })).to.throw(
      TypeError,
      /tokenLocation.*token_location/,
    );
  });
});
