// Where the warm authorisation's time goes beyond the crypto.verify floor: each step of the authoriser's warm path
// timed alone, from the source modules, rounds interleaved with the floor and the whole path, so that each row is a
// same-round ratio. Writes a markdown table on stdout; the log lines of the whole-path rows
// go to a pipe drained by a child, as Lambda's stdout is a pipe to its runtime.
import { execFileSync, spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { getHeapSpaceStatistics } from "node:v8";
import { join } from "node:path";
import { verify } from "node:crypto";
import { validateJwtFields } from "aws-jwt-verify/jwt";
import { log, logSink, isoTimestamp, createStdoutWriter } from "../functions/shared/log.ts";
import { authorise } from "../functions/authoriser/authorise.ts";
import type { Claims } from "../functions/authoriser/claims.ts";
import { checkCognitoClaims } from "../functions/authoriser/cognito-claims.ts";
import { parseConfig } from "../functions/authoriser/config.ts";
import { decodeToken } from "../functions/authoriser/decode.ts";
import { extractToken } from "../functions/authoriser/extract-token.ts";
import { checkHeader } from "../functions/authoriser/header.ts";
import { identityOf } from "../functions/authoriser/identity.ts";
import { BoundedFetcher, RefreshingJwksCache } from "../functions/authoriser/jwks.ts";
import { keyFits, signatureVerifies } from "../functions/authoriser/key-fit.ts";
import { buildAllowPolicy, isInRequiredGroups, isMethodArn } from "../functions/authoriser/policy.ts";
import { createTokenVerifier } from "../functions/authoriser/verifier.ts";
import { LocalIssuer } from "../local/issuer/issuer.ts";
import { makeConnectEvent } from "../local/gateway/sample-events.ts";
import { authoriserEnv, PLATFORM_ENV } from "./lib/fixtures.ts";
import { fmt, median } from "./lib/stats.ts";

const calls = Number(process.env.BENCH_CALLS ?? 2000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 40);

const issuer = new LocalIssuer();
await issuer.listen();
const env = { ...process.env, ...PLATFORM_ENV, ...authoriserEnv(issuer, true) };
const config = parseConfig(env);
const keys = new RefreshingJwksCache({ fetcher: new BoundedFetcher(), maxAgeMs: config.jwksCacheSeconds * 1000 });
const verifier = createTokenVerifier(config, keys);
const token = issuer.mint({ username: "alice", groups: ["admin"] });
const event = makeConnectEvent({ query: { auth: token } });
await issuer.close();

// Lambda's stdout is a pipe read by its runtime: a child drains one, and the log lines of the whole-path rows go to it.
const fifoDir = mkdtempSync(join(tmpdir(), "bench-warm-path-"));
const fifo = join(fifoDir, "stdout");
execFileSync("mkfifo", [fifo]);
const drain = spawn("cat", [fifo], { stdio: ["ignore", "ignore", "inherit"] });
const pipeFd = openSync(fifo, "w");
const devNull = openSync("/dev/null", "w");
const line = `${JSON.stringify({
  timestamp: isoTimestamp(),
  level: "INFO",
  message: "connection allowed",
  source: "query",
  sub: "0b5f6a1e-3c2d-4e5f-8a9b-0c1d2e3f4a5b",
  awsRequestId: "8f5b2c1a-9d3e-4f6a-b7c8-1d2e3f4a5b6c",
  connectionId: "Ab1Cd2Ef3Gh=",
  requestId: "Ab1Cd2Ef3GhIjKl=",
})}\n`;

const known = decodeToken(token);
const header = { segment: known.headerSegment, header: known.header };
const { alg, kid } = checkHeader(known.header, config.allowedAlgorithms);
const payload = known.payload as Claims;
const iss = payload.iss as string;
const jwksUri = config.issuers.get(iss) as string;
const key = keys.cachedKey(jwksUri, kid);
if (key === undefined) throw new Error("JWKS_JSON did not seed the key");
const [, payloadB64, signatureB64] = token.split(".") as [string, string, string];
const payloadJson = Buffer.from(payloadB64, "base64url").toString("utf8");
const { machine } = checkCognitoClaims(payload, config);
const identity = identityOf(payload, config, machine);
const fields = {
  source: "query",
  sub: identity.principalId,
  awsRequestId: "8f5b2c1a",
  connectionId: "c",
  requestId: "r",
};
const toPipe = createStdoutWriter(
  (_, data) => writeSync(pipeFd, data),
  () => {
    throw new Error("the pipe refused a line");
  },
);

const toDevNull = (text: string): void => {
  writeSync(devNull, text);
};
/** Where the log lines of the whole-path rows go: undefined, nowhere (the line is still built). */
let sink: ((text: string) => void) | undefined = toPipe;
/** A whole-path call whose log line goes to `target`. */
const decideWritingTo = (target: typeof sink) => (): unknown => {
  sink = target;
  const decided = authorise(event, config, verifier, "8f5b2c1a");
  sink = toPipe;
  return decided;
};

type Step = { label: string; call: () => unknown };
const steps: Step[] = [
  {
    label: "floor: crypto.verify, ready KeyObject",
    call: () => verify("RSA-SHA256", known.signedInput, key.keyObject, known.signature),
  },
  { label: "whole: authorise(), log line to a drained pipe", call: decideWritingTo(toPipe) },
  { label: "whole: authorise(), log line built, not written", call: decideWritingTo(undefined) },
  { label: "whole: authorise(), log line to /dev/null (make bench's stdout)", call: decideWritingTo(toDevNull) },
  { label: "whole: verifier.verify(token), no log line", call: () => verifier.verify(token) },
  { label: "methodArn check (regex)", call: () => isMethodArn(event.methodArn) },
  { label: "extractToken (query)", call: () => extractToken(event, config.tokenQueryParam) },
  { label: "decodeToken (header known): scan, decode, JSON.parse, shape", call: () => decodeToken(token, header) },
  {
    label: "  of which: payload base64url → string",
    call: () => Buffer.from(payloadB64, "base64url").toString("utf8"),
  },
  { label: "  of which: JSON.parse of the payload", call: () => JSON.parse(payloadJson) },
  { label: "  of which: signature base64url → Buffer", call: () => Buffer.from(signatureB64, "base64url") },
  {
    label: "checkHeader (skipped warm: last-header cache)",
    call: () => checkHeader(known.header, config.allowedAlgorithms),
  },
  { label: "issuer lookup + cachedKey", call: () => keys.cachedKey(config.issuers.get(iss) as string, kid) },
  { label: "keyFits", call: () => keyFits(alg, key) },
  {
    label: "signatureVerifies (the floor's work)",
    call: () => signatureVerifies(alg, key, known.signedInput, known.signature),
  },
  { label: "validateJwtFields (exp, nbf)", call: () => validateJwtFields(payload, { issuer: null, audience: null }) },
  { label: "checkCognitoClaims", call: () => checkCognitoClaims(payload, config) },
  { label: "identityOf", call: () => identityOf(payload, config, machine) },
  {
    label: "isInRequiredGroups + buildAllowPolicy (context, size bound)",
    call: () => isInRequiredGroups(identity, config.requiredGroups) && buildAllowPolicy(event.methodArn, identity),
  },
  {
    label: "log(): the line's text (timestamp, JSON), not written",
    call: () => {
      sink = undefined;
      log("INFO", "connection allowed", { ...fields });
      sink = toPipe;
    },
  },
  { label: "log line: write(2) of one line to /dev/null", call: () => writeSync(devNull, line) },
  { label: "log line: write(2) of one line to a drained pipe", call: () => toPipe(line) },
  { label: "one resolved await", call: async () => await undefined },
];

// The whole-path rows log through the sink: to the pipe, unless a row says otherwise.
logSink.write = (text) => sink?.(text);
log("INFO", "warm-path bench: sink check");

/** Bytes of young-generation heap one call allocates (what scavenges then sweep): the median of runs no GC cut. */
async function heapBytesPerCall(call: () => unknown): Promise<number> {
  const newSpace = (): number =>
    getHeapSpaceStatistics().find((space) => space.space_name === "new_space")?.space_used_size ?? 0;
  const samples: number[] = [];
  const batch = 20;
  while (samples.length < 15) {
    const before = newSpace();
    for (let i = 0; i < batch; i += 1) {
      const result = call();
      if (result instanceof Promise) await result;
    }
    const grown = newSpace() - before;
    if (grown >= 0) samples.push(grown / batch);
  }
  return median(samples);
}

const nothing = await heapBytesPerCall(() => undefined);
const allocated: number[] = [];
for (const step of steps) allocated.push((await heapBytesPerCall(step.call)) - nothing);
const perCall = steps.map(() => [] as number[]);
const cpuPerCall = steps.map(() => [] as number[]);
const load: number[] = [];
for (let round = 0; round <= rounds; round += 1) {
  load.push(loadavg()[0] as number);
  // Each round starts one step later, so no step always follows the same one (and pays for its garbage).
  for (let offset = 0; offset < steps.length; offset += 1) {
    const index = (round + offset) % steps.length;
    const step = steps[index] as Step;
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < calls; i += 1) {
      const result = step.call();
      if (result instanceof Promise) await result;
    }
    const elapsed = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    if (round > 0) {
      (perCall[index] as number[]).push((elapsed * 1000) / calls);
      (cpuPerCall[index] as number[]).push((cpu.user + cpu.system) / calls);
    }
  }
}
closeSync(pipeFd);
closeSync(devNull);
await new Promise((resolve) => drain.on("exit", resolve));
rmSync(fifoDir, { recursive: true });
// CPU time (user + system, this process and its GC threads) is what a step costs; elapsed time on a loaded host
// also holds the waits for a core, so its ratios are given beside, for reference only.
const ratios = (samples: number[][], index: number): number =>
  median((samples[index] as number[]).map((value, round) => value / ((samples[0] as number[])[round] as number)));
const rows = steps.map(
  (step, index) =>
    `| ${step.label} | ${fmt(median(cpuPerCall[index] as number[]))} | ${fmt(ratios(cpuPerCall, index))} | ${fmt(ratios(perCall, index))} | ${Math.round(allocated[index] as number)} |`,
);
process.stdout.write(
  [
    `${rounds} rounds of ${calls} calls per step, interleaved; × floor: the median of same-round ratios; load average ${fmt(Math.min(...load))}–${fmt(Math.max(...load))}; Node ${process.version}.`,
    "",
    "| step (each timed alone, in a loop) | CPU µs per call | × floor (CPU) | × floor (elapsed) | heap bytes per call |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
    "",
  ].join("\n"),
);
