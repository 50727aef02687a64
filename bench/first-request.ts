// The first request's CPU time in a fresh process, node:http(s) against our http1.ts, over http: and over TLS (what
// Lambda does): issue 16's check that the hand-written client pays where the functions run. One process per sample,
// subjects interleaved round by round; node:http is loaded before the clock starts, as Lambda's runtime client does.
// Then the warm cost: rounds of 200 sequential requests over one keep-alive socket in this process, interleaved.
//   node bench/first-request.ts [rounds]   (after make install; no build needed)
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { exchange } from "../functions/shared/http1.ts";
import { makeLoopbackCertificate } from "../test/support/certs.ts";

const rounds = Number(process.argv[2] ?? 30);
// Bundled as the functions ship it: a child importing the .ts source would pay for Node's type stripping too.
const http1 = join(mkdtempSync(join(tmpdir(), "wsauth-http1-")), "http1.mjs");
await build({
  entryPoints: [fileURLToPath(new URL("../functions/shared/http1.ts", import.meta.url))],
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node22",
  minify: true,
  outfile: http1,
  logLevel: "silent",
});
const certificate = makeLoopbackCertificate();

const answer = (req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse): void => {
  req.resume();
  req.on("end", () => res.writeHead(200, { "content-type": "application/x-amz-json-1.0" }).end("{}"));
};
const plain = createHttpServer(answer).listen(0, "127.0.0.1");
const secure = createHttpsServer({ key: certificate.key, cert: certificate.cert }, answer).listen(0, "127.0.0.1");
await Promise.all([plain, secure].map((server) => new Promise((resolve) => server.once("listening", resolve))));
const urls = {
  "http:": `http://localhost:${(plain.address() as AddressInfo).port}/`,
  "https:": `https://localhost:${(secure.address() as AddressInfo).port}/`,
};

// Each child: import what the client needs, then time one POST from the clock's start to the answer's end.
const clients = {
  "node:http(s)": (url: string) => `
    process.getBuiltinModule("node:http");
    const url = new URL(${JSON.stringify(url)});
    const start = process.cpuUsage();
    const m = process.getBuiltinModule(url.protocol === "http:" ? "node:http" : "node:https");
    const agent = new m.Agent({ keepAlive: true });
    await new Promise((resolve, reject) => {
      const req = m.request({ protocol: url.protocol, hostname: url.hostname, port: url.port, path: "/", method: "POST",
        headers: { host: url.host, "content-length": "2" }, agent }, (res) => { res.resume(); res.on("end", resolve); });
      req.on("error", reject);
      req.end("{}");
    });
    const used = process.cpuUsage(start);
    process.stdout.write(String((used.user + used.system) / 1000));
    agent.destroy();`,
  "http1.ts": (url: string) => `
    process.getBuiltinModule("node:http");
    const { exchange } = await import(${JSON.stringify(http1)});
    const origin = new URL(${JSON.stringify(url)});
    const start = process.cpuUsage();
    await exchange({ origin, method: "POST", path: "/", headers: { host: origin.host, "content-length": "2" },
      body: "{}", maxSockets: Infinity, deadlineMs: 10000, maxAnswerBytes: 0 });
    const used = process.cpuUsage(start);
    process.stdout.write(String((used.user + used.system) / 1000));`,
};

function sample(script: string): Promise<number> {
  const env = { ...process.env, NODE_EXTRA_CA_CERTS: certificate.certPath };
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ["--input-type=module", "-e", script], { env, timeout: 30_000 }, (err, stdout) =>
      err ? reject(err) : resolve(Number(stdout)),
    ),
  );
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

const samples = new Map<string, number[]>();
const loads: number[] = [];
for (let round = 0; round < rounds; round += 1) {
  loads.push(loadavg()[0] as number);
  for (const [scheme, url] of Object.entries(urls))
    for (const [name, client] of Object.entries(clients)) {
      const key = `${scheme} ${name}`;
      samples.set(key, [...(samples.get(key) ?? []), await sample(client(url))]);
    }
}

// Warm: the same process, both clients already used once, the same http: server.
const nodeHttp = process.getBuiltinModule("node:http");
const agent = new nodeHttp.Agent({ keepAlive: true });
const target = new URL(urls["http:"]);
const headers = { host: target.host, "content-length": "2" };
const warm = {
  "node:http(s)": () =>
    new Promise<void>((resolve, reject) => {
      const req = nodeHttp.request(
        { hostname: target.hostname, port: target.port, path: "/", method: "POST", headers, agent },
        (res) => {
          res.resume();
          res.on("end", resolve);
        },
      );
      req.on("error", reject);
      req.end("{}");
    }),
  "http1.ts": async () => {
    await exchange({
      origin: target,
      method: "POST",
      path: "/",
      headers,
      body: "{}",
      maxSockets: 1,
      deadlineMs: 10_000,
      maxAnswerBytes: 0,
    });
  },
};
const perCall = new Map<string, number[]>();
for (let round = 0; round < rounds; round += 1)
  for (const [name, call] of Object.entries(warm)) {
    const start = process.cpuUsage();
    for (let i = 0; i < 200; i += 1) await call();
    const used = process.cpuUsage(start);
    perCall.set(name, [...(perCall.get(name) ?? []), (used.user + used.system) / 200]);
  }
agent.destroy();
plain.close();
secure.close();

console.log(`first request, CPU ms (user + system), ${rounds} rounds, load average ${median(loads).toFixed(1)}`);
console.log("| subject | median (p25–p75) | median of per-round differences vs node:http(s) |\n| --- | --- | --- |");
for (const [key, values] of samples) {
  const sorted = [...values].sort((a, b) => a - b);
  const q = (p: number) => (sorted[Math.floor(p * (sorted.length - 1))] as number).toFixed(2);
  const [scheme] = key.split(" ");
  const base = samples.get(`${scheme} node:http(s)`) as number[];
  const delta = key.endsWith("http1.ts") ? median(values.map((v, i) => v - (base[i] as number))).toFixed(2) : "";
  console.log(`| ${key} | ${median(values).toFixed(2)} (${q(0.25)}–${q(0.75)}) | ${delta} |`);
}
const warmNode = perCall.get("node:http(s)") as number[];
const warmOurs = perCall.get("http1.ts") as number[];
console.log(`\nwarm, CPU µs per request (client and server in one process), ${rounds} rounds of 200`);
console.log(`| node:http | ${median(warmNode).toFixed(1)} |\n| http1.ts | ${median(warmOurs).toFixed(1)} |`);
console.log(
  `| per-round ratio http1.ts / node:http | ${median(warmOurs.map((v, i) => v / (warmNode[i] as number))).toFixed(3)} |`,
);
