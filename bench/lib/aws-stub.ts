// Every AWS call a function makes on its first invocation, answered at once on loopback: DynamoDB's JSON API
// (x-amz-target) and the Management API. A cold start then measures our code, not a service's latency.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** The connection the stub's GetItem returns: known, with a token valid for a day. */
function item(connectionId: string, sub: string): Record<string, unknown> {
  const exp = Math.floor(Date.now() / 1000) + 24 * 3600;
  return {
    connectionId: { S: connectionId },
    sub: { S: sub },
    username: { S: "alice" },
    exp: { N: String(exp) },
    connectedAt: { N: String(Date.now()) },
    endpoint: { S: "http://127.0.0.1/dev" },
  };
}

function answer(target: string, body: string, sub: string): unknown {
  const operation = target.split(".")[1] ?? "";
  if (operation === "GetItem") {
    const key = (JSON.parse(body) as { Key?: { connectionId?: { S?: string } } }).Key?.connectionId?.S ?? "";
    return { Item: item(key, sub) };
  }
  if (operation === "Query") return { Items: [], Count: 0, ScannedCount: 0 };
  if (operation === "UpdateItem") return { Attributes: {} };
  return {};
}

export interface AwsStub {
  readonly endpoint: string;
  readonly calls: number;
  close(): Promise<void>;
}

/** `sub`: the owner of every connection GetItem returns. */
export async function startAwsStub(sub = "sub-alice"): Promise<AwsStub> {
  let calls = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      calls += 1;
      const target = String(req.headers["x-amz-target"] ?? "");
      const body = JSON.stringify(target === "" ? {} : answer(target, Buffer.concat(chunks).toString("utf8"), sub));
      res.writeHead(200, { "content-type": "application/x-amz-json-1.0", "content-length": Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get calls() {
      return calls;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
