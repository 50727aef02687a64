import { expect } from "chai";
import { randomBytes } from "node:crypto";
import type { Socket } from "node:net";
import { WebSocket } from "ws";
import { parseGatewayConfig } from "../../local/gateway/config.ts";
import { type LocalStack, startLocalStack } from "../../local/stack.ts";
import type { Invocation } from "../../local/gateway/server.ts";
import type { ApiDescription } from "../../local/api-description.ts";
import { makeSigningKey, signJwt } from "../../local/issuer/issuer.ts";
import {
  closeAll,
  eventually,
  type Handshake,
  nextMessage,
  openSocket,
  request,
} from "../local/gateway/support/clients.ts";
import { makeDistWithMisbehavingZips, makeApiWith, removeDir } from "../local/gateway/support/stack.ts";
import { sharedDynamoDbEndpoint } from "../local/support/dynamodb.ts";
import { ledger } from "./support/ledger.ts";

const CONNECTIONS = 1_000;
const MEMBERS = "members";

interface RunningStack extends LocalStack {
  readonly invocations: Invocation[];
}

async function startStack(
  options: {
    env?: Record<string, string>;
    api?: ApiDescription;
    distDir?: string;
    lambdaTimeoutMs?: number;
    tokenLocation?: string;
  } = {},
): Promise<RunningStack> {
  const invocations: Invocation[] = [];
  const local = await startLocalStack({
    config: parseGatewayConfig(
      { PORT: "0" },
      options.lambdaTimeoutMs === undefined ? {} : { lambdaTimeoutMs: options.lambdaTimeoutMs },
    ),
    dynamodbEndpoint: await sharedDynamoDbEndpoint(),
    env: options.env ?? {},
    ...(options.api ? { api: options.api } : {}),
    ...(options.distDir ? { distDir: options.distDir } : {}),
    ...(options.tokenLocation ? { tokenLocation: options.tokenLocation } : {}),
    onLog: (line) => ledger.collect(line),
    onInvocation: (invocation) => invocations.push(invocation),
  });
  return { ...local, close: () => local.close(), invocations };
}

const urlWith = (stack: LocalStack, token: string | undefined): string =>
  token === undefined
    ? stack.gateway.url
    : `${stack.gateway.url}?${stack.tokenQueryParam}=${encodeURIComponent(ledger.secret(token))}`;

function disconnectsOf(stack: RunningStack, connectionId: string): Invocation[] {
  return stack.invocations.filter(
    (call) =>
      call.functionName === "disconnect" &&
      (call.event.requestContext as { connectionId?: string }).connectionId === connectionId,
  );
}

/** An accepted WebSocket and the TCP socket under it, so a test can write a frame cut off anywhere. */
function openWithSocket(url: string): Promise<{ ws: WebSocket; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { handshakeTimeout: 5_000 });
    let socket: Socket | undefined;
    ws.once("upgrade", (response) => (socket = response.socket as Socket));
    ws.once("open", () => (socket ? resolve({ ws, socket }) : reject(new Error("no socket under the WebSocket"))));
    ws.once("unexpected-response", (_request, response) =>
      reject(new Error(`handshake refused with ${response.statusCode}`)),
    );
    ws.once("error", reject);
  });
}

/** The first bytes of a masked text frame that announces `length` bytes. */
function frameStart(length: number, sent: number): Buffer {
  const header = Buffer.from([0x81, 0x80 | 126, length >> 8, length & 0xff]);
  return Buffer.concat([header, randomBytes(4), randomBytes(sent)]);
}

