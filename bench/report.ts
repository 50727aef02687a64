// The Markdown view of one bench run: the tables bench/README.md quotes.
import type { ColdResult } from "./cold.ts";
import type { GatewayResult } from "./gateway.ts";
import type { RevokeBenchResult } from "./revoke.ts";
import type { JwksRow } from "./jwks.ts";
import { fmt, fmtSpread, summarise, type Summary } from "./lib/stats.ts";
import type { MessageWarmResult } from "./message-warm.ts";
import type { ClientSize, MapOption, ZipSize } from "./sizes.ts";
import type { WarmResult } from "./warm.ts";

export interface BenchReport {
  readonly command: string;
  readonly date: string;
  readonly durationS: number;
  readonly machine: {
    cpu: string;
    cores: number;
    memoryGiB: number;
    os: string;
    loadAverageAtStart: number[];
    loadAverageAtEnd: number[];
  };
  readonly node: string;
  readonly warm: readonly WarmResult[];
  readonly messageWarm: readonly MessageWarmResult[];
  readonly cold: readonly ColdResult[];
  /** 1-minute load average over the cold-start rounds. */
  readonly coldLoadAverage: Summary;
  readonly sizes: readonly ZipSize[];
  readonly mapOptions: readonly MapOption[];
  /** Absent in reports from before the client library. */
  readonly client?: ClientSize;
  readonly jwks: readonly JwksRow[];
  readonly gateway: GatewayResult;
  /** Absent in reports from before issue 18. */
  readonly revoke?: RevokeBenchResult;
}

/** 12 KB as issue 16 means it (issue 10's was 10 KB, with the map inside the zip). */
export const AUTHORISER_ZIP_TARGET = 12 * 1024;
/** Issue 16: init + first call over the empty ESM handler, in-process, deployed settings. */
export const AUTHORISER_COLD_TARGET_MS = 8;
export const HANDLER_COLD_TARGET_MS = 10;
export const WARM_TARGET_RATIO = 1.35;
/** Issue 19's budget for the client library, minified and gzipped. */
export const CLIENT_GZIP_BUDGET = 3 * 1024;

function table(head: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return `${[line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n")}\n`;
}

const bytes = (value: number): string => value.toLocaleString("en");

function findCold(cold: readonly ColdResult[], label: string): ColdResult {
  const row = cold.find((entry) => entry.label.startsWith(label));
  if (!row) throw new Error(`no cold-start row ${label}`);
  return row;
}

function coldRow(report: BenchReport, label: string): ColdResult {
  return findCold(report.cold, label);
}

/** The empty ESM handler of the row's own build and settings (a baseline's rows have their own). */
function floorOf(cold: readonly ColdResult[], row: ColdResult): ColdResult {
  const floor =
    cold.find((entry) => entry.group === row.group && entry.label.includes("empty ESM")) ??
    cold.find((entry) => entry.group === "" && entry.label.includes("empty ESM"));
  if (!floor) throw new Error(`no empty ESM handler row for ${row.label}`);
  return floor;
}

/** Round-by-round difference to the empty handler of the same round: in-process init + first call, and wall. */
export function pairedDelta(cold: readonly ColdResult[], row: ColdResult, clock: "cold" | "wall" | "cpu"): Summary {
  const floor = floorOf(cold, row).raw[clock];
  return summarise(row.raw[clock].map((value, index) => value - (floor[index] ?? Number.NaN)));
}

const mark = (ok: boolean): string => (ok ? "met" : "**missed**");
// Each figure against its target, and by how much a missed one misses.
const against = (value: number, target: number, unit: string): string =>
  value <= target
    ? `met (${fmt(target - value)}${unit} to spare)`
    : `**missed by ${fmt(value - target)}${unit}** (${fmt(((value - target) / target) * 100)} %)`;

