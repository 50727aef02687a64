// `make dev` tells the truth: its banner shows the settings in force and every example line it prints works under
// them; `make token` mints what the running stack accepts; a refusal says why; a wide bind says what it exposes.
import { request } from "node:http";
import { expect } from "chai";
import { closeAll, connect, nextMessage, runWscat } from "../gateway/support/clients.ts";
import { type DevProcess, runToken, startDev, wscatArgs } from "../support/dev-process.ts";

interface Refusal {
  readonly status: number;
  readonly reasonHeader: string | undefined;
  readonly body: Record<string, unknown>;
}

/** A WebSocket handshake over plain HTTP, to read what a refusal carries besides its status. */
function refusedHandshake(url: string): Promise<Refusal> {
  return new Promise((resolve, reject) => {
    const req = request(url.replace(/^ws:/, "http:"), {
      headers: {
        Connection: "Upgrade",
        Upgrade: "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
      },
    });
    req.on("upgrade", () => reject(new Error("the handshake was accepted")));
    req.on("response", (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk.toString()));
      res.on("end", () => {
        const header = res.headers["x-local-gateway-reason"];
        resolve({
          status: res.statusCode ?? 0,
          reasonHeader: typeof header === "string" ? header : undefined,
          body: JSON.parse(text) as Record<string, unknown>,
        });
      });
    });
    req.on("error", reject);
    req.end();
  });
}

/** The `make -s token ...` example line's variables, as the shell would pass them. */
function tokenLineEnv(line: string): Record<string, string> {
  return Object.fromEntries(
    [...line.matchAll(/\b([A-Z_]+)=(\S+)/g)].map((match) => [match[1] as string, match[2] as string]),
  );
}

