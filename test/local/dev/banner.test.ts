import { expect } from "chai";
import { devBanner, hostWarning, mintableTokenUse } from "../../../local/dev-banner.ts";

const facts = {
  url: "ws://127.0.0.1:3001/dev",
  managementEndpoint: "http://127.0.0.1:3001/dev",
  jwksUri: "http://127.0.0.1:4000/pool/.well-known/jwks.json",
  pageUrl: "http://127.0.0.1:3001/dev/page?code=c",
  tokenLocation: "query",
  tokenQueryParam: "auth",
  tokenUse: "id",
  requiredGroups: [],
  user: "alice",
  token: "h.p.s",
};

describe("the make dev banner (local/dev-banner.ts)", () => {
  it("warns about the Management API for every bind beyond loopback", () => {
    for (const host of ["0.0.0.0", "::", "192.168.1.20", "10.0.0.1"]) {
      const warning = hostWarning(host, 3001) ?? "";
      expect(warning, host).to.match(/^WARNING: HOST=.* listens beyond loopback/);
      // What is exposed, and that minting is not.
      expect(warning, host)
        .to.include("Management API without authentication")
        .and.include("open WebSockets")
        .and.include("Token minting is not exposed")
        .and.include("POST /dev/token");
    }
  });

  it("stays quiet for loopback binds", () => {
    for (const host of ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
      expect(hostWarning(host, 3001), host).to.equal(undefined);
  });

  it("mints ID tokens unless the stack accepts access tokens only", () => {
    expect(mintableTokenUse("id")).to.equal("id");
    expect(mintableTokenUse("any")).to.equal("id");
    expect(mintableTokenUse("access")).to.equal("access");
  });

  it("prints the query line under query, with how to switch to a location browsers can use", () => {
    const banner = devBanner(facts);
    expect(banner).to.include("npx wscat -c 'ws://127.0.0.1:3001/dev?auth=h.p.s'");
    expect(banner).to.not.include("-s bearer");
    expect(banner).to.include("TOKEN_LOCATION=any accepts both");
  });

  it("prints only the subprotocol line under protocol", () => {
    const banner = devBanner({ ...facts, tokenLocation: "protocol" });
    expect(banner).to.include("npx wscat -c 'ws://127.0.0.1:3001/dev' -s bearer -s 'h.p.s'");
    expect(banner).to.not.include("?auth=");
  });

  it("prints the page's one-time link, says it opens once, and names make dev-url for a fresh one", () => {
    const line = devBanner(facts)
      .split("\n")
      .find((text) => text.startsWith("Browser page"));
    expect(line).to.equal(
      "Browser page (opens once, within 10 minutes; make dev-url prints a fresh link): http://127.0.0.1:3001/dev/page?code=c",
    );
  });

  it("puts the stack's required groups in the other-user example", () => {
    expect(devBanner({ ...facts, requiredGroups: ["ops"] })).to.include(
      "make -s token TOKEN_USER=bob TOKEN_GROUPS=ops",
    );
  });
});
