// Warm cost of the message handler's reply path: the shipped zip (our SigV4 + http1.ts) against aws4fetch and the AWS
// SDK client, each
// posting to a Management API on loopback in this process. Run as a child of run.ts; results over IPC.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { makeRouteEvent } from "../local/gateway/sample-events.ts";
import { BENCH_MESSAGE_CONNECTION } from "./registry.ts";
import { PLATFORM_ENV, removeTaskRoots, unpack, zipPath } from "./lib/fixtures.ts";
import { median, summarise, type Summary } from "./lib/stats.ts";

export interface MessageWarmResult {
  readonly label: string;
  readonly perCallUs: Summary;
  readonly ratioToShipped: number;
}

async function main(): Promise<void> {
  const calls = Number(process.env.BENCH_CALLS ?? 500);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 10);
  Object.assign(process.env, PLATFORM_ENV);
  let posts = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      if (String(req.headers.authorization ?? "").startsWith("AWS4-HMAC-SHA256")) posts += 1;
      res.writeHead(200, { "content-type": "application/json", "content-length": 2 });
      res.end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  // The registry read answered on loopback too, so the rows compare the Management API clients, not moto.
  const item = JSON.stringify({
    Item: {
      connectionId: { S: BENCH_MESSAGE_CONNECTION },
      sub: { S: "sub-alice" },
      username: { S: "alice" },
      exp: { N: String(Math.floor(Date.now() / 1000) + 86_400) },
    },
  });
  const registry = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/x-amz-json-1.0", "content-length": Buffer.byteLength(item) });
      res.end(item);
    });
  });
  await new Promise<void>((resolve) => registry.listen(0, "127.0.0.1", resolve));
  process.env.DYNAMODB_ENDPOINT = `http://127.0.0.1:${(registry.address() as AddressInfo).port}`;
  process.env.CONNECTIONS_TABLE ??= "bench-connections";
  const event = makeRouteEvent({
    domainName: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    connectionId: BENCH_MESSAGE_CONNECTION,
    body: '{"action":"hi"}',
  });

  const subjects: Array<{ label: string; call: () => Promise<unknown> }> = [];
  for (const [label, name] of [
    ["SigV4 + http1.ts (shipped)", "message"],
    ["aws4fetch (WebCrypto + fetch)", "message-aws4fetch"],
    ["@aws-sdk/client-apigatewaymanagementapi", "message-sdk"],
  ] as const) {
    const module = (await import(pathToFileURL(unpack(zipPath(name))).href)) as {
      handler: (event: unknown) => Promise<unknown>;
    };
    const before = posts;
    const result = (await module.handler(event)) as { statusCode?: number };
    if (result.statusCode !== 200 || posts !== before + 1) throw new Error(`${label} did not post a signed reply`);
    subjects.push({ label, call: () => module.handler(event) });
  }
  const perCall = subjects.map(() => [] as number[]);
  for (let round = 0; round < rounds + 1; round += 1) {
    for (const [index, subject] of subjects.entries()) {
      const started = performance.now();
      for (let i = 0; i < calls; i += 1) await subject.call();
      if (round > 0) (perCall[index] as number[]).push(((performance.now() - started) * 1000) / calls);
    }
  }
  const shipped = perCall[0] as number[];
  const results: MessageWarmResult[] = subjects.map((subject, index) => ({
    label: subject.label,
    perCallUs: summarise(perCall[index] as number[]),
    ratioToShipped: median((perCall[index] as number[]).map((value, round) => value / (shipped[round] as number))),
  }));
  for (const stub of [server, registry]) {
    stub.closeAllConnections();
    stub.close();
  }
  removeTaskRoots();
  process.send?.({ type: "message-warm", results });
  if (!process.send) process.stderr.write(`${JSON.stringify(results, null, 1)}\n`);
  process.exit(0);
}

await main();
