import { SignatureV4 } from "@smithy/signature-v4";
import { expect } from "chai";
import { createHash, createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  connectionsFor,
  LOOPBACK_MANAGEMENT_DEADLINE_MS,
  MANAGEMENT_API_DEADLINE_MS,
  ManagementApiError,
  managementDeadlineMs,
  managementEndpoint,
} from "../../../functions/shared/management-api.ts";
import { SigningConfigError } from "../../../functions/shared/signed-request.ts";
import {
  backOffPauses,
  CUT_DEADLINE_MS,
  DEADLINE_CUTS,
  FIXED_RANDOM,
  withScriptedDate,
} from "../../support/back-off.ts";

interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

function toBytes(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === "string") return data;
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
}

/** The AWS SDK's own signer needs a hash class; node:crypto gives one. */
class NodeSha256 {
  private readonly hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", toBytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

const CREDENTIALS = { accessKeyId: "AKIDLOCAL", secretAccessKey: "local-secret", sessionToken: "local-session" };

/** What the AWS SDK's SigV4 signer computes for the request the server received. */
async function expectedAuthorization(received: Received, port: number): Promise<string> {
  const signed = /SignedHeaders=([^,]+)/.exec(String(received.headers.authorization))?.[1]?.split(";") ?? [];
  const amzDate = String(received.headers["x-amz-date"]);
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13)}`,
  );
  const headers = Object.fromEntries(
    signed
      .filter((name) => name !== "x-amz-date" && name !== "x-amz-security-token")
      .map((name) => [name, String(received.headers[name])]),
  );
  const signer = new SignatureV4({
    service: "execute-api",
    region: "eu-west-1",
    credentials: CREDENTIALS,
    sha256: NodeSha256,
    applyChecksum: false,
  });
  const request = await signer.sign(
    {
      method: received.method,
      protocol: "http:",
      hostname: "127.0.0.1",
      port,
      path: decodeURI(received.path),
      headers,
      body: received.body,
      query: {},
    },
    { signingDate },
  );
  return String(request.headers.authorization);
}

describe("Management API connections (SigV4 over http1.ts)", () => {
  let server: Server;
  let port: number;
  const received: Received[] = [];
  let statuses: number[] = [];
  /** Called as each request arrives, before it is answered. */
  let onRequest = (): void => {};
  const saved = { ...process.env };

  before(async () => {
    Object.assign(process.env, {
      AWS_REGION: "eu-west-1",
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: CREDENTIALS.sessionToken,
    });
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        received.push({
          method: req.method ?? "",
          path: req.url ?? "",
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
        });
        onRequest();
        const status = statuses.shift() ?? 200;
        // 0: reset the connection after the request arrived; -1: never answer.
        if (status === 0) return void req.socket.destroy();
        if (status === -1) return;
        res.writeHead(status, {
          "content-type": "application/json",
          ...(status === 403 ? { "x-amzn-errortype": "ForbiddenException:http://internal" } : {}),
        });
        res.end(status === 200 ? "" : '{"message":"no"}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    process.env = saved;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    received.length = 0;
    statuses = [];
    onRequest = () => {};
  });

  it("posts to @connections/{id} with a signature the AWS SDK's signer agrees with", async () => {
    const delivered = await connectionsFor(`http://127.0.0.1:${port}/dev`).post("abc=", '{"type":"reply"}');
    expect(delivered).to.equal(true);
    const request = received[0] as Received;
    expect(request.method).to.equal("POST");
    expect(request.path).to.equal("/dev/@connections/abc%3D");
    expect(request.body).to.equal('{"type":"reply"}');
    expect(request.headers["x-amz-security-token"]).to.equal(CREDENTIALS.sessionToken);
    expect(request.headers.authorization).to.equal(await expectedAuthorization(request, port));
  });

  it("deletes a connection with a signed DELETE", async () => {
    expect(await connectionsFor(`http://127.0.0.1:${port}/dev`).close("abc=")).to.equal(true);
    const request = received[0] as Received;
    expect(request.method).to.equal("DELETE");
    expect(request.headers.authorization).to.equal(await expectedAuthorization(request, port));
  });

  it("reports a client that is already gone (410) as not delivered, without retrying", async () => {
    statuses = [410];
    expect(await connectionsFor(`http://127.0.0.1:${port}/dev`).post("gone", "x")).to.equal(false);
    expect(received).to.have.length(1);
  });

  it("retries a DeleteConnection answered 5xx (it is idempotent) and succeeds when a later attempt does", async () => {
    statuses = [500, 503];
    expect(await connectionsFor(`http://127.0.0.1:${port}/dev`).close("abc")).to.equal(true);
    expect(received).to.have.length(3);
  });

  it("never retries a PostToConnection answered 5xx: the message may have been delivered", async () => {
    statuses = [500];
    const error = await connectionsFor(`http://127.0.0.1:${port}/dev`)
      .post("abc", "x")
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(error).to.be.instanceOf(ManagementApiError).and.to.include({ status: 500 });
    expect(received).to.have.length(1);
  });

  it("retries a PostToConnection answered 429: a throttled request was not delivered", async () => {
    statuses = [429, 429];
    expect(await connectionsFor(`http://127.0.0.1:${port}/dev`).post("abc", "x")).to.equal(true);
    expect(received).to.have.length(3);
  });

  it("gives up after three throttled attempts with the last answer's status", async () => {
    statuses = [429, 429, 429, 200];
    const error = await connectionsFor(`http://127.0.0.1:${port}/dev`)
      .close("abc")
      .catch((err: unknown) => err);
    expect(error).to.be.instanceOf(ManagementApiError).and.to.include({ status: 429 });
    expect(received).to.have.length(3);
  });

  describe("back-off (Math.random fixed, Date stopped: pauses are arithmetic, not timings)", () => {
    it("pauses a random share of 50 ms × 2^attempt before each retry", async () => {
      statuses = [429, 429];
      const pauses = await backOffPauses(async () => {
        expect(await connectionsFor(`http://127.0.0.1:${port}/dev`).close("abc")).to.equal(true);
      });
      expect(pauses).to.deep.equal([FIXED_RANDOM * 50 * 2, FIXED_RANDOM * 50 * 4]);
    });

    for (const [elapsed, attempts] of DEADLINE_CUTS) {
      it(`stops after ${attempts} attempt(s) when a pause would end at the deadline (elapsed ${elapsed.join(", ")} ms)`, async () => {
        const err = await withScriptedDate((setElapsed) => {
          statuses = [429, 429, 429];
          const times = [...elapsed, CUT_DEADLINE_MS];
          onRequest = () => setElapsed(times.shift() ?? CUT_DEADLINE_MS);
          return connectionsFor(`http://127.0.0.1:${port}/dev`, { deadlineMs: CUT_DEADLINE_MS })
            .close("abc")
            .catch((e: unknown) => e);
        });
        expect(err).to.be.instanceOf(ManagementApiError).and.to.include({ status: 429 });
        expect(received).to.have.length(attempts);
      });
    }
  });

  for (const status of [400, 403, 404]) {
    it(`never retries a configuration error (${status}), on either call`, async () => {
      statuses = [status, status];
      for (const call of [
        () => connectionsFor(`http://127.0.0.1:${port}/dev`).post("abc", "x"),
        () => connectionsFor(`http://127.0.0.1:${port}/dev`).close("abc"),
      ]) {
        received.length = 0;
        statuses = [status, 200];
        expect(await call().catch((err: unknown) => err))
          .to.be.instanceOf(ManagementApiError)
          .and.to.include({ status });
        expect(received).to.have.length(1);
      }
    });
  }

  it("never retries a PostToConnection whose connection reset after the request left: it may have been delivered", async () => {
    statuses = [0, 200];
    const error = await connectionsFor(`http://127.0.0.1:${port}/dev`)
      .post("abc", "x")
      .catch((err: unknown) => err);
    expect(error).to.be.instanceOf(ManagementApiError).and.to.include({ status: 0, errorType: "ECONNRESET" });
    expect(received).to.have.length(1);
  });

  it("retries a DeleteConnection whose connection reset", async () => {
    statuses = [0, 200];
    expect(await connectionsFor(`http://127.0.0.1:${port}/dev`).close("abc")).to.equal(true);
    expect(received).to.have.length(2);
  });

  it("ends a call that gets no answer at its deadline, and does not retry past it", async () => {
    statuses = [-1, -1, -1];
    for (const call of ["post", "close"] as const) {
      received.length = 0;
      statuses = [-1, -1, -1];
      const connections = connectionsFor(`http://127.0.0.1:${port}/dev`, { deadlineMs: 200 });
      const error = await (call === "post" ? connections.post("abc", "x") : connections.close("abc")).catch(
        (err: unknown) => err,
      );
      expect(error).to.be.instanceOf(ManagementApiError).and.to.include({ errorType: "DEADLINE" });
      expect(received).to.have.length(1);
    }
  });

  it("retries a PostToConnection that never reached the service (connection refused)", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const free = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await connectionsFor(`http://127.0.0.1:${free}/dev`)
      .post("abc", "x")
      .catch((err: unknown) => err);
    expect(error).to.be.instanceOf(ManagementApiError).and.to.include({ errorType: "ECONNREFUSED" });
    expect((error as Error).cause).to.have.property("mayHaveReached", false);
  });

  it("fails at once, sending nothing, without AWS_REGION or credentials: no retry can help", async () => {
    for (const name of ["AWS_REGION", "AWS_SECRET_ACCESS_KEY"]) {
      const value = process.env[name];
      delete process.env[name];
      try {
        const error = await connectionsFor(`http://127.0.0.1:${port}/dev`)
          .post("abc", "x")
          .catch((err: unknown) => err);
        expect(error).to.be.instanceOf(SigningConfigError).and.to.have.property("message").that.includes(name);
        expect(received).to.have.length(0);
      } finally {
        process.env[name] = value;
      }
    }
  });

  it("sends JSON's content type with a post, and no body or content type with a delete", async () => {
    await connectionsFor(`http://127.0.0.1:${port}/dev`).post("abc", "{}");
    await connectionsFor(`http://127.0.0.1:${port}/dev`).close("abc");
    expect(received.map((request) => [request.method, request.headers["content-type"], request.body])).to.deep.equal([
      ["POST", "application/json", "{}"],
      ["DELETE", undefined, ""],
    ]);
  });

  it("takes only a 2xx as success, and names the operation and status in its error", async () => {
    statuses = [300];
    const post = await connectionsFor(`http://127.0.0.1:${port}/dev`)
      .post("abc", "x")
      .catch((err: unknown) => err);
    expect(post).to.be.instanceOf(ManagementApiError).and.to.include({
      name: "ManagementApiError",
      message: "PostToConnection failed: status 300",
      errorType: undefined,
    });
    statuses = [403];
    const close = await connectionsFor(`http://127.0.0.1:${port}/dev`)
      .close("abc")
      .catch((err: unknown) => err);
    expect(close).to.include({ message: "DeleteConnection failed: status 403 (ForbiddenException)" });
  });

  it("throws ManagementApiError with the status and error type for any other answer", async () => {
    statuses = [403];
    const error = await connectionsFor(`http://127.0.0.1:${port}/dev`)
      .post("abc", "x")
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(error).to.be.instanceOf(ManagementApiError);
    expect(error).to.include({ status: 403, errorType: "ForbiddenException" });
  });
});