describe("hardening: the local gateway under load and faults", function () {
  this.timeout(120_000);

  describe(`${CONNECTIONS} concurrent connections, good and bad tokens mixed, REQUIRED_GROUPS=${MEMBERS}`, () => {
    let stack: RunningStack;
    type Expected = { kind: "open"; username: string } | { kind: "status"; status: number; what: string };
    const cases: Array<{ token: string | undefined; expected: Expected }> = [];
    const outcomes: Handshake[] = [];
    let held = 0;
    let handshakeMs = 0;

    before(async function () {
      this.timeout(120_000);
      // 600 messages at once are 600 registry reads queued at one local moto: more than the default 10 s on a busy machine.
      stack = await startStack({ env: { REQUIRED_GROUPS: MEMBERS }, lambdaTimeoutMs: 30_000 });
      const { issuer } = stack;
      const rogue = makeSigningKey((issuer.keys[0] as { kid: string }).kid);
      const bad: Array<[string, number, (i: number) => string | undefined]> = [
        ["no token", 401, () => undefined],
        ["junk", 401, (i) => `junk-${i}`],
        ["a forged signature", 401, (i) => issuer.mint({ username: `f${i}`, groups: [MEMBERS], key: rogue })],
        ["an expired token", 401, (i) => issuer.mint({ username: `e${i}`, groups: [MEMBERS], expiresIn: -5 })],
        [
          "another client's token",
          401,
          (i) => issuer.mint({ username: `c${i}`, groups: [MEMBERS], clientId: "someone-else" }),
        ],
        [
          "alg none",
          401,
          (i) =>
            signJwt(
              { alg: "none", kid: "x" },
              issuer.claimsFor({ username: `n${i}`, groups: [MEMBERS] }),
              rogue.privateKey,
            ),
        ],
        [
          "a respelled signature",
          401,
          (i) => {
            const token = issuer.mint({ username: `r${i}`, groups: [MEMBERS] });
            return token.slice(0, -1) + (token.endsWith("A") ? "B" : "A");
          },
        ],
        [
          "a valid token outside the required group",
          403,
          (i) => issuer.mint({ username: `v${i}`, groups: ["visitors"] }),
        ],
      ];
      for (let i = 0; i < CONNECTIONS; i += 1) {
        if (i % 5 < 3) {
          const username = `user${i}`;
          cases.push({ token: issuer.mint({ username, groups: [MEMBERS] }), expected: { kind: "open", username } });
        } else {
          const [what, status, make] = bad[i % bad.length] as [string, number, (i: number) => string | undefined];
          cases.push({ token: make(i), expected: { kind: "status", status, what } });
        }
      }
      const started = performance.now();
      outcomes.push(
        ...(await Promise.all(cases.map(({ token }) => openSocket(urlWith(stack, token), { timeoutMs: 60_000 })))),
      );
      handshakeMs = performance.now() - started;
      held = stack.gateway.openConnections.size;
      ledger.tally.connectionsHeld += held;
      ledger.tally.casesTried += cases.length;
      const throttled = outcomes.reduce((sum, outcome) => sum + outcome.throttled, 0);
      console.log(
        `      (${CONNECTIONS} handshakes in ${(handshakeMs / 1000).toFixed(1)} s, ${throttled} throttled and retried, ${held} connections held at once)`,
      );
    });

    after(async () => {
      await closeAll(outcomes.flatMap((outcome) => (outcome.opened ? [outcome.ws] : [])));
      await stack?.close();
    });

    it("opened exactly the good tokens and answered every other handshake with its documented status", () => {
      const wrong = cases.flatMap(({ expected }, i) => {
        const outcome = outcomes[i] as Handshake;
        if (expected.kind === "open")
          return outcome.opened ? [] : [`user${i} refused with ${(outcome as { status: number }).status}`];
        if (outcome.opened) ledger.tally.allowsOfBadInput += 1;
        return !outcome.opened && outcome.status === expected.status
          ? []
          : [`${expected.what} gave ${outcome.opened ? "an open socket" : outcome.status}`];
      });
      expect(wrong.slice(0, 5)).to.deep.equal([]);
    });

    it("held every good connection open at once", () => {
      expect(held).to.equal(cases.filter(({ expected }) => expected.kind === "open").length);
    });

    it("ran each function in several containers, never more than its concurrency cap", () => {
      const cap = stack.gateway.options.config.lambdaConcurrency;
      const peaks = Object.values(stack.hosts).map((host) => host.peakContainers);
      expect(
        peaks.every((peak) => peak >= 1 && peak <= cap),
        String(peaks),
      ).to.equal(true);
      expect(
        stack.hosts.authoriser?.peakContainers,
        "concurrent handshakes in several authoriser containers",
      ).to.be.above(1);
    });

    it("routes a message on every held connection to the handler with that connection's own identity", async () => {
      const open = cases.flatMap(({ expected }, i) => {
        const outcome = outcomes[i] as Handshake;
        return expected.kind === "open" && outcome.opened ? [{ username: expected.username, ws: outcome.ws }] : [];
      });
      const replies = await Promise.all(
        open.map(({ ws }) => request(ws, JSON.stringify({ action: "whoami" }), 60_000)),
      );
      const mismatched = replies.filter(
        (reply, i) => (reply.from as { username?: string } | undefined)?.username !== open[i]?.username,
      );
      expect(mismatched.slice(0, 3)).to.deep.equal([]);
    });

    it("invokes $disconnect for every connection when the clients leave; Lambda may throttle it, as in AWS (best effort)", async () => {
      const sockets = outcomes.flatMap((outcome) => (outcome.opened ? [outcome.ws] : []));
      await closeAll(sockets);
      await eventually(() => stack.gateway.openConnections.size === 0, 20_000, "every connection removed");
      const disconnects = () => stack.invocations.filter((call) => call.functionName === "disconnect");
      await eventually(() => disconnects().length >= held, 20_000, "a $disconnect per connection");
      const failed = disconnects().filter(
        ({ result }) => !result.ok && result.errorType !== "TooManyRequestsException",
      );
      expect(failed.map(({ result }) => result)).to.deep.equal([]);
    });

    it("never logged a token", () => {
      expect(ledger.leaking().slice(0, 3)).to.deep.equal([]);
    });
  });

  describe("tokens in the Sec-WebSocket-Protocol header, as browsers send them", () => {
    let stack: RunningStack;
    before(async () => {
      stack = await startStack({ tokenLocation: "protocol" });
    });
    after(() => stack?.close());

    it("opens good tokens echoing only `bearer`, never the token, and refuses forged ones with 401", async () => {
      const rogue = makeSigningKey((stack.issuer.keys[0] as { kid: string }).kid);
      const tokens = Array.from({ length: 50 }, (_, i) =>
        ledger.secret(
          i % 2 === 0 ? stack.issuer.mint({ username: `p${i}` }) : stack.issuer.mint({ username: `p${i}`, key: rogue }),
        ),
      );
      const outcomes = await Promise.all(
        tokens.map((token) => openSocket(stack.gateway.url, { protocols: ["bearer", token] })),
      );
      ledger.tally.casesTried += tokens.length;
      const opened = outcomes.flatMap((outcome) => (outcome.opened ? [outcome.ws] : []));
      try {
        expect(
          outcomes.map((outcome, i) => (i % 2 === 0 ? outcome.opened : !outcome.opened && outcome.status === 401)),
        ).to.deep.equal(Array(50).fill(true));
        expect(new Set(opened.map((ws) => ws.protocol))).to.deep.equal(new Set(["bearer"]));
      } finally {
        ledger.tally.allowsOfBadInput += outcomes.filter((outcome, i) => i % 2 === 1 && outcome.opened).length;
        await closeAll(opened);
      }
    });
  });

  describe("a client that vanishes mid-message", () => {
    let stack: RunningStack;
    before(async () => {
      stack = await startStack();
    });
    after(() => stack?.close());

    const newestConnectionId = (before: ReadonlySet<string>): string => {
      const fresh = stack.gateway.openConnections
        .all()
        .map((connection) => connection.facts.connectionId)
        .filter((id) => !before.has(id));
      expect(fresh).to.have.length(1);
      return fresh[0] as string;
    };
    const knownIds = () =>
      new Set(stack.gateway.openConnections.all().map((connection) => connection.facts.connectionId));

    for (const [what, cut] of [
      ["after half a frame header", () => Buffer.from([0x81])],
      ["after a header announcing 300 bytes and 40 of them", () => frameStart(300, 40)],
      ["after the mask, before any payload", () => frameStart(1_000, 0)],
    ] as Array<[string, () => Buffer]>) {
      it(`gets its $disconnect when the TCP connection drops ${what}`, async () => {
        const before = knownIds();
        const { ws, socket } = await openWithSocket(urlWith(stack, stack.issuer.mint({ username: "vanisher" })));
        await eventually(() => stack.gateway.openConnections.size > before.size, 5_000, "connection registered");
        const connectionId = newestConnectionId(before);
        ws.on("error", () => undefined);
        // Gone once the partial frame has left: no close frame, no FIN first.
        await new Promise<void>((resolve) => socket.write(cut(), () => resolve()));
        socket.resetAndDestroy();
        ledger.tally.faultsInjected += 1;
        await eventually(
          () => disconnectsOf(stack, connectionId).length === 1,
          5_000,
          "$disconnect for the vanished client",
        );
        expect(
          stack.gateway.openConnections.all().some((connection) => connection.facts.connectionId === connectionId),
        ).to.equal(false);
      });
    }

    it("gets its $disconnect when a WebSocket client dies between the fragments of a message", async () => {
      const before = knownIds();
      const handshake = await openSocket(urlWith(stack, stack.issuer.mint({ username: "fragmenter" })));
      if (!handshake.opened) throw new Error(`refused with ${handshake.status}`);
      const connectionId = newestConnectionId(before);
      const serverSide = stack.gateway.openConnections
        .all()
        .find((connection) => connection.facts.connectionId === connectionId);
      if (serverSide === undefined) throw new Error("the gateway does not know the connection");
      // ws keeps the TCP socket under a WebSocket as _socket: the bytes the gateway has read on this connection.
      const bytesRead = () => (serverSide.socket as unknown as { _socket: Socket })._socket.bytesRead;
      const readBefore = bytesRead();
      const fragment = '{"action":"half';
      handshake.ws.send(fragment, { fin: false });
      // A ping may come between fragments, and TCP keeps order: its pong proves the gateway has read the fragment.
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no pong within 5 s")), 5_000);
        handshake.ws.once("pong", () => {
          clearTimeout(timer);
          resolve();
        });
        handshake.ws.ping();
      });
      expect(bytesRead() - readBefore, "the gateway read the fragment (and the ping)").to.be.at.least(
        fragment.length + 6,
      );
      handshake.ws.terminate();
      ledger.tally.faultsInjected += 1;
      await eventually(
        () => disconnectsOf(stack, connectionId).length === 1,
        5_000,
        "$disconnect for the vanished client",
      );
      expect(
        stack.invocations.filter((call) => call.functionName === "message" && String(call.event.body).includes("half")),
        "the partial message reached no handler",
      ).to.have.length(0);
    });

    it("still serves a new client afterwards", async () => {
      const handshake = await openSocket(urlWith(stack, stack.issuer.mint({ username: "after" })));
      if (!handshake.opened) throw new Error(`refused with ${handshake.status}`);
      const reply = nextMessage(handshake.ws);
      handshake.ws.send('{"action":"ping"}');
      expect(await reply).to.include({ type: "reply", action: "ping" });
      await closeAll([handshake.ws]);
    });
  });

  describe("Lambdas that throw, hang or return junk", () => {
    let dist: string;
    const stacks: RunningStack[] = [];
    before(() => {
      dist = makeDistWithMisbehavingZips();
    });
    after(async () => {
      await Promise.all(stacks.map((stack) => stack.close()));
      if (dist) removeDir(dist);
    });

    /** Fire `count` handshakes at once; every one must get `status` in bounded time, and the gateway must answer after. */
    async function expectHandshakes(
      stack: RunningStack,
      count: number,
      status: number,
      boundMs: number,
    ): Promise<void> {
      const started = performance.now();
      const outcomes = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          openSocket(urlWith(stack, stack.issuer.mint({ username: `u${i}` })), { timeoutMs: 30_000 }),
        ),
      );
      const elapsed = performance.now() - started;
      ledger.tally.faultsInjected += count;
      ledger.tally.casesTried += count;
      const opened = outcomes.filter((outcome) => outcome.opened);
      ledger.tally.allowsOfBadInput += opened.length;
      await closeAll(opened.map((outcome) => (outcome as { ws: WebSocket }).ws));
      expect(outcomes.map((outcome) => (outcome.opened ? "open" : outcome.status))).to.deep.equal(
        Array(count).fill(status),
      );
      expect(elapsed).to.be.below(boundMs);
      const probe = await fetch(`http://127.0.0.1:${stack.gateway.port}/${stack.gateway.options.config.stage}`, {
        signal: AbortSignal.timeout(5_000),
      });
      expect(probe.status, "the gateway still answers").to.equal(426);
    }

    for (const [authoriser, status, what] of [
      ["failing-authoriser", 500, "throws"],
      ["junk-authoriser", 403, "returns a policy without a string principalId"],
      ["junk", 500, "returns a string instead of a policy"],
      ["hangs", 500, "hangs past its timeout"],
      ["unscoped-authoriser", 403, "allows a different route's ARN"],
    ] as Array<[string, number, string]>) {
      it(`answers ${status} to every handshake when the authoriser ${what}, and stays up`, async () => {
        const stack = await startStack({
          api: makeApiWith({ authoriserFunction: authoriser }),
          distDir: dist,
          lambdaTimeoutMs: 1_000,
        });
        stacks.push(stack);
        await expectHandshakes(stack, 20, status, 15_000);
      });
    }

    it("answers Internal server error for a route Lambda that throws or hangs, ignores junk, and keeps every connection", async () => {
      // 5 s: a new container's first invocation took over 2 s at a load average of 7 (ten junk containers start
      // at once), and junk must not time out, or its answer is the timeout's.
      const stack = await startStack({
        api: makeApiWith({ routes: { boom: "throws", stall: "hangs", junk: "junk" } }),
        distDir: dist,
        lambdaTimeoutMs: 5_000,
      });
      stacks.push(stack);
      const clients = await Promise.all(
        Array.from({ length: 30 }, async (_, i) => {
          // Thirty at once start up to ten authoriser and ten connect containers: cold starts on a busy machine.
          const handshake = await openSocket(urlWith(stack, stack.issuer.mint({ username: `r${i}` })), {
            timeoutMs: 30_000,
          });
          if (!handshake.opened) throw new Error(`refused with ${handshake.status}`);
          return handshake.ws;
        }),
      );
      const actions = ["boom", "stall", "junk"] as const;
      const answers = await Promise.all(
        clients.map(async (ws, i) => {
          const action = actions[i % 3] as (typeof actions)[number];
          // Junk gets no answer at all: wait past the 5 s Lambda timeout for anything that would come. The others
          // wait longer: each concurrent message starts its own container, a cold start on a busy machine.
          const next = nextMessage(ws, action === "junk" ? 7_000 : 30_000).catch(() => undefined);
          ws.send(JSON.stringify({ action }));
          ledger.tally.faultsInjected += 1;
          return { action, answer: await next };
        }),
      );
      for (const { action, answer } of answers) {
        if (action === "junk") expect(answer, "junk is ignored, as without a route response").to.equal(undefined);
        else expect(answer).to.include({ message: "Internal server error" });
      }
      const pings = await Promise.all(clients.map((ws) => request(ws, '{"action":"ping"}', 10_000)));
      for (const reply of pings) expect(reply).to.include({ type: "reply", action: "ping" });
      expect(clients.every((ws) => ws.readyState === WebSocket.OPEN)).to.equal(true);
      await closeAll(clients);
    });
  });
});
