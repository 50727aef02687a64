// Warm cost of one authorisation, in one process: the physical floor (crypto.verify with a ready KeyObject)
// against the built authoriser and the peers, rounds interleaved. Run as a child of run.ts with stdout
// discarded (the handlers log one line per call, as in Lambda); the result comes back over IPC.
import { spawnSync } from "node:child_process";
import { type createPublicKey, createVerify, type JsonWebKey, subtle, verify, webcrypto } from "node:crypto";
import { syncBuiltinESMExports } from "node:module";
import { createRequire } from "node:module";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { safeJsonParse } from "aws-jwt-verify/safe-json-parse";
import { log } from "../functions/shared/log.ts";
import { LocalIssuer, type SigningKey } from "../local/issuer/issuer.ts";
import { makeConnectEvent } from "../local/gateway/sample-events.ts";
import { authoriserEnv, PLATFORM_ENV, removeTaskRoots, unpack, zipPath } from "./lib/fixtures.ts";
import { median, summarise, type Summary } from "./lib/stats.ts";

export interface WarmResult {
  readonly label: string;
  /** Microseconds per call, one value per round. */
  readonly perCallUs: Summary;
  /** Median over rounds of (this round's cost / this round's floor). */
  readonly ratioToFloor: number;
  /**
   * The same in CPU time (user + system of this process): free of the waits for a core that make elapsed ratios
   * spread on a loaded host. NaN for the Rust row, timed in its own process.
   */
  readonly cpuRatioToFloor: number;
  /** createPublicKey and subtle.importKey calls per 1,000 warm calls: key parsing on the hot path. */
  readonly keyParsesPer1000: number;
}

type Subject = { label: string; call: () => Promise<unknown> | unknown; perCallUs?: (calls: number) => number };

// Count key parsing by every bundle: patch the built-ins before any bundle binds them.
const require = createRequire(import.meta.url);
const cryptoModule = require("node:crypto") as typeof import("node:crypto");
let keyParses = 0;
const originalCreatePublicKey = cryptoModule.createPublicKey;
cryptoModule.createPublicKey = ((...args: Parameters<typeof createPublicKey>) => {
  keyParses += 1;
  return originalCreatePublicKey(...args);
}) as typeof createPublicKey;
syncBuiltinESMExports();
const originalImportKey = subtle.importKey.bind(subtle);
webcrypto.subtle.importKey = ((...args: Parameters<typeof subtle.importKey>) => {
  keyParses += 1;
  return originalImportKey(...args);
}) as typeof subtle.importKey;