describe("make dev tells the truth (scripts/dev.ts, scripts/token.ts)", function () {
  this.timeout(60_000);
  let dev: DevProcess | undefined;
  const running = (): DevProcess => {
    if (dev === undefined) throw new Error("make dev was not started");
    return dev;
  };

  afterEach(async () => {
    await dev?.stop();
    dev = undefined;
  });

  describe("the default stack", () => {
    beforeEach(async () => {
      dev = startDev();
      await dev.ready();
    });

    it("shows token location any, TOKEN_USE any and no required groups, no bind warning, and both its wscat lines connect as alice", async () => {
      expect(running().stderr(), "loopback needs no warning").to.not.include("WARNING");
      expect(running().line("Token location")).to.match(
        /^Token location\s+any: query parameter "auth" or Sec-WebSocket-Protocol/,
      );
      expect(running().line("TOKEN_USE")).to.match(/^TOKEN_USE\s+any$/);
      expect(running().line("REQUIRED_GROUPS")).to.match(/^REQUIRED_GROUPS\s+\(none: any user\)$/);
      const lines = running()
        .stdout()
        .split("\n")
        .filter((text) => text.trim().startsWith("npx wscat -c"));
      expect(lines, "a query line and a subprotocol line").to.have.length(2);
      expect(lines[1]).to.include("-s bearer -s");
      for (const line of lines) {
        const run = await runWscat([...wscatArgs(line), "-x", '{"action":"hello"}', "-w", "1"]);
        expect(run.stdout, line.slice(0, 60)).to.include('"username":"alice"');
      }
    });

    it("mints an access token with make token TOKEN_USE=access, which the default stack accepts", async () => {
      const minted = await runToken(running(), { TOKEN_USE: "access", TOKEN_USER: "carol" });
      expect(minted.code, minted.stderr).to.equal(0);
      expect(minted.stderr).to.not.include("warning");
      const payload = JSON.parse(Buffer.from(minted.stdout.split(".")[1] as string, "base64url").toString()) as Record<
        string,
        unknown
      >;
      expect(payload.token_use).to.equal("access");
      const ws = await connect(`${running().url()}?auth=${minted.stdout}`);
      ws.send('{"action":"hello"}');
      expect(JSON.stringify(await nextMessage(ws))).to.include('"username":"carol"');
      await closeAll([ws]);
    });

    it("names the user with TOKEN_USER and ignores USER, which every login shell sets", async () => {
      const minted = await runToken(running(), { USER: "root" });
      const payload = JSON.parse(Buffer.from(minted.stdout.split(".")[1] as string, "base64url").toString()) as Record<
        string,
        unknown
      >;
      expect(payload["cognito:username"]).to.equal("alice");
      const asBob = await runToken(running(), { USER: "root", TOKEN_USER: "bob" });
      const bob = JSON.parse(Buffer.from(asBob.stdout.split(".")[1] as string, "base64url").toString()) as Record<
        string,
        unknown
      >;
      expect(bob["cognito:username"]).to.equal("bob");
    });

    it("tells a refused client the authoriser's reason in x-local-gateway-reason and the body", async () => {
      const expired = await runToken(running(), { EXPIRES_IN: "-120" });
      const refusal = await refusedHandshake(`${running().url()}?auth=${expired.stdout}`);
      expect(refusal.status).to.equal(401);
      expect(refusal.reasonHeader).to.equal("authoriser said Unauthorized: expired");
      expect(refusal.body).to.deep.equal({ message: "Unauthorized", reason: "authoriser said Unauthorized: expired" });
      expect(JSON.stringify(refusal)).to.not.include(expired.stdout.split(".")[2] as string);

      const none = await refusedHandshake(running().url());
      expect(none.status).to.equal(401);
      expect(none.reasonHeader).to.equal("authoriser said Unauthorized: missing_token");
    });
  });

  it("under TOKEN_USE=access, REQUIRED_GROUPS and TOKEN_LOCATION=protocol, shows them and its example lines work", async () => {
    dev = startDev({ TOKEN_USE: "access", REQUIRED_GROUPS: "ops,admins", TOKEN_LOCATION: "protocol" });
    await dev.ready();
    expect(dev.line("Token location")).to.match(/^Token location\s+protocol: Sec-WebSocket-Protocol: bearer, <token>$/);
    expect(dev.stdout()).to.include("TOKEN_LOCATION=any accepts both");
    expect(dev.line("TOKEN_USE")).to.match(/^TOKEN_USE\s+access$/);
    expect(dev.line("REQUIRED_GROUPS")).to.match(/^REQUIRED_GROUPS\s+ops,admins$/);
    expect(dev.line("Connect as alice")).to.include("(access token");

    const wscatLine = dev.line("npx wscat -c");
    const run = await runWscat([...wscatArgs(wscatLine), "-x", '{"action":"hello"}', "-w", "1"]);
    expect(run.stdout).to.include('"username":"alice"').and.include('"groups":["ops","admins"]');

    const tokenLine = dev.line("Another user's token:");
    expect(tokenLine).to.include("make -s token TOKEN_USER=bob TOKEN_GROUPS=ops,admins");
    const minted = await runToken(dev, tokenLineEnv(tokenLine));
    expect(minted.code, minted.stderr).to.equal(0);
    const ws = await connect(dev.url(), { protocols: ["bearer", minted.stdout] });
    ws.send('{"action":"hello"}');
    expect(JSON.stringify(await nextMessage(ws))).to.include('"username":"bob"');
    await closeAll([ws]);

    const plain = await runToken(dev, { TOKEN_USER: "dave" });
    expect(plain.stderr, "defaults to what the stack accepts").to.not.include("warning");
    const wrongUse = await runToken(dev, { TOKEN_USE: "id" });
    expect(wrongUse.stderr).to.include("accepts TOKEN_USE=access only; this id token will get 401");
    const outsider = await runToken(dev, { TOKEN_GROUPS: "guests" });
    expect(outsider.stderr).to.include("requires one of REQUIRED_GROUPS=ops,admins; this token will get 403");
  });

  it("warns, on HOST=0.0.0.0, that the unauthenticated Management API is reachable beyond this machine", async () => {
    dev = startDev({ HOST: "0.0.0.0" });
    await dev.ready();
    expect(dev.stderr()).to.match(/WARNING: HOST=0\.0\.0\.0 listens beyond loopback/);
    expect(dev.stderr()).to.include("Management API without authentication");
  });
});
