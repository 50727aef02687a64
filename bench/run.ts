// `make bench`: warm cost, cold start, sizes, JWKS behaviour, message reply path and the local gateway, side by
// side with the peers and the physical floor. Writes dist/bench/latest.{md,json}; SAVE=1 writes the committed
// bench/results instead. QUICK=1 for a short run.
import { fork } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { arch, cpus, loadavg, platform, release, tmpdir, totalmem } from "node:os";
import { basename, join } from "node:path";
import { LocalIssuer } from "../local/issuer/issuer.ts";
import { makeConnectEvent, makeRouteEvent } from "../local/gateway/sample-events.ts";
import { buildPeers, buildRustSeed } from "./build-peers.ts";
import { type ColdRun, type ColdSubject, measureColdRun } from "./cold.ts";
import { startAwsStub } from "./lib/aws-stub.ts";
import { type InitProfile, profileInit, renderInitProfile } from "./init-profile.ts";
import { readDeployedEnvironment } from "./lib/deployed-env.ts";
import { measureGateway } from "./gateway.ts";
import { measureRevoke } from "./revoke.ts";
import { measureJwksBehaviour } from "./jwks.ts";
import {
  BENCH_MESSAGE_CONNECTION,
  measureRegistry,
  registerBenchConnection,
  renderRegistryMarkdown,
} from "./registry.ts";
import { startLocalRegistry } from "../local/registry-table.ts";
import { benchOutput } from "./output.ts";
import { authoriserEnv, PLATFORM_ENV, ROOT, removeTaskRoots, unpack, zipPath } from "./lib/fixtures.ts";
import { renderColdMarkdown, renderMarkdown, type BenchReport } from "./report.ts";
import { fmtSpread } from "./lib/stats.ts";
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

/**
 * Built checkouts of other commits (BENCH_BASELINE=<dir>[,<dir>...], each with its dist/ and terraform/): their
 * functions run in the same rounds, as `<folder name>:` rows, under the environment their own Terraform deploys.
 */
const BASELINE = process.env.BENCH_BASELINE;