async function main(): Promise<void> {
  const calls = Number(process.env.BENCH_CALLS ?? 2000);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 15);
  const issuer = new LocalIssuer();
  await issuer.listen();
  Object.assign(process.env, PLATFORM_ENV, authoriserEnv(issuer, false));

  const token = issuer.mint({ username: "alice", groups: ["admin"] });
  const event = makeConnectEvent({ query: { auth: token } });
  const [headerB64, payloadB64, signatureB64] = token.split(".") as [string, string, string];
  const signingInput = Buffer.from(`${headerB64}.${payloadB64}`);
  const signature = Buffer.from(signatureB64, "base64url");
  const key = originalCreatePublicKey({ key: issuer.keys[0]?.publicJwk as JsonWebKey, format: "jwk" });

  const allowed = (result: unknown): boolean =>
    (result as { policyDocument?: { Statement?: Array<{ Effect?: string }> } }).policyDocument?.Statement?.[0]
      ?.Effect === "Allow";
  const subjects: Subject[] = [
    { label: "floor: crypto.verify, ready KeyObject", call: () => verify("RSA-SHA256", signingInput, key, signature) },
  ];
  // BENCH_BASELINE=<dir>[,<dir>...] (built checkouts, as for the cold rows): their authoriser in the same rounds.
  const baselines = (process.env.BENCH_BASELINE ?? "")
    .split(",")
    .filter((dir) => dir !== "")
    .map((dir) => [`${basename(dir)}: authoriser`, join(dir, "dist", "authoriser.zip")] as const);
  for (const [label, zip] of [
    ["authoriser (shipped zip: own verifier on node:crypto)", zipPath("authoriser")],
    ...baselines,
    ["peer: jose", zipPath("authoriser-jose")],
    ["peer: jsonwebtoken + jwks-rsa", zipPath("authoriser-jsonwebtoken")],
  ] as const) {
    const module = (await import(pathToFileURL(unpack(zip)).href)) as {
      handler: (event: unknown) => Promise<unknown>;
    };
    if (!allowed(await module.handler(event))) throw new Error(`${label} did not allow a valid token`);
    subjects.push({ label, call: () => module.handler(event) });
  }
  if (verify("RSA-SHA256", signingInput, key, signature) !== true) throw new Error("floor did not verify");
  // Where the authoriser's time goes beyond the floor: parts of the handler, and aws-jwt-verify's own steps it no
  // longer takes (it verifies with crypto.verify and a plain JSON.parse, see functions/authoriser/verifier.ts).
  const payloadJson = Buffer.from(payloadB64, "base64url").toString("utf8");
  subjects.push(
    {
      label: "for comparison: aws-jwt-verify's signature check (createVerify stream API), no longer on our path",
      call: () =>
        createVerify("RSA-SHA256")
          .update(`${headerB64}.${payloadB64}`)
          .verify({ key, dsaEncoding: "ieee-p1363" }, signatureB64, "base64"),
    },
    {
      label: "for comparison: aws-jwt-verify's prototype-safe JSON.parse, no longer on our path",
      call: () => safeJsonParse(payloadJson),
    },
    { label: "part: plain JSON.parse of the payload", call: () => JSON.parse(payloadJson) },
    {
      label: "part: one JSON log line",
      call: () =>
        log("INFO", "connection allowed", {
          source: "query",
          sub: "a-sub",
          connectionId: "conn-1=",
          requestId: "req-1",
        }),
    },
  );
  // Reference: the seed's Rust verify (jsonwebtoken crate: signature, exp, iss, aud), same token and key, timed
  // inside its own process for each round, between the Node subjects of that round.
  const rustSeed = process.env.BENCH_RUST_SEED;
  if (rustSeed) {
    const { n, e } = (issuer.keys[0] as SigningKey).publicJwk as { n: string; e: string };
    const claims = JSON.parse(Buffer.from(payloadB64, "base64url").toString("utf8")) as { iss: string; aud: string };
    subjects.push({
      label: "reference: Rust jsonwebtoken crate (bench/peers/rust-seed)",
      call: () => undefined,
      perCallUs: (count) => {
        const run = spawnSync(rustSeed, [token, n, e, claims.iss, claims.aud, String(count), "1"], {
          encoding: "utf8",
        });
        if (run.status !== 0) throw new Error(`rust-seed failed: ${run.stderr}`);
        return (JSON.parse(run.stdout) as number[])[0] as number;
      },
    });
  }

  const perCall = subjects.map(() => [] as number[]);
  const cpuPerCall = subjects.map(() => [] as number[]);
  const parses = subjects.map(() => 0);
  for (let round = 0; round < rounds + 1; round += 1) {
    // Each round starts one subject later, so no subject always follows the same one (and pays for its garbage).
    for (let step = 0; step < subjects.length; step += 1) {
      const index = (round + step) % subjects.length;
      const subject = subjects[index] as Subject;
      const parsesBefore = keyParses;
      if (subject.perCallUs) {
        const us = subject.perCallUs(calls);
        if (round > 0) (perCall[index] as number[]).push(us);
        continue;
      }
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      for (let i = 0; i < calls; i += 1) await subject.call();
      const elapsed = performance.now() - started;
      const cpu = process.cpuUsage(cpuBefore);
      if (round === 0) continue; // warm-up: JIT, caches
      (perCall[index] as number[]).push((elapsed * 1000) / calls);
      (cpuPerCall[index] as number[]).push((cpu.user + cpu.system) / calls);
      parses[index] = (parses[index] as number) + keyParses - parsesBefore;
    }
  }
  const floor = perCall[0] as number[];
  const cpuFloor = cpuPerCall[0] as number[];
  const results: WarmResult[] = subjects.map((subject, index) => {
    const samples = perCall[index] as number[];
    return {
      label: subject.label,
      perCallUs: summarise(samples),
      ratioToFloor: median(samples.map((value, round) => value / (floor[round] as number))),
      cpuRatioToFloor: median(
        (cpuPerCall[index] as number[]).map((value, round) => value / (cpuFloor[round] as number)),
      ),
      keyParsesPer1000: ((parses[index] as number) * 1000) / (calls * rounds),
    };
  });
  await issuer.close();
  removeTaskRoots();
  process.send?.({ type: "warm", results });
  if (!process.send) process.stderr.write(`${JSON.stringify(results, null, 1)}\n`);
}

await main();
