// POST /dev/token, /dev/page and /dev/page-code as seen from outside: the TCP peer decides, not HOST or the Host
// header, and an oversize body gets a clear 413 from the forwarder and from the mint endpoint itself.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { LocalIssuer } from "../../../local/issuer/issuer.ts";
import { type MintEndpoint, startMintEndpoint } from "../../../local/issuer/mint-endpoint.ts";
import { PageSessions } from "../../../local/page/page-sessions.ts";
import { createPageRoutes, isLoopbackPeer, type PageSettings } from "../../../local/page/serve.ts";

const SETTINGS: PageSettings = {
  wsUrl: "ws://127.0.0.1:1/dev",
  tokenLocation: "any",
  tokenQueryParam: "auth",
  tokenUse: "id",
  requiredGroups: [],
  user: "alice",
};

/** A request carrying this header is seen by the routes as coming from that address (another machine). */
const PEER_HEADER = "x-test-peer";

describe("POST /dev/token: loopback peers only, and a clear 413", () => {
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
      const peer = req.headers[PEER_HEADER];
      // An own property shadows the socket's getter; deleted again for the next request on a kept-alive socket.
      if (typeof peer === "string")
        Object.defineProperty(req.socket, "remoteAddress", { value: peer, configurable: true });
      else delete (req.socket as { remoteAddress?: string }).remoteAddress;
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

  /** Everything a browser on this machine would send, with the key: only the peer differs between tests. */
  function postToken(extra: Record<string, string> = {}, body = JSON.stringify({ username: "alice" })) {
    return fetch(`${origin}/dev/token`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        host: `127.0.0.1:${port}`,
        origin,
        authorization: `Bearer ${mint.secret}`,
        ...extra,
      },
      body,
    });
  }

  it("mints for a request from this machine", async () => {
    const response = await postToken();
    expect(response.status).to.equal(200);
  });

  it("refuses a request from another address, even with the key, a loopback Host and the page's Origin", async () => {
    for (const peer of ["192.0.2.10", "::ffff:198.51.100.7", "2001:db8::1"]) {
      const response = await postToken({ [PEER_HEADER]: peer });
      expect(response.status, peer).to.equal(403);
      const body = (await response.json()) as { error: string; token?: string };
      expect(body.error, peer).to.include("this machine only");
      expect(body.token, peer).to.equal(undefined);
    }
  });

  it("opens no session and hands out no code for another address, and leaves its code good for this machine", async () => {
    const code = sessions.issueCode();
    const opened = await fetch(`${origin}/dev/page?code=${code}`, {
      redirect: "manual",
      headers: { [PEER_HEADER]: "192.0.2.10" },
    });
    expect(opened.status).to.equal(403);
    expect(opened.headers.get("set-cookie")).to.equal(null);
    expect(await opened.text()).to.include("on the machine that runs make dev only");
    const asked = await fetch(`${origin}/dev/page-code`, {
      method: "POST",
      headers: { [PEER_HEADER]: "192.0.2.10", authorization: `Bearer ${mint.secret}` },
    });
    expect(asked.status).to.equal(403);
    expect(((await asked.json()) as { code?: string }).code).to.equal(undefined);
    expect((await fetch(`${origin}/dev/page?code=${code}`, { redirect: "manual" })).status).to.equal(303);
  });

  it("answers a 16 KB body with 413 and what is wrong, not a 502 from the forwarder", async () => {
    const response = await postToken({}, JSON.stringify({ username: "alice", padding: "x".repeat(16_384) }));
    expect(response.status).to.equal(413);
    expect(((await response.json()) as { error: string }).error).to.include("over 16384 bytes");
  });

  it("has the mint endpoint answer a 16 KB body with 413 too", async () => {
    const response = await fetch(mint.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${mint.secret}` },
      body: JSON.stringify({ username: "alice", padding: "x".repeat(16_384) }),
    });
    expect(response.status).to.equal(413);
  });

  it("takes only 127.0.0.0/8 and ::1 (plain or IPv4-mapped) as loopback peers", () => {
    for (const address of ["127.0.0.1", "127.10.0.3", "::1", "::ffff:127.0.0.1"])
      expect(isLoopbackPeer(address), address).to.equal(true);
    for (const address of [
      undefined,
      "",
      "10.0.0.1",
      "::ffff:10.0.0.1",
      "0.0.0.0",
      "::",
      "fe80::1",
      "127.0.0.1.nip.io",
    ])
      expect(isLoopbackPeer(address), String(address)).to.equal(false);
  });
});
