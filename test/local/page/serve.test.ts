// The page's routes on the gateway port: the page itself, the stack's settings, the one-time link that gives the page
// a session cookie, and a mint pass-through that only this page (with that cookie) or a holder of the key can use.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { LocalIssuer } from "../../../local/issuer/issuer.ts";
import { type MintEndpoint, startMintEndpoint } from "../../../local/issuer/mint-endpoint.ts";
import { PageSessions } from "../../../local/page/page-sessions.ts";
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
  const sessions = new PageSessions();
  let server: Server;
  let port: number;
  let origin: string;

  before(async () => {
    mint = await startMintEndpoint(new LocalIssuer());
    const routes = createPageRoutes({
      mintUrl: () => mint.url,
      mintSecret: () => mint.secret,
      settings: () => SETTINGS,
      port: () => port,
      sessions,
    });
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

  it("answers the stack's settings, which hold no secret, and whether the page holds a session", async () => {
    const body = await (await fetch(`${origin}/dev/config`)).json();
    expect(body).to.deep.equal({ ...SETTINGS, session: false });
    const withSession = await (
      await fetch(`${origin}/dev/config`, { headers: { cookie: await openSession() } })
    ).json();
    expect(withSession).to.deep.equal({ ...SETTINGS, session: true });
  });

  /** Opens the page as the banner's link does; the cookie the browser would keep, as a Cookie header. */
  async function openSession(code = sessions.issueCode()): Promise<string> {
    const response = await fetch(`${origin}/dev/page?code=${code}`, { redirect: "manual" });
    expect(response.status).to.equal(303);
    return (response.headers.get("set-cookie") ?? "").split(";")[0] as string;
  }

  it("swaps a one-time code for an HttpOnly, SameSite=Strict cookie on /dev, and leads to the page without the code", async () => {
    const response = await fetch(`${origin}/dev/page?code=${sessions.issueCode()}`, { redirect: "manual" });
    expect(response.status).to.equal(303);
    expect(response.headers.get("location")).to.equal("/");
    const cookie = response.headers.get("set-cookie") ?? "";
    expect(cookie).to.match(new RegExp(`^wsauth_dev_${port}=[A-Za-z0-9_-]{43}; `));
    expect(cookie.split("; ").slice(1)).to.have.members(["HttpOnly", "SameSite=Strict", "Path=/dev"]);
    expect(response.headers.get("referrer-policy")).to.equal("no-referrer");
  });

  it("answers a used, unknown or missing code with a page that says to run make dev-url, and no cookie", async () => {
    const code = sessions.issueCode();
    await openSession(code);
    for (const [what, query] of [
      ["the same code again", `?code=${code}`],
      ["an unknown code", `?code=${"A".repeat(22)}`],
      ["no code", ""],
    ]) {
      const response = await fetch(`${origin}/dev/page${query}`, { redirect: "manual" });
      expect(response.status, what).to.equal(410);
      expect(response.headers.get("set-cookie"), what).to.equal(null);
      expect(response.headers.get("content-type"), what).to.include("text/html");
      const html = await response.text();
      expect(html, what).to.include("used already, or has expired").and.include("make dev-url");
      expect(html, what).to.not.include(code);
    }
  });

  it("mints for a page that holds the session cookie, sending the key itself to the mint endpoint", async () => {
    const response = await postToken({ origin, cookie: await openSession() }, { username: "carol" });
    expect(response.status).to.equal(200);
    expect(((await response.json()) as { username: string }).username).to.equal("carol");
  });

  it("refuses a mint with no session and no key, a forged session, or another port's cookie, naming make dev-url", async () => {
    const [, value] = (await openSession()).split("=") as [string, string];
    for (const [what, headers] of [
      ["no cookie, no key", { origin }],
      ["a forged session", { origin, cookie: `wsauth_dev_${port}=${"A".repeat(43)}` }],
      ["another stack's cookie name", { origin, cookie: `wsauth_dev_${port + 1}=${value}` }],
    ] as const) {
      const response = await postToken(headers);
      expect(response.status, what).to.equal(401);
      const body = (await response.json()) as { token?: string; hint?: string };
      expect(body.token, what).to.equal(undefined);
      expect(body.hint, what).to.include("make dev-url");
    }
  });

  it("hands make dev-url a fresh code for the key only, and that code opens a session once", async () => {
    const ask = (authorization?: string) =>
      fetch(`${origin}/dev/page-code`, { method: "POST", headers: authorization ? { authorization } : {} });
    expect((await ask()).status).to.equal(401);
    expect((await ask("Bearer wrong")).status).to.equal(401);
    const response = await ask(`Bearer ${mint.secret}`);
    expect(response.status).to.equal(200);
    const { code } = (await response.json()) as { code: string };
    await openSession(code);
    expect((await fetch(`${origin}/dev/page?code=${code}`, { redirect: "manual" })).status).to.equal(410);
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

  it("gets the mint endpoint's 401 for a wrong key: a key sent is passed on as it came, never replaced", async () => {
    expect((await postToken({ origin, authorization: "Bearer wrong", cookie: await openSession() })).status).to.equal(
      401,
    );
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
    const cookie = await openSession();
    for (const [what, headers] of cases) {
      const { authorization: _key, ...withoutKey } = headers;
      for (const [credential, sent] of [
        ["the key", headers],
        ["the session cookie", { ...withoutKey, cookie }],
      ] as const) {
        const response = await postToken(sent);
        expect(response.status, `${what}, with ${credential}`).to.equal(403);
        expect(((await response.json()) as { token?: string }).token, what).to.equal(undefined);
      }
    }
  });
});