/** The cold-start targets of issue 16: in-process init + first call over the empty handler, paired by round. */
export function coldTargets(cold: readonly ColdResult[]): string[][] {
  const delta = (label: string) => {
    const row = findCold(cold, label);
    return {
      cold: pairedDelta(cold, row, "cold").median,
      wall: pairedDelta(cold, row, "wall").median,
      cpu: pairedDelta(cold, row, "cpu").median,
    };
  };
  const shown = (d: { cold: number; wall: number; cpu: number }, what = "init + first call") =>
    `+${fmt(d.cold)} ms ${what} in process (wall +${fmt(d.wall)} ms; CPU time +${fmt(d.cpu)} ms)`;
  // Elapsed in the process is the target; CPU time says what it would be with a core to itself (a loaded machine).
  const both = (d: { cold: number; cpu: number }, target: number, cpuTarget = target) =>
    `elapsed: ${against(d.cold, target, " ms")}; CPU time: ${against(d.cpu, cpuTarget, " ms")}`;
  const authoriser = delta("authoriser, JWKS_JSON (deployed");
  const client = delta("part: the registry client");
  const refresh = delta("refresh");
  const refreshTarget = AUTHORISER_COLD_TARGET_MS + client.cold;
  return [
    [
      `authoriser init + first call ≤ +${AUTHORISER_COLD_TARGET_MS} ms over the empty ESM handler (deployed settings, JWKS_JSON)`,
      shown(authoriser),
      both(authoriser, AUTHORISER_COLD_TARGET_MS),
    ],
    ...["connect", "disconnect", "message (SigV4", "sweeper", "revoke"].map((label) => {
      const d = delta(label);
      const what = label === "sweeper" ? "init only" : "init + first call";
      return [
        `${label.replace(" (SigV4", "")} ${what} ≤ +${HANDLER_COLD_TARGET_MS} ms over the empty ESM handler`,
        shown(d, what),
        both(d, HANDLER_COLD_TARGET_MS),
      ];
    }),
    [
      `refresh init + first call ≤ authoriser's ${AUTHORISER_COLD_TARGET_MS} ms + the registry client's cost (+${fmt(client.cold)} ms measured; CPU time +${fmt(client.cpu)}) = ${fmt(refreshTarget)} ms (CPU time ${fmt(client.cpu + AUTHORISER_COLD_TARGET_MS)} ms)`,
      shown(refresh),
      both(refresh, refreshTarget, client.cpu + AUTHORISER_COLD_TARGET_MS),
    ],
  ];
}

function targets(report: BenchReport): string[][] {
  const ours = report.warm.find((row) => row.label.startsWith("authoriser"));
  const zip = report.sizes.find((row) => row.name === "authoriser")?.zipBytes ?? Number.NaN;
  const jwksOk = report.jwks.every((row) => row.fetches === row.expected);
  const [message, aws4fetch, sdk] = ["message", "message-aws4fetch", "message-sdk"].map((name) =>
    report.sizes.find((row) => row.name === name),
  );
  const rust = report.warm.find((row) => row.label.startsWith("reference: Rust"));
  return [
    [
      `authoriser warm cost, with its log line, ≤ ${WARM_TARGET_RATIO}× crypto.verify floor`,
      `${fmt(ours?.ratioToFloor ?? Number.NaN)}×`,
      against(ours?.ratioToFloor ?? Infinity, WARM_TARGET_RATIO, "×"),
    ],
    [
      "reference: the seed's Rust verify (jsonwebtoken crate), for scale",
      rust ? `${fmt(rust.ratioToFloor)}×` : "not run (no cargo on this machine)",
      rust ? `ours is ${fmt((ours?.ratioToFloor ?? Number.NaN) / rust.ratioToFloor)}× the Rust row` : "",
    ],
    [
      "no per-call key parsing",
      `${fmt(ours?.keyParsesPer1000 ?? Number.NaN)} key parses per 1,000 calls`,
      mark(ours?.keyParsesPer1000 === 0),
    ],
    [
      `authoriser zip < 12 KB (${bytes(AUTHORISER_ZIP_TARGET)} bytes), with whatever map ships`,
      `${bytes(zip)} bytes`,
      against(zip, AUTHORISER_ZIP_TARGET, " bytes"),
    ],
    ...coldTargets(report.cold),
    [
      "JWKS fetches: 1 per container at init (0 with JWKS_JSON), 0 when warm, 1 per container for a new kid",
      jwksOk ? "as expected in every scenario" : "unexpected count, see JWKS table",
      mark(jwksOk),
    ],
    [
      "message zip as small as the reply path allows",
      `${bytes(message?.zipBytes ?? 0)} bytes with our SigV4 (aws4fetch ${bytes(aws4fetch?.zipBytes ?? 0)}, SDK ${bytes(sdk?.zipBytes ?? 0)}); ` +
        `cold +${fmt(pairedDelta(report.cold, coldRow(report, "message (SigV4"), "wall").median)} ms wall over the empty handler`,
      mark((message?.zipBytes ?? Infinity) < (sdk?.zipBytes ?? 0)),
    ],
  ];
}

