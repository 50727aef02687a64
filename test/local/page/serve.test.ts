// The page's routes on the gateway port: the page itself, the stack's settings, and a mint pass-through that only
// this page can use and that still needs the mint endpoint's secret.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { LocalIssuer } from "../../../local/issuer/issuer.ts";
import { type MintEndpoint, startMintEndpoint } from "../../../local/issuer/mint-endpoint.ts";
import { createPageRoutes, type PageSettings } from "../../../local/page/serve.ts";

const SETTINGS: PageSettings = {
  wsUrl: "ws://127.0.0.1:1/dev",
  tokenLocation: "any",
  tokenQueryParam: "auth",
  tokenUse: "id",
  requiredGroups: ["ops"],
  user: "alice",
};

describe("the page routes (local/page/serve.ts)", () => {
  let mint: MintEndpoint;
  let server: Server;
  let port: number;
  let origin: string;

  before(async () => {
    mint = await startMintEndpoint(new LocalIssuer());
    const routes = createPageRoutes({ mintUrl: () => mint.url, settings: () => SETTINGS, port: () => port });
    server = createServer((req, res) => {
      if (!routes(req, res)) {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
    origin = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await mint.close();
  });

  function postToken(headers: Record<string, string>, body: unknown = { username: "alice" }): Promise<Response> {
    return fetch(`${origin}/dev/token`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
  }

  it("serves the page, its script and its style with a policy that allows this origin only", async () => {
    for (const [path, type] of [
      ["/", "text/html"],
      ["/page.js", "text/javascript"],
      ["/page.css", "text/css"],
      ["/favicon.svg", "image/svg+xml"],
    ] as const) {
      const response = await fetch(`${origin}${path}`);
      expect(response.status, path).to.equal(200);
      expect(response.headers.get("content-type"), path).to.include(type);
      expect(response.headers.get("content-security-policy"), path)
        .to.include("default-src 'none'")
        .and.include("script-src 'self'")
        .and.include("frame-ancestors 'none'");
      expect(response.headers.get("access-control-allow-origin"), path).to.equal(null);
    }
    const html = await (await fetch(`${origin}/`)).text();
    expect(html).to.include('<script src="/page.js" type="module"></script>');
    expect(html).to.include('<link rel="icon" href="/favicon.svg" type="image/svg+xml">');
  });

  it("answers the stack's settings, which hold no secret", async () => {
    const body = await (await fetch(`${origin}/dev/config`)).json();
    expect(body).to.deep.equal(SETTINGS);
  });

  it("passes a same-origin request with the key on to the mint endpoint and returns its token", async () => {
    const response = await postToken(
      { origin, authorization: `Bearer ${mint.secret}` },
      { username: "bob", groups: ["ops"] },
    );
    expect(response.status).to.equal(200);
    const body = (await response.json()) as { token: string; username: string };
    expect(body.username).to.equal("bob");
    expect(body.token.split(".")).to.have.length(3);
  });

  it("gets the mint endpoint's 401 without the key: the page route adds no credential of its own", async () => {
    expect((await postToken({ origin })).status).to.equal(401);
    expect((await postToken({ origin, authorization: "Bearer wrong" })).status).to.equal(401);
  });

  it("refuses, before asking the mint endpoint, requests from another origin, a rebound host name or a form", async () => {
    const key = { authorization: `Bearer ${mint.secret}` };
    const cases: Array<[string, Record<string, string>]> = [
      ["no Origin (not a browser page of ours)", { ...key }],
      ["another site", { ...key, origin: "https://evil.example" }],
      ["another port on this machine", { ...key, origin: "http://127.0.0.1:1" }],
      ["a DNS-rebound host name", { ...key, origin: `http://evil.example:${port}`, host: `evil.example:${port}` }],
      ["a cross-site fetch", { ...key, origin, "sec-fetch-site": "cross-site" }],
      ["a form's content type", { ...key, origin, "content-type": "text/plain" }],
    ];
    for (const [what, headers] of cases) {
      const response = await postToken(headers);
      expect(response.status, what).to.equal(403);
      expect(((await response.json()) as { token?: string }).token, what).to.equal(undefined);
    }
  });
});
