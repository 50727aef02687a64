import { expect } from "chai";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFunctionHosts, functionEnv, MissingZipError } from "../../local/lambda/functions.ts";
import { wscatCommand } from "../../local/stack.ts";
import { parseMintRequest } from "../../local/issuer/mint-endpoint.ts";
import { loadApiDescription } from "../../local/api-description.ts";
import { removeDir } from "./gateway/support/stack.ts";

describe("gateway local stack", () => {
  it("prints a wscat line with the token in the query parameter", () => {
    expect(wscatCommand("ws://127.0.0.1:3001/dev", "a.b.c", "query", "auth")).to.equal(
      "wscat -c 'ws://127.0.0.1:3001/dev?auth=a.b.c'",
    );
  });

  it("prints a wscat line offering `bearer, <token>` for the subprotocol location", () => {
    expect(wscatCommand("ws://127.0.0.1:3001/dev", "a.b.c", "protocol", "auth")).to.equal(
      "wscat -c 'ws://127.0.0.1:3001/dev' -s bearer -s 'a.b.c'",
    );
  });

  it("gives each function only the variables api.json lists for it", () => {
    const env = functionEnv(loadApiDescription(), "authoriser", {
      USER_POOL_ID: "eu-west-1_X",
      HOME: "/root",
      REQUIRED_GROUPS: "",
    });
    expect(env).to.deep.equal({ USER_POOL_ID: "eu-west-1_X" });
    expect(functionEnv(loadApiDescription(), "message", { USER_POOL_ID: "eu-west-1_X" })).to.deep.equal({});
  });

  it("names every zip that is not built and says to run make build", () => {
    const empty = mkdtempSync(join(tmpdir(), "no-zips-"));
    try {
      expect(() =>
        createFunctionHosts({ api: loadApiDescription(), distDir: empty, env: {}, timeoutMs: 1000 }),
      ).to.throw(MissingZipError, /authoriser\.zip.*connect\.zip.*disconnect\.zip.*message\.zip.*make build/);
    } finally {
      removeDir(empty);
    }
  });

  it("checks what make token asks the dev issuer to mint", () => {
    expect(parseMintRequest({ username: "bob", groups: ["a"] })).to.deep.equal({
      username: "bob",
      groups: ["a"],
      tokenUse: "id",
      expiresIn: 3600,
    });
    expect(parseMintRequest({ username: "" })).to.match(/^username/);
    expect(parseMintRequest({ username: "bob", tokenUse: "refresh" })).to.match(/^tokenUse/);
    expect(parseMintRequest({ username: "bob", expiresIn: 1e9 })).to.match(/^expiresIn/);
  });
});
