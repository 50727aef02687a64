import aws4 from "aws4";
import { expect } from "chai";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { SignedRequest } from "../../../functions/shared/signed-request.ts";

// sendSigned through its public interface only, against a real node:http server on 127.0.0.1: what arrives on the
// wire, what comes back, and how each way of failing is reported. Nothing here depends on the transport under
// sendSigned (node:http's Agent today), so the same tests hold for any client that keeps the contract.

type SignedRequestModule = typeof import("../../../functions/shared/signed-request.ts");
type TransportFailure = InstanceType<SignedRequestModule["TransportError"]>;
let copies = 0;
/**
 * A fresh copy of the module for each test: its socket pools are built on first use and kept for the process, so
 * only a copy shows that a first call builds them right (and Stryker's switched mutants reach that code).
 */
async function freshModule(): Promise<SignedRequestModule> {
  copies += 1;
  return (await import(`../../../functions/shared/signed-request.ts?copy=${copies}`)) as SignedRequestModule;
}

interface Received {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** The client's port: one per TCP connection. */
  readonly port: number;
}

/** What the server does with a request once its body is in. */
type Reply = (req: IncomingMessage, res: ServerResponse) => void;

/** A loopback server that records each request and each TCP connection, and answers as the test says. */
class Loopback {
  readonly received: Received[] = [];
  /** Connections accepted in all, and the most open at one time. */
  connections = 0;
  maxOpen = 0;
  /** Connections whose bytes were not HTTP (node:http's clientError). */
  clientErrors = 0;
  private open = 0;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  url = new URL("http://127.0.0.1/");

