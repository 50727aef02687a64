import { expect } from "chai";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ConnectionRegistry } from "../../../functions/shared/registry.ts";
import { LambdaHost } from "../../../local/lambda/host.ts";
import { freshRegistryTable, registryEnv } from "../../local/support/dynamodb.ts";
import { distZip } from "../../support/dist.ts";
import { makeRouteEvent } from "../../../local/gateway/sample-events.ts";
import { LogCollector } from "../../support/logs.ts";

interface ManagementCall {
  method: string;
  path: string;
  body: string;
  signed: boolean;
}

describe("built message zip, replying through a Management API on loopback", function () {
  this.timeout(30_000);
  let server: Server;
  let domainName: string;
  const calls: ManagementCall[] = [];
  const logs = new LogCollector();
  let host: LambdaHost;

  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        calls.push({
          method: req.method ?? "",
          path: req.url ?? "",
          body: Buffer.concat(chunks).toString(),
          signed: String(req.headers.authorization ?? "").startsWith("AWS4-HMAC-SHA256"),
        });
        const gone = (req.url ?? "").includes("gone");
        res.writeHead(gone ? 410 : 200, {
          "content-type": "application/json",
          ...((req.url ?? "").includes("typed") ? { "x-amzn-errortype": "GoneException" } : {}),
        });
        res.end(gone ? '{"message":"GoneException"}' : "{}");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    domainName = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    // The message handler reads exp from the registry (moto's DynamoDB), as $connect would have written it.
    const table = await freshRegistryTable();
    const registry = new ConnectionRegistry(
      { tableName: table.tableName, endpoint: table.endpoint, region: "eu-west-1" },
      table.db,
    );
    const now = Math.floor(Date.now() / 1000);
    const endpoint = `http://${domainName}/dev`;
    for (const connectionId of ["abc=", "gone-typed", "gone-bare"]) {
      await registry.register({
        connectionId,
        sub: "sub-alice",
        username: "alice",
        exp: now + 600,
        connectedAt: Date.now(),
        endpoint,
      });
    }
    await registry.register({
      connectionId: "old",
      sub: "s",
      username: "u",
      exp: now - 1,
      connectedAt: Date.now(),
      endpoint,
    });
    host = new LambdaHost({
      name: "message",
      zipPath: distZip("message"),
      env: registryEnv(table),
      onLog: logs.collect,
    });
  });

  after(async () => {
    await host.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    calls.length = 0;
  });

  it("posts the reply, signed with SigV4, to @connections of the sender", async () => {
    const result = await host.invoke(makeRouteEvent({ domainName, connectionId: "abc=", body: '{"action":"hi"}' }));
    expect(result).to.deep.equal({ ok: true, value: { statusCode: 200 } });
    expect(calls).to.have.length(1);
    const call = calls[0] as ManagementCall;
    expect(call.method).to.equal("POST");
    expect(call.path).to.equal("/dev/@connections/abc%3D");
    expect(call.signed).to.equal(true);
    expect(JSON.parse(call.body)).to.deep.include({ type: "reply", action: "hi" });
    expect(JSON.parse(call.body).from).to.deep.equal({ username: "alice", sub: "sub-alice", groups: ["admin", "dev"] });
  });

  it("tells a caller whose registry exp has passed why, then deletes the connection (the context still says valid)", async () => {
    const authorizer = {
      principalId: "s",
      sub: "s",
      username: "u",
      groups: "",
      exp: String(Math.floor(Date.now() / 1000) + 600),
      token_use: "id",
    };
    const result = await host.invoke(makeRouteEvent({ domainName, connectionId: "old", body: "x", authorizer }));
    expect(result).to.deep.equal({ ok: true, value: { statusCode: 401 } });
    expect(calls.map((call) => call.method)).to.deep.equal(["POST", "DELETE"]);
    expect(JSON.parse((calls[0] as ManagementCall).body)).to.deep.equal({ type: "error", error: "token_expired" });
  });

  it("succeeds when the sender has already gone (410, with or without the error type header)", async () => {
    for (const connectionId of ["gone-typed", "gone-bare"]) {
      const result = await host.invoke(makeRouteEvent({ domainName, connectionId, body: "x" }));
      expect(result, connectionId).to.deep.equal({ ok: true, value: { statusCode: 200 } });
    }
  });

  it("initialised once for all invocations", () => {
    expect(host.coldStarts).to.equal(1);
  });
});
