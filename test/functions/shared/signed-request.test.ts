import { expect } from "chai";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SigningConfigError, sendSigned, TransportError } from "../../../functions/shared/signed-request.ts";

// The one signed-request path under DynamoDB's and the Management API's clients, against a loopback server.
describe("signed requests (SigV4 over http1.ts)", () => {
  let server: Server;
  let url: URL;
  let answerBody = "";
  /** "hang": never answer; "reset": destroy the connection once the request is in. */
  let behaviour: "answer" | "hang" | "reset" = "answer";
  const seen: IncomingHttpHeaders[] = [];
  const ports: number[] = [];
  const closedAt: number[] = [];
  const saved = { ...process.env };

  before(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers);
      ports.push(req.socket.remotePort as number);
      req.socket.once("close", () => closedAt.push(Date.now()));
      req.resume();
      req.on("end", () => {
        if (behaviour === "reset") req.socket.destroy();
        else if (behaviour === "answer") res.end(answerBody);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/p`);
  });
  after(async () => {
    process.env = saved;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    seen.length = 0;
    ports.length = 0;
    closedAt.length = 0;
    answerBody = "";
    behaviour = "answer";
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: "AKID", AWS_SECRET_ACCESS_KEY: "secret" });
    delete process.env.AWS_SESSION_TOKEN;
  });

  const send = (maxAnswerBytes?: number, deadlineMs = 2_000, to: URL = url) =>
    sendSigned(to, {
      method: "POST",
      service: "dynamodb",
      region: "eu-west-1",
      body: "{}",
      deadlineMs,
      ...(maxAnswerBytes === undefined ? {} : { maxAnswerBytes }),
    });

  it("signs with the environment's credentials, adding the session token only when there is one", async () => {
    await send();
    expect(seen[0]?.authorization).to.match(
      /^AWS4-HMAC-SHA256 Credential=AKID\/\d{8}\/eu-west-1\/dynamodb\/aws4_request/,
    );
    expect(seen[0]).to.not.have.property("x-amz-security-token");
    process.env.AWS_SESSION_TOKEN = "session";
    await send();
    expect(seen[1]?.["x-amz-security-token"]).to.equal("session");
  });

  it("keeps the answer's body only when asked to, and up to the cap", async () => {
    answerBody = "0123456789";
    expect((await send()).text).to.equal("");
    expect(await send(10)).to.include({ status: 200, text: "0123456789" });
    const err = await send(9).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TransportError).and.to.include({ mayHaveReached: true });
  });

  it("reuses one keep-alive socket, and a finished request's deadline never touches it", async () => {
    // A deadline the loaded machine (or Stryker's instrumented run) cannot miss, and a wait past it.
    await send(undefined, 500);
    await new Promise((resolve) => setTimeout(resolve, 600));
    await send(undefined, 500);
    expect(ports).to.have.length(2);
    expect(ports[1]).to.equal(ports[0]);
    expect(closedAt).to.deep.equal([]);
  });

  it("at the deadline, fails with no cause and drops the connection, which may have reached the service", async () => {
    behaviour = "hang";
    const started = Date.now();
    const err = (await send(undefined, 100).catch((e: unknown) => e)) as TransportError;
    expect(err).to.be.instanceOf(TransportError).and.to.include({
      code: "DEADLINE",
      mayHaveReached: true,
      name: "TransportError",
      message: "dynamodb call failed: DEADLINE",
    });
    expect(err).to.not.have.property("cause");
    const deadline = Date.now() + 2_000;
    while (closedAt.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(closedAt, "the server saw the connection close").to.not.be.empty;
    expect((closedAt[0] as number) - started).to.be.below(2_000);
  });

  it("says a reset on a fresh connection may have reached the service, and keeps Node's error as the cause", async () => {
    behaviour = "reset";
    const fresh = createServer((req) => req.socket.destroy());
    await new Promise<void>((resolve) => fresh.listen(0, "127.0.0.1", resolve));
    try {
      const to = new URL(`http://127.0.0.1:${(fresh.address() as AddressInfo).port}/p`);
      const err = (await send(undefined, 2_000, to).catch((e: unknown) => e)) as TransportError;
      expect(err).to.be.instanceOf(TransportError).and.to.include({ code: "ECONNRESET", mayHaveReached: true });
      expect(err.cause).to.have.property("code", "ECONNRESET");
    } finally {
      await new Promise((resolve) => fresh.close(resolve));
    }
  });

  it("says a refused connection never reached the service", async () => {
    const gone = createServer();
    await new Promise<void>((resolve) => gone.listen(0, "127.0.0.1", resolve));
    const to = new URL(`http://127.0.0.1:${(gone.address() as AddressInfo).port}/p`);
    await new Promise((resolve) => gone.close(resolve));
    const err = (await send(undefined, 2_000, to).catch((e: unknown) => e)) as TransportError;
    expect(err).to.include({ code: "ECONNREFUSED", mayHaveReached: false });
  });

  it("names an answer over the cap as an answer error", async () => {
    answerBody = "x".repeat(100);
    const err = await send(10).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TransportError).and.to.have.property("code").that.is.a("string").and.not.empty;
  });

  it("passes on a request it cannot send as the TypeError it is, not as a transport failure", async () => {
    const err = await sendSigned(url, {
      method: "POST",
      service: "dynamodb",
      region: "eu-west-1",
      headers: { "x-split": "a\r\nx-injected: 1" },
      deadlineMs: 2_000,
    }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TypeError).and.not.to.be.instanceOf(TransportError);
    expect((err as Error).message).to.equal("invalid request header x-split");
    expect(seen).to.have.length(0);
  });

  it("refuses to send without credentials", async () => {
    delete process.env.AWS_SECRET_ACCESS_KEY;
    const err = await send().catch((e: unknown) => e);
    expect(err).to.be.instanceOf(SigningConfigError);
    expect((err as Error).message).to.include("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set");
    expect(seen).to.have.length(0);
  });
});