  constructor(reply: Reply) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(req.headers)) headers[name] = String(value);
        this.received.push({
          method: req.method as string,
          path: req.url as string,
          headers,
          body: Buffer.concat(chunks).toString("utf8"),
          port: req.socket.remotePort as number,
        });
        reply(req, res);
      });
    });
    this.server.on("clientError", (_err, socket: Socket) => {
      this.clientErrors += 1;
      socket.destroy();
    });
    this.server.on("connection", (socket: Socket) => {
      this.connections += 1;
      this.open += 1;
      this.maxOpen = Math.max(this.maxOpen, this.open);
      this.sockets.add(socket);
      socket.once("close", () => {
        this.open -= 1;
        this.sockets.delete(socket);
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = new URL(`http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`);
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const answer =
  (status: number, body = "", headers: Record<string, string> = {}): Reply =>
  (_req, res) => {
    res.writeHead(status, headers);
    res.end(body);
  };

const CREDENTIALS = { AWS_ACCESS_KEY_ID: "AKIDINT", AWS_SECRET_ACCESS_KEY: "int/secret+key" };

const request = (overrides: Partial<SignedRequest> = {}): SignedRequest => ({
  method: "POST",
  service: "execute-api",
  region: "eu-central-1",
  deadlineMs: 10_000,
  ...overrides,
});

const rejection = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => expect.fail("expected the call to fail"),
    (err: unknown) => err,
  );

/**
 * The Authorization header aws4 (the test oracle) computes for what the server received, over the headers that
 * the received Authorization says it signed, at the received X-Amz-Date.
 */
function oracleAuthorization(seen: Received, service: string, region: string, sessionToken?: string): string {
  const signedNames = /SignedHeaders=([^,]+)/.exec(seen.headers.authorization ?? "")?.[1]?.split(";") ?? [];
  const headers: Record<string, string> = {};
  for (const name of signedNames) headers[name] = seen.headers[name] ?? "";
  const signer = new aws4.RequestSigner(
    { method: seen.method, path: seen.path, headers, body: seen.body, service, region, doNotModifyHeaders: true },
    {
      accessKeyId: CREDENTIALS.AWS_ACCESS_KEY_ID,
      secretAccessKey: CREDENTIALS.AWS_SECRET_ACCESS_KEY,
      ...(sessionToken === undefined ? {} : { sessionToken }),
    },
  );
  signer.datetime = seen.headers["x-amz-date"];
  return String(signer.sign().headers?.Authorization);
}

const signedHeaderNames = (seen: Received): string[] =>
  (/SignedHeaders=([^,]+)/.exec(seen.headers.authorization ?? "")?.[1] ?? "").split(";");

describe("sendSigned over a real loopback server", () => {
  const saved = { ...process.env };
  const started: Loopback[] = [];
  /** The test's server (each test starts its own, so no connection pool carries over from another test). */
  let server: Loopback;
  const serve = async (reply: Reply): Promise<Loopback> => {
    const loopback = await new Loopback(reply).start();
    started.push(loopback);
    return loopback;
  };

  let sendSigned: SignedRequestModule["sendSigned"];
  let TransportError: SignedRequestModule["TransportError"];
  let SigningConfigError: SignedRequestModule["SigningConfigError"];

  beforeEach(async () => {
    Object.assign(process.env, CREDENTIALS);
    delete process.env.AWS_SESSION_TOKEN;
    ({ sendSigned, TransportError, SigningConfigError } = await freshModule());
  });
  afterEach(async () => {
    process.env = { ...saved };
    for (const loopback of started.splice(0)) await loopback.stop();
  });

  describe("the request on the wire", () => {
    it("arrives signed as aws4 would sign what the server received, with the body and its byte length", async () => {
      server = await serve(answer(200));
      const body = '{"message":"héllo €"}';
      await sendSigned(new URL("/prod/@connections/abc", server.url), {
        ...request({ body, headers: { "content-type": "application/json" } }),
      });
      const seen = server.received[0] as Received;
      expect(seen).to.include({ method: "POST", path: "/prod/@connections/abc", body });
      expect(seen.headers["content-length"]).to.equal(String(Buffer.byteLength(body)));
      expect(seen.headers["content-length"]).to.not.equal(String(body.length));
      expect(seen.headers.host).to.equal(server.url.host);
      expect(seen.headers["x-amz-date"]).to.match(/^\d{8}T\d{6}Z$/);
      expect(seen.headers.authorization).to.match(
        /^AWS4-HMAC-SHA256 Credential=AKIDINT\/\d{8}\/eu-central-1\/execute-api\/aws4_request, /,
      );
      expect(signedHeaderNames(seen)).to.deep.equal(["content-length", "content-type", "host", "x-amz-date"]);
      expect(seen.headers.authorization).to.equal(oracleAuthorization(seen, "execute-api", "eu-central-1"));
      expect(seen.headers).to.not.have.property("x-amz-security-token");
    });

    it("signs a request without a body, and sends it with no content-length", async () => {
      server = await serve(answer(204));
      await sendSigned(new URL("/prod/@connections/abc", server.url), request({ method: "DELETE" }));
      const seen = server.received[0] as Received;
      expect(seen).to.include({ method: "DELETE", body: "" });
      expect(seen.headers).to.not.have.property("content-length");
      expect(signedHeaderNames(seen)).to.deep.equal(["host", "x-amz-date"]);
      expect(seen.headers.authorization).to.equal(oracleAuthorization(seen, "execute-api", "eu-central-1"));
    });

    it("sends an empty body with content-length 0 when the caller gives one", async () => {
      server = await serve(answer(200));
      await sendSigned(server.url, request({ body: "" }));
      const seen = server.received[0] as Received;
      expect(seen.headers["content-length"]).to.equal("0");
      expect(seen.headers.authorization).to.equal(oracleAuthorization(seen, "execute-api", "eu-central-1"));
    });

    it("sends and signs x-amz-security-token only when the environment has a session token", async () => {
      server = await serve(answer(200));
      process.env.AWS_SESSION_TOKEN = "IQoJb3JpZ2luX2VjE/session+token=";
      await sendSigned(server.url, request({ service: "dynamodb", body: "{}" }));
      process.env.AWS_SESSION_TOKEN = "";
      await sendSigned(server.url, request({ service: "dynamodb", body: "{}" }));
      const [withSession, without] = server.received as [Received, Received];
      expect(withSession.headers["x-amz-security-token"]).to.equal("IQoJb3JpZ2luX2VjE/session+token=");
      expect(signedHeaderNames(withSession)).to.include("x-amz-security-token");
      expect(withSession.headers.authorization).to.equal(
        oracleAuthorization(withSession, "dynamodb", "eu-central-1", "IQoJb3JpZ2luX2VjE/session+token="),
      );
      expect(without.headers).to.not.have.property("x-amz-security-token");
      expect(signedHeaderNames(without)).to.not.include("x-amz-security-token");
      expect(without.headers.authorization).to.equal(oracleAuthorization(without, "dynamodb", "eu-central-1"));
    });

    it("sends the path percent-encoded as the services read it, and signs that path", async () => {
      server = await serve(answer(200));
      // The URL parser keeps `[ ] |` and encodes the space; the wire path escapes the rest, keeping `%3D` as it is.
      const url = new URL("/prod stage/@connections/a[b]|c%3D", server.url);
      await sendSigned(url, request({ method: "DELETE" }));
      const seen = server.received[0] as Received;
      expect(seen.path).to.equal("/prod%20stage/@connections/a%5Bb%5D%7Cc%3D");
      expect(seen.headers.authorization).to.equal(oracleAuthorization(seen, "execute-api", "eu-central-1"));
    });

    it("signs afresh on each call: a changed key gives another signature", async () => {
      server = await serve(answer(200));
      await sendSigned(server.url, request({ body: "{}" }));
      process.env.AWS_SECRET_ACCESS_KEY = "another";
      await sendSigned(server.url, request({ body: "{}" }));
      const [first, second] = server.received as [Received, Received];
      expect(first.headers.authorization).to.equal(oracleAuthorization(first, "execute-api", "eu-central-1"));
      expect(second.headers.authorization).to.not.equal(oracleAuthorization(second, "execute-api", "eu-central-1"));
    });
  });

  describe("the answer", () => {
    it("gives the status and headers, and the body when asked to keep it", async () => {
      server = await serve(
        answer(410, '{"message":"gone"}', { "x-amzn-errortype": "GoneException", "content-type": "application/json" }),
      );
      const got = await sendSigned(server.url, request({ maxAnswerBytes: 1_000 }));
      expect(got.status).to.equal(410);
      expect(got.headers).to.include({ "x-amzn-errortype": "GoneException", "content-type": "application/json" });
      expect(got.text).to.equal('{"message":"gone"}');
    });

    it("decodes the kept body as UTF-8, counting the cap in bytes", async () => {
      const body = "é€😀"; // 2 + 3 + 4 bytes
      server = await serve(answer(200, body));
      expect((await sendSigned(server.url, request({ maxAnswerBytes: 9 }))).text).to.equal(body);
      const err = await rejection(sendSigned(server.url, request({ maxAnswerBytes: 8 })));
      expect(err).to.be.instanceOf(TransportError).and.to.include({ mayHaveReached: true });
    });

    it("discards the body by default, still giving the status and headers", async () => {
      server = await serve(answer(200, "x".repeat(100_000), { "x-amzn-requestid": "r-1" }));
      const got = await sendSigned(server.url, request());
      expect(got).to.include({ status: 200, text: "" });
      expect(got.headers["x-amzn-requestid"]).to.equal("r-1");
    });

    it("keeps a body of exactly maxAnswerBytes, and fails one byte over as a call that reached the service", async () => {
      server = await serve(answer(200, "0123456789"));
      expect((await sendSigned(server.url, request({ maxAnswerBytes: 10 }))).text).to.equal("0123456789");
      const err = (await rejection(sendSigned(server.url, request({ maxAnswerBytes: 9 })))) as TransportFailure;
      expect(err).to.be.instanceOf(TransportError).and.to.include({ mayHaveReached: true, name: "TransportError" });
      expect(err.code).to.be.a("string").and.not.equal("");
      expect(err.message).to.equal(`execute-api call failed: ${err.code}`);
    });

    it("fails a large answer over the cap, however it arrives in chunks", async () => {
      server = await serve((_req, res) => {
        res.writeHead(200);
        res.write("a".repeat(40_000));
        setImmediate(() => res.end("b".repeat(40_000)));
      });
      expect((await sendSigned(server.url, request({ maxAnswerBytes: 80_000 }))).text).to.have.length(80_000);
      const err = await rejection(sendSigned(server.url, request({ maxAnswerBytes: 79_999 })));
      expect(err).to.be.instanceOf(TransportError).and.to.include({ mayHaveReached: true });
    });
  });

  describe("failures", () => {
    it("fails at the deadline with code DEADLINE when the service never answers, as a call that reached it", async () => {
      server = await serve(() => {});
      const err = (await rejection(sendSigned(server.url, request({ deadlineMs: 200 })))) as TransportFailure;
      expect(err).to.be.instanceOf(TransportError).and.to.include({
        code: "DEADLINE",
        mayHaveReached: true,
        message: "execute-api call failed: DEADLINE",
      });
      expect(server.received).to.have.length(1);
    });

    it("fails at the deadline when the answer starts but its body never ends", async () => {
      server = await serve((_req, res) => {
        res.writeHead(200);
        res.write("partial");
      });
      const err = await rejection(sendSigned(server.url, request({ deadlineMs: 200, maxAnswerBytes: 100 })));
      expect(err).to.be.instanceOf(TransportError).and.to.include({ code: "DEADLINE", mayHaveReached: true });
    });

    it("says a refused connection never reached the service, with Node's code", async () => {
      const gone = await new Loopback(answer(200)).start();
      await gone.stop();
      const closed = gone.url;
      const err = (await rejection(sendSigned(closed, request()))) as TransportFailure;
      expect(err).to.be.instanceOf(TransportError).and.to.include({ code: "ECONNREFUSED", mayHaveReached: false });
      expect(err.cause).to.have.property("code", "ECONNREFUSED");
    });

    it("says a connection reset after the request may have reached the service", async () => {
      server = await serve((req) => req.socket.destroy());
      const err = (await rejection(sendSigned(server.url, request({ body: "{}" })))) as TransportFailure;
      expect(err).to.be.instanceOf(TransportError).and.to.include({ code: "ECONNRESET", mayHaveReached: true });
      expect(server.received).to.have.length(1);
    });

    for (const maxAnswerBytes of [undefined, 1_000]) {
      it(`fails when the connection drops mid-body (${maxAnswerBytes === undefined ? "body discarded" : "body kept"}), without waiting for the deadline`, async () => {
        server = await serve((_req, res) => {
          res.writeHead(200, { "content-length": "100" });
          res.write("partial", () => setImmediate(() => res.socket?.destroy()));
        });
        const err = (await rejection(
          sendSigned(
            server.url,
            request({ deadlineMs: 20_000, ...(maxAnswerBytes === undefined ? {} : { maxAnswerBytes }) }),
          ),
        )) as TransportFailure;
        expect(err).to.be.instanceOf(TransportError).and.to.include({ mayHaveReached: true });
        expect(err.code).to.be.a("string").and.not.equal("").and.not.equal("DEADLINE");
      });
    }

    it("speaks TLS to an https URL: to a plain-http port it fails, and no request goes out in clear text", async () => {
      server = await serve(answer(200));
      await sendSigned(server.url, request({ maxSockets: 3 })); // an http pool with the same cap exists first
      const tls = new URL(server.url);
      tls.protocol = "https:";
      const err = (await rejection(sendSigned(tls, request({ maxSockets: 3, body: "{}" })))) as TransportFailure;
      expect(err).to.be.instanceOf(TransportError).and.to.include({ mayHaveReached: true });
      expect(err.code).to.be.a("string").and.not.equal("DEADLINE");
      expect(server.received, "only the http call was read as HTTP").to.have.length(1);
      expect(server.clientErrors, "the https call's bytes were not HTTP").to.equal(1);
    });

    for (const missing of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] as const) {
      for (const value of [undefined, ""]) {
        it(`refuses to send with ${missing} ${value === undefined ? "unset" : "empty"}, naming both variables`, async () => {
          server = await serve(answer(200));
          if (value === undefined) delete process.env[missing];
          else process.env[missing] = value;
          const err = (await rejection(sendSigned(server.url, request({ body: "{}" })))) as Error;
          expect(err).to.be.instanceOf(SigningConfigError).and.to.include({ name: "SigningConfigError" });
          expect(err.message).to.include("AWS_ACCESS_KEY_ID").and.to.include("AWS_SECRET_ACCESS_KEY");
          expect(server.connections).to.equal(0);
        });
      }
    }
  });

  describe("connections", () => {
    it("reuses one keep-alive connection for two calls one after the other", async () => {
      server = await serve(answer(200, "ok"));
      expect((await sendSigned(server.url, request({ maxAnswerBytes: 2 }))).text).to.equal("ok");
      await new Promise((resolve) => setImmediate(resolve));
      expect((await sendSigned(server.url, request({ maxAnswerBytes: 2 }))).text).to.equal("ok");
      expect(server.received).to.have.length(2);
      expect(server.connections).to.equal(1);
    });

    it("opens at most maxSockets connections for calls in parallel, and answers them all", async () => {
      const maxSockets = 2;
      const calls = 6;
      // Hold requests until maxSockets of them wait together: that proves the calls run in parallel up to the
      // cap, and a client that opened fewer connections would never be answered (and fail at its deadline).
      const held: ServerResponse[] = [];
      let seen = 0;
      server = await serve((_req, res) => {
        seen += 1;
        held.push(res);
        if (held.length === maxSockets || seen === calls) for (const r of held.splice(0)) r.end("ok");
      });
      const answers = await Promise.all(
        Array.from({ length: calls }, () => sendSigned(server.url, request({ maxSockets, maxAnswerBytes: 2 }))),
      );
      expect(answers.map((a) => a.text)).to.deep.equal(Array(calls).fill("ok"));
      expect(server.maxOpen).to.equal(maxSockets);
      expect(server.connections).to.equal(maxSockets);
    });

    it("keeps the cap of capped calls after uncapped calls to the same service", async () => {
      const maxSockets = 2;
      const calls = 6;
      const held: ServerResponse[] = [];
      let capped = false;
      let seen = 0;
      server = await serve((_req, res) => {
        if (!capped) return void res.end();
        seen += 1;
        held.push(res);
        if (held.length === maxSockets || seen === calls) for (const r of held.splice(0)) r.end();
      });
      await Promise.all(Array.from({ length: 3 }, () => sendSigned(server.url, request())));
      capped = true;
      await Promise.all(Array.from({ length: calls }, () => sendSigned(server.url, request({ maxSockets }))));
      const cappedPorts = new Set(server.received.slice(3).map((r) => r.port));
      expect(cappedPorts.size, "connections the capped calls used").to.equal(maxSockets);
    });

    it("opens a connection per parallel call when no cap is given", async () => {
      const calls = 4;
      const held: ServerResponse[] = [];
      server = await serve((_req, res) => {
        held.push(res);
        if (held.length === calls) for (const r of held.splice(0)) r.end();
      });
      await Promise.all(Array.from({ length: calls }, () => sendSigned(server.url, request())));
      expect(server.maxOpen).to.equal(calls);
    });
  });
});
