import { expect } from "chai";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SigningConfigError, sendSigned, TransportError } from "../../../functions/shared/signed-request.ts";

// The one signed-request path under DynamoDB's and the Management API's clients, against a loopback server.
describe("signed requests (aws4 over node:http)", () => {
  let server: Server;
  let url: URL;
  let answerBody = "";
  const seen: IncomingHttpHeaders[] = [];
  const saved = { ...process.env };

  before(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      req.on("end", () => res.end(answerBody));
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
    answerBody = "";
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: "AKID", AWS_SECRET_ACCESS_KEY: "secret" });
    delete process.env.AWS_SESSION_TOKEN;
  });

  const send = (maxAnswerBytes?: number) =>
    sendSigned(url, {
      method: "POST",
      service: "dynamodb",
      region: "eu-west-1",
      body: "{}",
      deadlineMs: 2_000,
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

  it("refuses to send without credentials", () => {
    delete process.env.AWS_SECRET_ACCESS_KEY;
    expect(() => send()).to.throw(SigningConfigError, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set");
    expect(seen).to.have.length(0);
  });
});