describe("Management API endpoint", () => {
  it("has API Gateway's deadline, or a longer one for the local gateway on loopback", () => {
    expect(managementDeadlineMs("https://abc123.execute-api.eu-west-1.amazonaws.com/dev")).to.equal(
      MANAGEMENT_API_DEADLINE_MS,
    );
    expect(managementDeadlineMs("http://127.0.0.1:3001/dev")).to.equal(LOOPBACK_MANAGEMENT_DEADLINE_MS);
  });

  const context = { apiId: "abc123", stage: "dev" };

  it("is the API's own execute-api host in the Lambda's region, over https", () => {
    expect(managementEndpoint({ ...context, domainName: "ws.example.com" }, "eu-west-1")).to.equal(
      "https://abc123.execute-api.eu-west-1.amazonaws.com/dev",
    );
    expect(managementEndpoint({ ...context, domainName: "ws.example.com" }, undefined)).to.equal(
      "https://ws.example.com/dev",
    );
  });

  it("is plain http only for a loopback gateway, spelled in full", () => {
    for (const host of ["127.0.0.1:3000", "127.10.20.30:3000", "localhost:3000", "[::1]:3000", "localhost"]) {
      expect(managementEndpoint({ ...context, domainName: host }, "eu-west-1")).to.equal(`http://${host}/dev`);
    }
    for (const host of ["x127.0.0.1", "a.localhost", "localhost.example.com", "127.0.0.1.example.com"]) {
      expect(managementEndpoint({ ...context, domainName: host }, "eu-west-1"), host).to.match(/^https:/);
    }
  });
});
