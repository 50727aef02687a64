// `make bench`: warm cost, cold start, sizes, JWKS behaviour, message reply path and the local gateway, side by
// side with the peers and the physical floor. Writes dist/bench/latest.{md,json}; SAVE=1 writes the committed
// bench/results instead. QUICK=1 for a short run.
import { fork } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { arch, cpus, loadavg, platform, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { LocalIssuer } from "../local/issuer/issuer.ts";
import { makeConnectEvent, makeRouteEvent } from "../local/gateway/sample-events.ts";
import { buildPeers, buildRustSeed } from "./build-peers.ts";
import { type ColdResult, type ColdSubject, measureColdStarts } from "./cold.ts";
import { measureGateway } from "./gateway.ts";
import { measureJwksBehaviour } from "./jwks.ts";
import {
  BENCH_MESSAGE_CONNECTION,
  measureRegistry,
  registerBenchConnection,
  renderRegistryMarkdown,
} from "./registry.ts";
import { startLocalRegistry } from "../local/registry-table.ts";
import { benchOutput } from "./output.ts";
import { authoriserEnv, PLATFORM_ENV, removeTaskRoots, unpack, zipPath } from "./lib/fixtures.ts";
import { renderMarkdown, type BenchReport } from "./report.ts";
import type { MessageWarmResult } from "./message-warm.ts";
import { clientSize, sourceMapOptions, zipSize } from "./sizes.ts";
import type { WarmResult } from "./warm.ts";

const QUICK = process.env.QUICK === "1";
const OUTPUT = (() => {
  try {
    return benchOutput(process.env);
  } catch (err) {
    process.stderr.write(`make bench: ${(err as Error).message}\n`);
    process.exit(2);
  }
})();
const RESULTS = OUTPUT.dir;
const FUNCTIONS = ["authoriser", "connect", "disconnect", "message"];
const PEER_ZIPS = ["authoriser-jose", "authoriser-jsonwebtoken", "message-aws4fetch", "message-sdk", "connect-sdk"];

function section(name: string): void {
  process.stderr.write(`[bench] ${new Date().toISOString().slice(11, 19)} ${name}\n`);
}

/** Run a measuring script in its own process (stdout, where handlers log, discarded); its result comes over IPC. */
function child<T>(script: string, env: Record<string, string>): Promise<T> {
  return new Promise((resolve, reject) => {
    const proc = fork(join(import.meta.dirname, script), [], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    let result: T | undefined;
    proc.on("message", (message: { results: T }) => (result = message.results));
    proc.on("error", reject);
    proc.on("exit", (code) =>
      code === 0 && result !== undefined ? resolve(result) : reject(new Error(`${script} exited ${code}`)),
    );
  });
}

async function coldStarts(rounds: number): Promise<ColdResult[]> {
  const issuer = new LocalIssuer();
  await issuer.listen();
  const management = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json", "content-length": 2 });
      res.end("{}");
    });
  });
  await new Promise<void>((resolve) => management.listen(0, "127.0.0.1", resolve));
  const emptyDir = mkdtempSync(join(tmpdir(), "bench-empty-"));
  writeFileSync(join(emptyDir, "index.mjs"), "export const handler = async () => ({});\n");
  try {
    const token = issuer.mint({ username: "alice", groups: ["admin"] });
    const connectEvent = makeConnectEvent({ query: { auth: token } });
    const allowed = (value: unknown): boolean =>
      (value as { policyDocument?: { Statement?: Array<{ Effect?: string }> } }).policyDocument?.Statement?.[0]
        ?.Effect === "Allow";
    const status200 = (value: unknown): boolean => (value as { statusCode?: number }).statusCode === 200;
    const messageEvent = makeRouteEvent({
      domainName: `127.0.0.1:${(management.address() as AddressInfo).port}`,
      connectionId: BENCH_MESSAGE_CONNECTION,
      body: '{"action":"hi"}',
    });
    const routeEvent = (eventType: "CONNECT" | "DISCONNECT") =>
      makeRouteEvent({ routeKey: `$${eventType.toLowerCase()}`, eventType });
    const seeded = authoriserEnv(issuer, true);
    const subjects: ColdSubject[] = [
      { label: "bare `node -e 0`" },
      { label: "empty ESM handler (loader floor)", module: join(emptyDir, "index.mjs"), sourceMaps: true },
      {
        label: "authoriser, JWKS_JSON (deployed settings)",
        module: unpack(zipPath("authoriser")),
        env: seeded,
        event: connectEvent,
        sourceMaps: true,
        check: allowed,
      },
      {
        label: "authoriser, JWKS fetched at init (loopback)",
        module: unpack(zipPath("authoriser")),
        env: authoriserEnv(issuer, false),
        event: connectEvent,
        sourceMaps: true,
        check: allowed,
      },
      {
        label: "authoriser, JWKS_JSON, source maps off",
        module: unpack(zipPath("authoriser")),
        env: seeded,
        event: connectEvent,
        check: allowed,
      },
      {
        label: "peer: jose, JWKS_JSON",
        module: unpack(zipPath("authoriser-jose")),
        env: seeded,
        event: connectEvent,
        sourceMaps: true,
        check: allowed,
      },
      {
        label: "peer: jsonwebtoken + jwks-rsa, JWKS_JSON",
        module: unpack(zipPath("authoriser-jsonwebtoken")),
        env: seeded,
        event: connectEvent,
        sourceMaps: true,
        check: allowed,
      },
      {
        label: "connect",
        module: unpack(zipPath("connect")),
        event: routeEvent("CONNECT"),
        sourceMaps: true,
        check: status200,
      },
      {
        label: "disconnect",
        module: unpack(zipPath("disconnect")),
        event: routeEvent("DISCONNECT"),
        sourceMaps: true,
        check: status200,
      },
      {
        label: "message (aws4 + node:http), reply posted",
        module: unpack(zipPath("message")),
        event: messageEvent,
        sourceMaps: true,
        check: status200,
      },
      {
        label: "peer: message-aws4fetch, reply posted",
        module: unpack(zipPath("message-aws4fetch")),
        event: messageEvent,
        sourceMaps: true,
        check: status200,
      },
      {
        label: "peer: message-sdk, reply posted",
        module: unpack(zipPath("message-sdk")),
        event: messageEvent,
        sourceMaps: true,
        check: status200,
      },
    ];
    const registryEnv = {
      CONNECTIONS_TABLE: process.env.CONNECTIONS_TABLE ?? "",
      DYNAMODB_ENDPOINT: process.env.DYNAMODB_ENDPOINT ?? "",
    };
    return await measureColdStarts(
      subjects,
      rounds,
      { PATH: process.env.PATH ?? "/usr/bin:/bin", ...PLATFORM_ENV, ...registryEnv },
      issuer,
    );
  } finally {
    removeTaskRoots();
    rmSync(emptyDir, { recursive: true, force: true });
    management.closeAllConnections();
    management.close();
    await issuer.close();
  }
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const started = performance.now();
  const loadAtStart = loadavg();
  const command = `${QUICK ? "QUICK=1 " : ""}${OUTPUT.committed ? "SAVE=1 " : ""}make bench`;

  section("building the peers");
  await buildPeers();
  const rustSeed = buildRustSeed();
  if (rustSeed === undefined) section("cargo not found: the Rust reference row (bench/peers/rust-seed) is skipped");

  // connect, disconnect and message read and write the connection registry: one table in moto for every section.
  section("moto's DynamoDB for the connection registry");
  const registry = await startLocalRegistry();
  Object.assign(process.env, { CONNECTIONS_TABLE: registry.tableName, DYNAMODB_ENDPOINT: registry.endpoint });
  await registerBenchConnection(registry);

  section("sizes");
  const sizes = [...FUNCTIONS, ...PEER_ZIPS].map(zipSize);
  const mapOptions = await sourceMapOptions();
  const client = await clientSize();

  section("warm cost of one authorisation");
  const rustEnv: Record<string, string> = rustSeed === undefined ? {} : { BENCH_RUST_SEED: rustSeed };
  const warm = await child<WarmResult[]>(
    "warm.ts",
    QUICK
      ? { BENCH_CALLS: "1000", BENCH_ROUNDS: "5", ...rustEnv }
      : { BENCH_CALLS: "2000", BENCH_ROUNDS: "20", ...rustEnv },
  );

  section("warm reply path of the message handler");
  const messageWarm = await child<MessageWarmResult[]>(
    "message-warm.ts",
    QUICK ? { BENCH_CALLS: "200", BENCH_ROUNDS: "4" } : { BENCH_CALLS: "500", BENCH_ROUNDS: "10" },
  );

  section("cold starts");
  const cold = await coldStarts(QUICK ? 8 : 40);

  section("JWKS behaviour");
  const issuer = new LocalIssuer();
  // Ten concurrent invocations: ten containers (child processes), as Lambda would start.
  const jwks = await measureJwksBehaviour(issuer, 10);

  section("local gateway");
  const gateway = await measureGateway(
    QUICK
      ? { handshakes: 100, messages: 100, openCounts: [1, 100, 1000] }
      : { handshakes: 500, messages: 400, openCounts: [1, 100, 1000] },
  );

  const registryResult = await measureRegistry(QUICK, (name) => section(name));
  await registry.close();

  const report: BenchReport = {
    command,
    date: startedAt.toISOString(),
    durationS: (performance.now() - started) / 1000,
    machine: {
      cpu: cpus()[0]?.model ?? "unknown",
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      os: `${platform()} ${release()} ${arch()}`,
      loadAverageAtStart: loadAtStart.map((value) => Number(value.toFixed(2))),
    },
    node: process.version,
    warm,
    messageWarm,
    cold,
    sizes,
    mapOptions,
    client,
    jwks,
    gateway,
  };
  const registrySection = renderRegistryMarkdown(registryResult);
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, "latest.json"), `${JSON.stringify({ ...report, registry: registryResult }, null, 1)}\n`);
  const markdown = renderMarkdown(report) + registrySection;
  writeFileSync(join(RESULTS, "latest.md"), markdown);
  if (OUTPUT.committed && process.env.BENCH_README === "1") {
    const readme = join(import.meta.dirname, "README.md");
    const text = readFileSync(readme, "utf8");
    const begin = "<!-- bench:latest:begin -->";
    const end = "<!-- bench:latest:end -->";
    writeFileSync(
      readme,
      `${text.slice(0, text.indexOf(begin) + begin.length)}\n${markdown}${text.slice(text.indexOf(end))}`,
    );
  }
  process.stdout.write(markdown);
  const where = OUTPUT.committed
    ? "bench/results/latest.md"
    : "dist/bench/latest.md (SAVE=1 writes the committed bench/results)";
  section(`done in ${report.durationS.toFixed(0)} s: ${where}`);
}

await main();
