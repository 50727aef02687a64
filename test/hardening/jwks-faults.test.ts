import { expect } from "chai";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { FETCH_BACKOFF_MS, FETCH_TIMEOUT_MS } from "../../functions/authoriser/jwks.ts";
import { LocalIssuer, makeSigningKey } from "../../local/issuer/issuer.ts";
import type { LambdaHost } from "../../local/lambda/host.ts";
import { makeLoopbackCertificate, type TestCertificate } from "../support/certs.ts";
import { makeConnectEvent } from "../../local/gateway/sample-events.ts";
import { JwksServer, type JwksBehaviour } from "../support/jwks-server.ts";
import { ledger } from "./support/ledger.ts";
import {
  freePort,
  sleep,
  startAuthoriserZip,
  timedInvoke,
  UNAUTHORIZED_RESULT,
  type TimedResult,
} from "./support/lambda.ts";

type Scripted = "dribble" | "redirect";
type Fault = Exclude<JwksBehaviour, "keys"> | Scripted | "refused" | "untrustedCertificate";
const FAULTS: readonly Fault[] = [
  "refused",
  "status500",
  "slow",
  "truncated",
  "notJson",
  "noKeys",
  "wrongKeyTypes",
  "huge",
  "hang",
  "untrustedCertificate",
  "dribble",
  "redirect",
];

/** The back-off, plus slack for timers on a shared machine. */
const PAST_BACKOFF_MS = FETCH_BACKOFF_MS + 400;
/** A refusal that needs a fetch ends at the fetch deadline; the rest is process and IPC overhead on 2 busy cores. */
const DECISION_BOUND_MS = FETCH_TIMEOUT_MS + 2_500;
/**
 * A faulty endpoint's init may cost the fetch deadline over a healthy one's; "slow" answers at 5 s, so without the
 * deadline its init would exceed this.
 */
const INIT_SLACK_MS = 1_500;
const FLOOD = 30;

