// The connection registry on the handshake path: which DynamoDB client (SigV4-signed JSON calls, shipped, or
// @aws-sdk/client-dynamodb), measured by cold start and warm latency of `connect`, and $connect through the local
// gateway with the registry write to moto. Part of `make bench` (run.ts); `node bench/registry.ts` alone also works.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { WebSocket } from "ws";
import { LocalIssuer } from "../local/issuer/issuer.ts";
import { DEFAULT_GATEWAY_CONFIG } from "../local/gateway/config.ts";
import { startLocalStack } from "../local/stack.ts";
import { LOCAL_REGION, type LocalRegistry, startLocalRegistry } from "../local/registry-table.ts";
import { ConnectionRegistry } from "../functions/shared/registry.ts";
import { makeRouteEvent } from "../local/gateway/sample-events.ts";
import { buildPeers } from "./build-peers.ts";
import { type ColdResult, measureColdStarts } from "./cold.ts";
import { PLATFORM_ENV, removeTaskRoots, unpack, zipPath } from "./lib/fixtures.ts";
import { fmt, quantile, summarise, type Summary } from "./lib/stats.ts";

export interface RegistryBenchResult {
  readonly cold: readonly ColdResult[];
  /** Per `connect` invocation, in process, warm: against moto, and against a loopback stub (the client's own cost). */
  readonly warm: ReadonlyArray<{ readonly label: string; readonly motoMs: Summary; readonly stubUs: Summary }>;
  readonly handshake: {
    readonly count: number;
    readonly p50Ms: number;
    readonly p99Ms: number;
    readonly connectP50Ms: number;
    readonly connectP99Ms: number;
  };
}

/** The connection the message handler benches reply to: registered once, valid for the whole run. */
export const BENCH_MESSAGE_CONNECTION = "bench-message=";

export async function registerBenchConnection(registry: LocalRegistry): Promise<void> {
  await new ConnectionRegistry(
    { tableName: registry.tableName, endpoint: registry.endpoint, region: LOCAL_REGION },
    registry.db,
  ).register({
    connectionId: BENCH_MESSAGE_CONNECTION,
    sub: "sub-alice",
    username: "alice",
    exp: Math.floor(Date.now() / 1000) + 24 * 3600,
    connectedAt: Date.now(),
    endpoint: "http://127.0.0.1/dev",
  });
}

const CLIENTS = [
  ["SigV4 + http1.ts (shipped)", "connect"],
  ["@aws-sdk/client-dynamodb", "connect-sdk"],
] as const;

function connectEvent(i: number) {
  return makeRouteEvent({ routeKey: "$connect", eventType: "CONNECT", connectionId: `bench-${i}=` });
}

/** A DynamoDB JSON endpoint that answers every call with `{}`: what is left is the client's own cost. */
async function startStub(): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, {
        "content-type": "application/x-amz-json-1.0",
        "content-length": 2,
        "x-amzn-requestid": "stub",
      });
      res.end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

type Handler = (event: unknown) => Promise<{ statusCode?: number }>;

/** A fresh module instance (its own task root), initialised against `endpoint`: each reads DYNAMODB_ENDPOINT at init. */
async function load(name: string, endpoint: string): Promise<Handler> {
  process.env.DYNAMODB_ENDPOINT = endpoint;
  const { handler } = (await import(pathToFileURL(unpack(zipPath(name))).href)) as { handler: Handler };
  if ((await handler(connectEvent(0))).statusCode !== 200) throw new Error(`${name}: connect did not answer 200`);
  return handler;
}

/** Rounds interleaved across the four subjects, so the load of a shared machine falls on each alike. */
async function warm(registry: LocalRegistry, quick: boolean): Promise<RegistryBenchResult["warm"]> {
  const stub = await startStub();
  const stubEndpoint = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
  const subjects = [];
  for (const [label, name] of CLIENTS) {
    subjects.push({
      label,
      moto: await load(name, registry.endpoint),
      stub: await load(name, stubEndpoint),
      motoMs: [] as number[],
      stubUs: [] as number[],
    });
  }
  process.env.DYNAMODB_ENDPOINT = registry.endpoint;
  const [motoCalls, stubCalls, rounds] = quick ? [30, 300, 4] : [100, 1000, 10];
  // The handlers' log lines would measure the terminal: they go nowhere here, for every subject alike.
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    for (let round = 0; round < rounds; round += 1) {
      for (const subject of subjects) {
        let started = performance.now();
        for (let i = 0; i < motoCalls; i += 1) await subject.moto(connectEvent(i));
        subject.motoMs.push((performance.now() - started) / motoCalls);
        started = performance.now();
        for (let i = 0; i < stubCalls; i += 1) await subject.stub(connectEvent(i));
        subject.stubUs.push(((performance.now() - started) * 1000) / stubCalls);
      }
    }
  } finally {
    process.stdout.write = write;
    stub.closeAllConnections();
    stub.close();
  }
  return subjects.map((subject) => ({
    label: subject.label,
    motoMs: summarise(subject.motoMs),
    stubUs: summarise(subject.stubUs),
  }));
}