/** The cold-start table (and its targets when `withTargets`), with the load average over its rounds. */
export function renderColdTable(cold: readonly ColdResult[], load: Summary): string {
  const bare = findCold(cold, "bare").wallMs.median;
  const out: string[] = [];
  out.push(
    `Runtime-like host: \`node\` runs a host file that has loaded \`node:http\`, then imports the unpacked zip (init) and ` +
      `invokes the handler once (sweeper: init only), stdout a pipe; NODE_OPTIONS and the environment as the Terraform ` +
      `sets them; every AWS call answered at once by a loopback stub. Subjects interleaved, ${cold[0]?.wallMs.n ?? 0} rounds; ` +
      `load average over the rounds ${fmtSpread(load)}. "+ vs empty" is the median of round-by-round differences; ` +
      `CPU time (user + system, process.cpuUsage) leaves out the waiting for a core that a loaded machine adds.\n`,
  );
  out.push(
    table(
      [
        "subject",
        "wall ms, median (p25–p75)",
        "+ms vs `node -e 0`",
        "+ms vs empty ESM handler",
        "init ms",
        "first call ms",
        "init + first call, in process: + ms vs empty ESM handler (p25–p75)",
        "CPU time of init + first call: + ms vs empty (p25–p75)",
        "JWKS fetches",
      ],
      cold.map((row) => [
        row.label,
        fmtSpread(row.wallMs),
        row.label.startsWith("bare") ? "" : fmt(row.wallMs.median - bare),
        row.initMs ? fmt(pairedDelta(cold, row, "wall").median) : "",
        row.initMs ? fmt(row.initMs.median) : "",
        row.firstInvokeMs && row.invoked ? fmt(row.firstInvokeMs.median) : "",
        row.initMs ? fmtSpread(pairedDelta(cold, row, "cold")) : "",
        row.initMs && row.raw.cpu !== undefined ? fmtSpread(pairedDelta(cold, row, "cpu")) : "",
        row.jwksFetches.min === row.jwksFetches.max
          ? String(row.jwksFetches.min)
          : `${row.jwksFetches.min}–${row.jwksFetches.max}`,
      ]),
    ),
  );
  return out.join("\n");
}

/** BENCH_ONLY=cold: the cold-start targets and table alone. */
export function renderColdMarkdown(
  cold: readonly ColdResult[],
  load: Summary,
  loadAtStart: readonly number[],
  loadAtEnd: readonly number[],
): string {
  const two = (values: readonly number[]) => values.map((value) => value.toFixed(2)).join(" / ");
  return [
    `### Cold starts (BENCH_ONLY=cold)\n`,
    `Load average at start ${two(loadAtStart)}, at end ${two(loadAtEnd)}.\n`,
    table(["target", "result", ""], coldTargets(cold)),
    renderColdTable(cold, load),
  ].join("\n");
}