interface Endpoint {
  url: string;
  /** Requests the endpoint has answered (or held); undefined when it cannot see them (refused connections). */
  requests(): number | undefined;
  heal(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Faults the shared JwksServer lacks: a body dribbled a byte at a time (never done within the deadline), and a
 * redirect to a path that does serve the keys (a fetcher that followed it would let tokens in during the fault).
 */
async function scriptedEndpoint(fault: Scripted, issuer: LocalIssuer, trusted: TestCertificate): Promise<Endpoint> {
  let behaviour: Scripted | "keys" = fault;
  let requests = 0;
  const timers = new Set<NodeJS.Timeout>();
  const server = createHttpsServer(trusted, (req, res) => {
    requests += 1;
    req.resume();
    const body = JSON.stringify(issuer.jwks());
    if (behaviour === "keys" || req.url === "/moved/jwks.json") {
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    } else if (behaviour === "redirect") {
      res.writeHead(302, { location: "/moved/jwks.json", "content-length": 0 });
      res.end();
    } else {
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      let sent = 0;
      const timer = setInterval(() => {
        if (sent >= body.length || res.destroyed) {
          clearInterval(timer);
          timers.delete(timer);
          return;
        }
        res.write(body[sent]);
        sent += 1;
      }, 100);
      timers.add(timer);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}/${issuer.userPoolId}/.well-known/jwks.json`,
    requests: () => requests,
    heal: async () => {
      behaviour = "keys";
    },
    close: async () => {
      for (const timer of timers) clearInterval(timer);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A JWKS endpoint on loopback showing `fault` until healed; healing keeps the URL. */
async function faultyEndpoint(fault: Fault, issuer: LocalIssuer, trusted: TestCertificate): Promise<Endpoint> {
  if (fault === "dribble" || fault === "redirect") return scriptedEndpoint(fault, issuer, trusted);
  if (fault === "refused") {
    const port = await freePort();
    const healed = new LocalIssuer({ keys: issuer.keys });
    return {
      url: `https://127.0.0.1:${port}/${issuer.userPoolId}/.well-known/jwks.json`,
      requests: () => (healed.server ? healed.jwksFetches : undefined),
      heal: async () => void (await healed.listen({ port, tls: trusted })),
      close: () => healed.close(),
    };
  }
  if (fault === "untrustedCertificate") {
    const server = new JwksServer(issuer);
    await server.listen(makeLoopbackCertificate());
    const port = Number(new URL(server.url).port);
    const healed = new LocalIssuer({ keys: issuer.keys });
    return {
      url: server.url,
      requests: () => server.requests + healed.jwksFetches,
      heal: async () => {
        await server.close();
        await healed.listen({ port, tls: trusted });
      },
      close: async () => {
        await server.close();
        await healed.close();
      },
    };
  }
  const server = new JwksServer(issuer);
  server.behaviour = fault;
  await server.listen(trusted);
  return {
    url: server.url,
    requests: () => server.requests,
    heal: async () => {
      server.behaviour = "keys";
    },
    close: () => server.close(),
  };
}

interface FaultReport {
  fault: Fault;
  initMs: number;
  duringBackoff: TimedResult;
  flood: TimedResult[];
  floodFetches: number | undefined;
  backoffFetches: number | undefined;
  recovered: TimedResult[];
  recoveryFetches: number | undefined;
  badAfterRecovery: TimedResult;
  coldStarts: number;
}

describe("hardening: JWKS faults over HTTPS on loopback, through the built zip (one container per fault, all in parallel)", function () {
  this.timeout(120_000);
  let trusted: TestCertificate;
  let issuer: LocalIssuer;
  const rogue = makeSigningKey("key-one");
  const reports = new Map<Fault, FaultReport>();
  let firstLine = 0;
  /** The init of a container with a healthy endpoint, started in the same batch as the faults. */
  let healthyMs = 0;
  const hosts: LambdaHost[] = [];
  const endpoints: Endpoint[] = [];

  const connectWith = (token: string) => makeConnectEvent({ query: { auth: ledger.secret(token) } });
  const good = (i: number) => connectWith(issuer.mint({ username: `user${i}` }));

  /** The init of a container whose JWKS endpoint answers at once: process start and load, with no fault. */
  async function healthyInitMs(): Promise<number> {
    const endpoint = await scriptedEndpoint("redirect", issuer, trusted);
    await endpoint.heal();
    endpoints.push(endpoint);
    const host = startAuthoriserZip(
      { USER_POOL_ID: issuer.userPoolId, CLIENT_ID: issuer.clientId, JWKS_URI: endpoint.url },
      trusted.certPath,
    );
    hosts.push(host);
    const initStarted = performance.now();
    await host.warm();
    return performance.now() - initStarted;
  }

  /** One fault's whole life: init against the fault, back-off, a flood, healing, recovery. */
  async function runFault(fault: Fault): Promise<FaultReport> {
    const endpoint = await faultyEndpoint(fault, issuer, trusted);
    endpoints.push(endpoint);
    const host = startAuthoriserZip(
      { USER_POOL_ID: issuer.userPoolId, CLIENT_ID: issuer.clientId, JWKS_URI: endpoint.url },
      trusted.certPath,
    );
    hosts.push(host);
    const count = () => endpoint.requests();
    const delta = (before: number | undefined) => (before === undefined ? undefined : (count() ?? 0) - before);

    const initStarted = performance.now();
    await host.warm();
    const initMs = performance.now() - initStarted;
    const initFailedAt = Date.now();
    ledger.tally.faultsInjected += 1;

    const beforeBackoff = count();
    const duringBackoff = await timedInvoke(host, good(0));
    const backoffFetches = delta(beforeBackoff);

    await sleep(Math.max(0, initFailedAt + PAST_BACKOFF_MS - Date.now()));
    const beforeFlood = count();
    // One container serves one invocation at a time, as Lambda does: a flood on one container is a sequence.
    const flood: TimedResult[] = [];
    for (let i = 0; i < FLOOD; i += 1) flood.push(await timedInvoke(host, good(i)));
    const floodFetches = delta(beforeFlood);
    const floodFailedAt = Date.now();
    ledger.tally.faultsInjected += 1;

    await endpoint.heal();
    await sleep(Math.max(0, floodFailedAt + PAST_BACKOFF_MS - Date.now()));
    const beforeRecovery = count() ?? 0;
    const recovered: TimedResult[] = [];
    for (let i = 0; i < 10; i += 1) recovered.push(await timedInvoke(host, good(100 + i)));
    const recoveryFetches = (count() ?? 0) - beforeRecovery;
    const badAfterRecovery = await timedInvoke(host, connectWith(issuer.mint({ username: "mallory", key: rogue })));
    ledger.tally.casesTried += 1 + FLOOD + recovered.length + 1;
    return {
      fault,
      initMs,
      duringBackoff,
      flood,
      floodFetches,
      backoffFetches,
      recovered,
      recoveryFetches,
      badAfterRecovery,
      coldStarts: host.coldStarts,
    };
  }

  before(async function () {
    this.timeout(120_000);
    firstLine = ledger.lineCount;
    trusted = makeLoopbackCertificate();
    issuer = new LocalIssuer({ keys: [makeSigningKey("key-one")] });
    const started = Date.now();
    const [healthy, ...faultReports] = await Promise.all([healthyInitMs(), ...FAULTS.map(runFault)]);
    healthyMs = healthy as number;
    for (const report of faultReports as FaultReport[]) reports.set(report.fault, report);
    console.log(
      `      (${FAULTS.length} faults, ${FAULTS.length * (FLOOD + 13)} connections, in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
  });

  after(async () => {
    await Promise.all(hosts.map((host) => host.stop()));
    await Promise.all(endpoints.map((endpoint) => endpoint.close()));
  });

  const reportOf = (fault: Fault): FaultReport => reports.get(fault) as FaultReport;

  for (const fault of FAULTS) {
    describe(`a JWKS endpoint that is ${fault}`, () => {
      it("lets the container start, its init fetch bounded by the fetch timeout", () => {
        // Over a healthy container started in the same batch, so the machine's load is on both sides.
        expect(reportOf(fault).initMs).to.be.below(healthyMs + FETCH_TIMEOUT_MS + INIT_SLACK_MS);
      });

      it("refuses valid tokens with Unauthorized, in bounded time, while it lasts", () => {
        const { duringBackoff, flood } = reportOf(fault);
        for (const { result, ms } of [duringBackoff, ...flood]) {
          expect(result).to.deep.equal(UNAUTHORIZED_RESULT);
          expect(ms).to.be.below(DECISION_BOUND_MS);
        }
      });

      it(`makes no fetch during the back-off and at most one for a flood of ${FLOOD} connections to one container`, () => {
        const { backoffFetches, floodFetches } = reportOf(fault);
        if (backoffFetches !== undefined) expect(backoffFetches).to.equal(0);
        if (floodFetches !== undefined) expect(floodFetches).to.be.at.most(1);
      });

      it("never crashes the container", () => {
        expect(reportOf(fault).coldStarts).to.equal(1);
      });

      it("recovers once healed: valid tokens allowed after one fetch, a forged one still refused", () => {
        const { recovered, recoveryFetches, badAfterRecovery } = reportOf(fault);
        for (const { result } of recovered) expect(result.ok, JSON.stringify(result)).to.equal(true);
        expect(recoveryFetches).to.equal(1);
        expect(badAfterRecovery.result).to.deep.equal(UNAUTHORIZED_RESULT);
      });
    });
  }

  it("logged every refusal by reason: keys_unavailable while the keys were out of reach, invalid_signature for the forgery", () => {
    const refusals = ledger.parsedLines(firstLine).filter((line) => line.message === "connection refused");
    expect(refusals.length).to.be.at.least(FAULTS.length * (FLOOD + 2));
    expect(new Set(refusals.map((line) => line.reason))).to.deep.equal(
      new Set(["keys_unavailable", "invalid_signature"]),
    );
  });

  it("never logged a token or a signature segment", () => {
    expect(ledger.leaking(firstLine).slice(0, 3)).to.deep.equal([]);
  });
});
