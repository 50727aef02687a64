import { expect } from "chai";
import { execFile } from "node:child_process";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { getCACertificates, setDefaultCACertificates, TLSSocket } from "node:tls";
import sinon from "sinon";
import { fileURLToPath } from "node:url";
import { exchange, type Http1Failure } from "../../../functions/shared/http1.ts";
import { makeLoopbackCertificate } from "../../support/certs.ts";

// http1.ts over TLS against a node:https server with a throwaway certificate, trusted by adding it to Node's default
// CA store (tls.setDefaultCACertificates in this process, so that mutation testing sees these tests; and
// NODE_EXTRA_CA_CERTS in a child process, as an operator would): verification is never turned off.
const client = fileURLToPath(new URL("../../../functions/shared/http1.ts", import.meta.url));

interface ChildResult {
  answers: Array<{ status: number; body: string }>;
  failure?: { code: string; reached: boolean };
}

/** Sends `count` requests to `url` one after another from a fresh node, trusting `caPath` when given. */
function sendFromChild(url: string, count: number, caPath?: string): Promise<ChildResult> {
  const script = `
    import { exchange } from ${JSON.stringify(client)};
    const origin = new URL(${JSON.stringify(url)});
    const answers = [];
    try {
      for (let i = 0; i < ${count}; i += 1) {
        const a = await exchange({ origin, method: "POST", path: "/p", headers: { host: origin.host, "content-length": "2" },
          body: "{}", maxSockets: 1, deadlineMs: 10000, maxAnswerBytes: 100 });
        answers.push({ status: a.status, body: a.body.toString() });
      }
      process.stdout.write(JSON.stringify({ answers }));
    } catch (err) {
      process.stdout.write(JSON.stringify({ answers, failure: { code: err.code, reached: err.reached } }));
    }`;
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  if (caPath !== undefined) env.NODE_EXTRA_CA_CERTS = caPath;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--input-type=module", "-e", script],
      { env, timeout: 20_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`child failed: ${stderr}`));
        else resolve(JSON.parse(stdout) as ChildResult);
      },
    );
  });
}

describe("HTTP/1.1 client (http1.ts) over TLS, verification on", () => {
  const certificates = {
    both: makeLoopbackCertificate(),
    nameOnly: makeLoopbackCertificate("DNS:localhost"),
  };
  const servers: Server[] = [];
  const seen: Array<{ port: number; servername: string | false | null }> = [];

  const start = async (certificate: { key: Buffer; cert: Buffer }): Promise<number> => {
    const server = createServer({ key: certificate.key, cert: certificate.cert }, (req, res) => {
      seen.push({ port: req.socket.remotePort as number, servername: (req.socket as TLSSocket).servername });
      req.resume();
      req.on("end", () => res.end("hi"));
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return (server.address() as AddressInfo).port;
  };
  const defaultCAs = getCACertificates("default");
  const trust = (...pems: Buffer[]): void =>
    setDefaultCACertificates([...defaultCAs, ...pems.map((pem) => pem.toString("latin1"))]);

  /** Sends `count` requests to `url` in this process, one after another (a fresh pool per `maxSockets`). */
  const sendHere = async (url: string, count: number, maxSockets: number): Promise<ChildResult> => {
    const origin = new URL(url);
    const answers: ChildResult["answers"] = [];
    try {
      for (let i = 0; i < count; i += 1) {
        const answer = await exchange({
          origin,
          method: "POST",
          path: "/p",
          headers: { host: origin.host, "content-length": "2" },
          body: "{}",
          maxSockets,
          deadlineMs: 10_000,
          maxAnswerBytes: 100,
        });
        answers.push({ status: answer.status, body: answer.body.toString() });
      }
      return { answers };
    } catch (err) {
      const { code, reached } = err as Http1Failure;
      return { answers, failure: { code, reached } };
    }
  };

  beforeEach(() => {
    seen.length = 0;
  });
  afterEach(() => setDefaultCACertificates(defaultCAs));
  after(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("trusts a certificate through NODE_EXTRA_CA_CERTS in a fresh process, and not without it", async () => {
    const port = await start(certificates.both);
    const trusted = await sendFromChild(`https://localhost:${port}`, 1, certificates.both.certPath);
    expect(trusted).to.deep.equal({ answers: [{ status: 200, body: "hi" }] });
    const untrusted = await sendFromChild(`https://localhost:${port}`, 1);
    expect(untrusted.failure).to.deep.equal({ code: "DEPTH_ZERO_SELF_SIGNED_CERT", reached: true });
    expect(seen).to.have.length(1);
  });

  it("talks to a trusted server by name, sends the name as SNI, turns Nagle off, and reuses the socket", async () => {
    const port = await start(certificates.both);
    trust(certificates.both.cert);
    const noDelay = sinon.spy(TLSSocket.prototype, "setNoDelay");
    const result = await sendHere(`https://localhost:${port}`, 2, 101).finally(() => noDelay.restore());
    // Nagle's algorithm off on the one socket opened.
    expect(noDelay.args).to.deep.equal([[true]]);
    expect(result).to.deep.equal({
      answers: [
        { status: 200, body: "hi" },
        { status: 200, body: "hi" },
      ],
    });
    expect(seen.map((s) => s.servername)).to.deep.equal(["localhost", "localhost"]);
    expect(seen[1]?.port).to.equal(seen[0]?.port);
  });

  it("talks to a trusted server by address, with no SNI", async () => {
    const port = await start(certificates.both);
    trust(certificates.both.cert);
    const result = await sendHere(`https://127.0.0.1:${port}`, 1, 102);
    expect(result.answers).to.deep.equal([{ status: 200, body: "hi" }]);
    expect(seen.map((s) => s.servername)).to.deep.equal([false]);
  });

  it("refuses a certificate no trusted authority signed, before sending anything", async () => {
    const port = await start(certificates.both);
    const result = await sendHere(`https://localhost:${port}`, 1, 103);
    expect(result).to.deep.equal({ answers: [], failure: { code: "DEPTH_ZERO_SELF_SIGNED_CERT", reached: true } });
    expect(seen).to.deep.equal([]);
  });

  it("refuses a trusted certificate for another name, before sending anything", async () => {
    const port = await start(certificates.nameOnly);
    trust(certificates.nameOnly.cert);
    const result = await sendHere(`https://127.0.0.1:${port}`, 1, 104);
    expect(result).to.deep.equal({ answers: [], failure: { code: "ERR_TLS_CERT_ALTNAME_INVALID", reached: true } });
    expect(seen).to.deep.equal([]);
  });
});