async function coldStarts(rounds: number): Promise<ColdRun & { profile: InitProfile; connectProfile: InitProfile }> {
  const issuer = new LocalIssuer();
  await issuer.listen();
  const token = issuer.mint({ username: "alice", groups: ["admin"] });
  // Every AWS call of a first invocation answered at once on loopback: DynamoDB and the Management API.
  const stub = await startAwsStub(issuer.subFor("alice"));
  const emptyDir = mkdtempSync(join(tmpdir(), "bench-empty-"));
  writeFileSync(join(emptyDir, "index.mjs"), "export const handler = async () => ({});\n");
  try {
    const connectEvent = makeConnectEvent({ query: { auth: token } });
    const allowed = (value: unknown): boolean =>
      (value as { policyDocument?: { Statement?: Array<{ Effect?: string }> } }).policyDocument?.Statement?.[0]
        ?.Effect === "Allow";
    const status200 = (value: unknown): boolean => (value as { statusCode?: number }).statusCode === 200;
    const domainName = stub.endpoint.replace(/^http:\/\//, "");
    const sub = issuer.subFor("alice");
    const messageEvent = makeRouteEvent({
      domainName,
      connectionId: BENCH_MESSAGE_CONNECTION,
      body: '{"action":"hi"}',
      authorizer: {
        principalId: sub,
        sub,
        username: "alice",
        groups: '["admin"]',
        exp: Math.floor(Date.now() / 1000) + 600,
      },
    });
    const refreshEvent = makeRouteEvent({
      domainName,
      routeKey: "refresh",
      connectionId: BENCH_MESSAGE_CONNECTION,
      body: JSON.stringify({ action: "refresh", token }),
    });
    const routeEvent = (eventType: "CONNECT" | "DISCONNECT") =>
      makeRouteEvent({ routeKey: `$${eventType.toLowerCase()}`, eventType });
    // What only a deployment knows; every other variable, and NODE_OPTIONS, comes from the Terraform.
    const fixture = (seed: boolean) => ({
      ...authoriserEnv(issuer, seed),
      CONNECTIONS_TABLE: "bench-connections",
    });
    const functionSubjects = async (root: string, prefix: string): Promise<ColdSubject[]> => {
      const group = prefix;
      const deployed = await readDeployedEnvironment(join(root, "terraform"));
      const zip = (name: string) => unpack(join(root, "dist", `${name}.zip`));
      // DYNAMODB_ENDPOINT is local only (Terraform never sets it): the stub stands in for DynamoDB.
      const env = (name: string, seed = true) => ({
        ...deployed.forFunction(name, fixture(seed)),
        DYNAMODB_ENDPOINT: stub.endpoint,
      });
      return [
        {
          label: `${prefix}empty ESM handler (loader floor)`,
          module: join(emptyDir, "index.mjs"),
          env: deployed.moduleEnv,
        },
        {
          label: `${prefix}authoriser, JWKS_JSON (deployed settings)`,
          module: zip("authoriser"),
          env: env("authoriser"),
          event: connectEvent,
          check: allowed,
        },
        ...(prefix === ""
          ? [
              {
                label: "authoriser, JWKS fetched at init (loopback)",
                module: zip("authoriser"),
                env: env("authoriser", false),
                event: connectEvent,
                check: allowed,
              },
              {
                label: "peer: jose, JWKS_JSON",
                module: unpack(zipPath("authoriser-jose")),
                env: env("authoriser"),
                event: connectEvent,
                check: allowed,
              },
              {
                label: "peer: jsonwebtoken + jwks-rsa, JWKS_JSON",
                module: unpack(zipPath("authoriser-jsonwebtoken")),
                env: env("authoriser"),
                event: connectEvent,
                check: allowed,
              },
            ]
          : []),
        {
          label: `${prefix}connect`,
          module: zip("connect"),
          env: env("connect"),
          event: routeEvent("CONNECT"),
          check: status200,
        },
        {
          label: `${prefix}disconnect`,
          module: zip("disconnect"),
          env: env("disconnect"),
          event: routeEvent("DISCONNECT"),
          check: status200,
        },
        {
          label: `${prefix}message (SigV4), reply posted`,
          module: zip("message"),
          env: env("message"),
          event: messageEvent,
          check: status200,
        },
        ...(prefix === ""
          ? [
              {
                label: "peer: message-aws4fetch, reply posted",
                module: unpack(zipPath("message-aws4fetch")),
                env: env("message"),
                event: messageEvent,
                check: status200,
              },
              {
                label: "peer: message-sdk, reply posted",
                module: unpack(zipPath("message-sdk")),
                env: env("message"),
                event: messageEvent,
                check: status200,
              },
              {
                label: "part: the registry client alone (init + one GetItem)",
                module: unpack(zipPath("registry-client")),
                env: env("connect"),
                event: messageEvent,
                check: status200,
              },
            ]
          : []),
        {
          label: `${prefix}refresh`,
          module: zip("refresh"),
          env: env("refresh"),
          event: refreshEvent,
          check: status200,
        },
        { label: `${prefix}sweeper (init only)`, module: zip("sweeper"), env: env("sweeper"), invoke: false },
        // A baseline built before issue 18 has no revoke zip. Its first call is one Query (none found) and the audit line.
        ...(existsSync(join(root, "dist", "revoke.zip"))
          ? [
              {
                label: `${prefix}revoke`,
                module: zip("revoke"),
                env: env("revoke"),
                event: { sub: "bench-user" },
                check: (value: unknown) => (value as { closed?: unknown }).closed === 0,
              },
            ]
          : []),
      ].map((subject): ColdSubject => ({ ...subject, group }));
    };
    // A baseline's row is run only where its zip or its environment differs from ours (else ours stands for it).
    const ours = await functionSubjects(ROOT, "");
    const differsFromOurs = (subject: ColdSubject): boolean => {
      const name = subject.label.replace(/^[^:]*: /, "");
      const mine = ours.find((candidate) => candidate.label === name);
      if (mine === undefined) return true;
      const code = (one: ColdSubject) => readFileSync(one.module as string);
      return !code(subject).equals(code(mine)) || JSON.stringify(subject.env) !== JSON.stringify(mine.env);
    };
    const subjects: ColdSubject[] = [
      { label: "bare `node -e 0`" },
      ...ours,
      ...(
        await Promise.all(
          (BASELINE ?? "")
            .split(",")
            .filter((dir) => dir !== "")
            .map(async (dir) => (await functionSubjects(dir, `${basename(dir)}: `)).filter(differsFromOurs)),
        )
      ).flat(),
    ];
    const baseEnv = { PATH: process.env.PATH ?? "/usr/bin:/bin", ...PLATFORM_ENV };
    const run = await measureColdRun(subjects, rounds, baseEnv, issuer);
    section("the authoriser's init step by step (CPU profile)");
    const authoriser = ours.find((subject) => subject.label.startsWith("authoriser, JWKS_JSON")) as ColdSubject;
    const profile = await profileInit(authoriser, join(ROOT, "dist", "authoriser", "index.mjs.map"), baseEnv, rounds);
    // connect too: its first call (the first signed request) is where its cold start goes.
    const connect = ours.find((subject) => subject.label === "connect") as ColdSubject;
    const connectProfile = await profileInit(connect, join(ROOT, "dist", "connect", "index.mjs.map"), baseEnv, rounds);
    return { ...run, profile, connectProfile };
  } finally {
    removeTaskRoots();
    rmSync(emptyDir, { recursive: true, force: true });
    await stub.close();
    await issuer.close();
  }
}

/** RESULTS/authoriser-init.md: the authoriser's init step by step. */
function writeInitProfile(
  { profile, connectProfile }: { profile: InitProfile; connectProfile: InitProfile },
  command: string,
  startedAt: Date,
): void {
  mkdirSync(RESULTS, { recursive: true });
  const load = loadavg()
    .map((value) => value.toFixed(2))
    .join(" / ");
  const heading =
    `### The authoriser's cold start, step by step\n\n\`${command}\` on ${startedAt.toISOString().slice(0, 16).replace("T", " ")} UTC, ` +
    `Node ${process.version}, load average ${load}; deployed settings (JWKS_JSON), the runtime-like host of the cold-start table.`;
  writeFileSync(
    join(RESULTS, "authoriser-init.md"),
    `${renderInitProfile(profile, heading)}\n${renderInitProfile(connectProfile, "### For comparison: connect, init + first call (one PutItem to the stub)")}`,
  );
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const started = performance.now();
  const loadAtStart = loadavg();
  const command =
    `${QUICK ? "QUICK=1 " : ""}${OUTPUT.committed ? "SAVE=1 " : ""}` +
    `${process.env.BENCH_ONLY ? `BENCH_ONLY=${process.env.BENCH_ONLY} ` : ""}${BASELINE ? "BENCH_BASELINE=<built checkout> " : ""}make bench`;

  section("building the peers");
  await buildPeers();
  if (process.env.BENCH_ONLY === "cold") {
    // The cold-start section alone (and the authoriser's init step by step): for A/B work on init.
    section("cold starts only (BENCH_ONLY=cold)");
    const coldRun = await coldStarts(QUICK ? 8 : 40);
    const markdown = renderColdMarkdown(coldRun.results, coldRun.loadAverage, loadAtStart, loadavg());
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(
      join(RESULTS, "cold.json"),
      `${JSON.stringify({ command, date: startedAt.toISOString(), ...coldRun }, null, 1)}\n`,
    );
    writeFileSync(join(RESULTS, "cold.md"), markdown);
    writeInitProfile(coldRun, command, startedAt);
    process.stdout.write(markdown);
    return;
  }
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
  const coldRun = await coldStarts(QUICK ? 8 : 40);
  section(`cold starts: load average ${fmtSpread(coldRun.loadAverage)} over the rounds`);
  writeInitProfile(coldRun, command, startedAt);

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

  section("revocation: closing one user's connections on the local stack");
  const revoke = await measureRevoke(QUICK ? { connections: 100, others: 20 } : { connections: 1000, others: 100 });

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
      loadAverageAtEnd: loadavg().map((value) => Number(value.toFixed(2))),
    },
    node: process.version,
    warm,
    messageWarm,
    cold: coldRun.results,
    coldLoadAverage: coldRun.loadAverage,
    sizes,
    mapOptions,
    client,
    jwks,
    gateway,
    revoke,
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