async function handshakes(registry: LocalRegistry, count: number): Promise<RegistryBenchResult["handshake"]> {
  const connectMs: number[] = [];
  const stack = await startLocalStack({
    config: { ...DEFAULT_GATEWAY_CONFIG, port: 0 },
    dynamodbEndpoint: registry.endpoint,
    onLog: () => undefined,
    onInvocation: (invocation) => {
      if (invocation.functionName === "connect") connectMs.push(invocation.durationMs);
    },
  });
  const times: number[] = [];
  try {
    const url = `${stack.gateway.url}?${stack.tokenQueryParam}=${encodeURIComponent(stack.issuer.mint({ username: "bench" }))}`;
    for (let i = 0; i < count + 10; i += 1) {
      const started = performance.now();
      const ws = new WebSocket(url);
      await new Promise<void>((resolve, reject) => {
        ws.once("open", () => resolve());
        ws.once("error", reject);
      });
      if (i >= 10) times.push(performance.now() - started);
      ws.close();
      await new Promise((resolve) => ws.once("close", resolve));
    }
  } finally {
    await stack.close();
  }
  const measured = connectMs.slice(10);
  return {
    count,
    p50Ms: quantile(times, 0.5),
    p99Ms: quantile(times, 0.99),
    connectP50Ms: quantile(measured, 0.5),
    connectP99Ms: quantile(measured, 0.99),
  };
}

export async function measureRegistry(
  quick: boolean,
  progress: (name: string) => void = () => undefined,
): Promise<RegistryBenchResult> {
  const registry = await startLocalRegistry({ endpoint: process.env.DYNAMODB_ENDPOINT || undefined });
  const registryEnv = { CONNECTIONS_TABLE: registry.tableName, DYNAMODB_ENDPOINT: registry.endpoint };
  Object.assign(process.env, PLATFORM_ENV, registryEnv);
  const issuer = new LocalIssuer();
  await issuer.listen();
  try {
    progress("registry: connect cold start, ours vs SDK");
    const status200 = (value: unknown): boolean => (value as { statusCode?: number }).statusCode === 200;
    const cold = await measureColdStarts(
      [
        { label: "bare `node -e 0`" },
        ...CLIENTS.map(([label, name]) => ({
          label: `connect, ${label}`,
          module: unpack(zipPath(name)),
          event: connectEvent(0),
          check: status200,
        })),
      ],
      quick ? 8 : 30,
      { PATH: process.env.PATH ?? "/usr/bin:/bin", ...PLATFORM_ENV, ...registryEnv },
      issuer,
    );
    progress("registry: connect warm, against moto and a stub");
    const warmResults = await warm(registry, quick);
    progress("registry: $connect through the local gateway with the registry write");
    const handshake = await handshakes(registry, quick ? 100 : 300);
    return { cold, warm: warmResults, handshake };
  } finally {
    removeTaskRoots();
    await issuer.close();
    await registry.close();
  }
}

export function renderRegistryMarkdown(result: RegistryBenchResult): string {
  const lines = [
    "",
    "## Connection registry: DynamoDB client and $connect",
    "",
    "Cold start of `connect` (fresh `node`: import, init, one PutItem to moto, exit), median wall ms:",
    "",
    "| subject | wall ms | init ms | first invoke ms |",
    "| --- | --- | --- | --- |",
    ...result.cold.map(
      (row) =>
        `| ${row.label} | ${fmt(row.wallMs.median)} | ${row.initMs ? fmt(row.initMs.median) : ""} | ${row.firstInvokeMs ? fmt(row.firstInvokeMs.median) : ""} |`,
    ),
    "",
    "Warm `connect` per call, in process (median over rounds):",
    "",
    "| client | against moto, ms | against a loopback stub (client cost), µs |",
    "| --- | --- | --- |",
    ...result.warm.map((row) => `| ${row.label} | ${fmt(row.motoMs.median)} | ${fmt(row.stubUs.median)} |`),
    "",
    `$connect through the local gateway with the registry write to moto, ${result.handshake.count} sequential handshakes: ` +
      `p50 ${fmt(result.handshake.p50Ms)} ms, p99 ${fmt(result.handshake.p99Ms)} ms (the connect function itself: p50 ${fmt(result.handshake.connectP50Ms)} ms, p99 ${fmt(result.handshake.connectP99Ms)} ms).`,
    "",
  ];
  return lines.join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await buildPeers();
  const result = await measureRegistry(process.env.QUICK === "1", (name) => process.stderr.write(`[bench] ${name}\n`));
  process.stdout.write(renderRegistryMarkdown(result));
  process.exit(0);
}