export function renderMarkdown(report: BenchReport): string {
  const out: string[] = [];
  out.push(`### Bench results\n`);
  out.push(
    `\`${report.command}\` on ${report.date.slice(0, 16).replace("T", " ")} UTC, Node ${report.node}, ${report.machine.cpu} ` +
      `(${report.machine.cores} cores, ${report.machine.memoryGiB} GiB, ${report.machine.os}), load average at start ` +
      `${report.machine.loadAverageAtStart.join(" / ")}, at end ${report.machine.loadAverageAtEnd.join(" / ")}; took ${fmt(report.durationS)} s. Ratios are taken round by round, ` +
      `so they hold on a busy machine better than the absolute numbers do.\n`,
  );

  out.push(`#### Targets\n`);
  out.push(table(["target", "result", ""], targets(report)));

  out.push(`#### Warm cost of one authorisation (valid token, keys cached, one log line per call)\n`);
  out.push(
    table(
      ["subject", "µs per call, median (p25–p75)", "× floor", "× floor, CPU time", "key parses per 1,000 calls"],
      report.warm.map((row) => [
        row.label,
        fmtSpread(row.perCallUs),
        fmt(row.ratioToFloor),
        fmt(row.cpuRatioToFloor),
        fmt(row.keyParsesPer1000),
      ]),
    ),
  );

  out.push(`#### Cold start: init + first invocation as Lambda starts a function\n`);
  out.push(renderColdTable(report.cold, report.coldLoadAverage));

  out.push(`#### Zips\n`);
  out.push(
    table(
      ["zip", "zip bytes", "index.mjs", "index.mjs.map (dist/, not in the zip)", "largest inputs (bytes of index.mjs)"],
      report.sizes.map((row) => [
        row.name,
        bytes(row.zipBytes),
        bytes(row.codeBytes),
        bytes(row.mapBytes),
        row.contents
          .slice(0, 4)
          .map(({ input, bytes: size }) => `${input} ${bytes(size)}`)
          .join(", "),
      ]),
    ),
  );
  out.push(`Authoriser source map options:\n`);
  out.push(
    table(
      ["option", "zip bytes", "stack traces show", "cost"],
      report.mapOptions.map((row) => [row.option, bytes(row.zipBytes), row.stackTrace, row.cost]),
    ),
  );

  if (report.client !== undefined) {
    out.push(`#### Client library (client/, dist/client/wsauth-client.js)\n`);
    out.push(
      table(
        ["file", "minified bytes", "gzip -9 bytes", "budget (gzip)"],
        [
          [
            "wsauth-client.js",
            bytes(report.client.minifiedBytes),
            bytes(report.client.gzipBytes),
            `${bytes(CLIENT_GZIP_BUDGET)} (${report.client.gzipBytes <= CLIENT_GZIP_BUDGET ? "within" : "OVER"})`,
          ],
        ],
      ),
    );
  }

  out.push(
    `#### JWKS fetches (built authoriser in Lambda-like containers, one invocation at a time each; the JWKS endpoint answers after 200 ms)\n`,
  );
  out.push(
    table(
      ["scenario", "fetches", "expected", "allowed"],
      report.jwks.map((row) => [row.scenario, String(row.fetches), String(row.expected), row.allowed]),
    ),
  );

  out.push(`#### Message reply path (PostToConnection to a Management API on loopback)\n`);
  const messageZips = ["message", "message-aws4fetch", "message-sdk"];
  const messageCold = [
    coldRow(report, "message (SigV4"),
    coldRow(report, "peer: message-aws4fetch"),
    coldRow(report, "peer: message-sdk"),
  ];
  out.push(
    table(
      [
        "client",
        "zip bytes",
        "cold: wall ms",
        "cold: init ms",
        "cold: first reply ms",
        "warm µs per reply, median (p25–p75)",
        "warm × shipped",
      ],
      report.messageWarm.map((row, index) => {
        const cold = messageCold[index] as ColdResult;
        const size = report.sizes.find((entry) => entry.name === messageZips[index]);
        return [
          row.label,
          bytes(size?.zipBytes ?? 0),
          fmt(cold.wallMs.median),
          fmt(cold.initMs?.median ?? Number.NaN),
          fmt(cold.firstInvokeMs?.median ?? Number.NaN),
          fmtSpread(row.perCallUs),
          fmt(row.ratioToShipped),
        ];
      }),
    ),
  );

  const { handshakes, roundTrips } = report.gateway;
  out.push(
    `#### Local gateway (\`make dev\` stack: a container per concurrent invocation, at most ${report.gateway.concurrencyCap} per function, all on this machine)\n`,
  );
  out.push(
    `$connect handshakes (authoriser + connect): ${fmt(handshakes.perSecond)} per second with ${handshakes.concurrency} in flight ` +
      `(${handshakes.count} handshakes; p50 ${fmt(handshakes.p50Ms)} ms, p99 ${fmt(handshakes.p99Ms)} ms).\n`,
  );
  out.push(
    table(
      [
        "open connections",
        "round trip p50 ms",
        "p99 ms",
        "burst (each connection sends one at once) p50 ms",
        "burst p99 ms",
        "burst throttled",
      ],
      roundTrips.map((row) => [
        String(row.open),
        fmt(row.p50Ms),
        fmt(row.p99Ms),
        fmt(row.burstP50Ms),
        fmt(row.burstP99Ms),
        String(row.burstThrottled),
      ]),
    ),
  );
  out.push(
    `Round trip: client sends, gateway invokes the message function, which posts the reply through the Management API.\n`,
  );
  if (report.revoke !== undefined) {
    const r = report.revoke;
    out.push(
      `Revocation (the revoke zip, direct path): ${r.closed} of one user's ${r.connections} connections closed, each told \`revoked\` first, ` +
        `among ${r.others} of another user, in ${fmt(r.allClosedMs)} ms to the last close ` +
        `(${r.invocations} invocation${r.invocations === 1 ? "" : "s"}, ${fmt(r.invokeMs)} ms in the function).\n`,
    );
  }
  return out.join("\n");
}
