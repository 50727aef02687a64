// The client (client/) in Node 22, with its global WebSocket, against the local stack: refresh in place across
// token lifetimes, a refused token given up after the stated limit, a refused refresh, a dropped socket and the
// 2-hour limit (MAX_CONNECTION_SECONDS) survived by reconnects. Token lifetimes are seconds to keep it quick.
import { expect } from "chai";
import { type ClientEvents, type ClientOptions, WsAuthClient } from "../../client/index.ts";
import { parseGatewayConfig } from "../../local/gateway/config.ts";
import { eventually } from "../local/gateway/support/clients.ts";
import { startTestStack, type TestStack } from "../local/gateway/support/stack.ts";

interface Reply {
  type: string;
  received?: { seq?: number };
  error?: string;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A client on the stack with every event recorded; getToken mints from the stack's issuer. */
function makeClient(stack: TestStack, options: Partial<ClientOptions> & { lifetime?: number; user?: () => string }) {
  const events: Array<{ type: keyof ClientEvents<Reply>; event: unknown }> = [];
  let tokens = 0;
  const client = new WsAuthClient<Reply, { action: string; seq: number }>({
    url: stack.gateway.url,
    tokenLocation: "protocol",
    retryBaseMs: 100,
    retryMaxMs: 400,
    getToken: () => {
      tokens += 1;
      return stack.issuer.mint({ username: options.user?.() ?? "alice", expiresIn: options.lifetime ?? 600 });
    },
    ...options,
  });
  for (const type of ["open", "message", "refreshed", "refresh_refused", "close", "error"] as const)
    client.on(type, (event) => events.push({ type, event }));
  const of = <K extends keyof ClientEvents<Reply>>(type: K) =>
    events.filter((entry) => entry.type === type).map((entry) => entry.event as ClientEvents<Reply>[K]);
  const repliedSeqs = () =>
    of("message").flatMap(({ data }) =>
      data.type === "reply" && data.received?.seq !== undefined ? [data.received.seq] : [],
    );
  /** For a failure message: every event but the replies. */
  const story = () =>
    JSON.stringify(
      events.filter((entry) => !(entry.type === "message" && (entry.event as { data: Reply }).data.type === "reply")),
    );
  return { client, of, repliedSeqs, story, tokens: () => tokens };
}

/** The seq of every message the message function received, in order. */
function seqsReceived(stack: TestStack): number[] {
  return stack.invocationsOf("message").flatMap((call) => {
    const body = JSON.parse(String(call.event.body)) as { seq?: number };
    return body.seq === undefined ? [] : [body.seq];
  });
}

describe("the client library against the local stack (client/, Node's WebSocket)", function () {
  this.timeout(90_000);

  describe("on a stack with a one-second sweeper", () => {
    let stack: TestStack;
    before(async () => {
      // No reauth_required here: these tests are about the client's own refresh schedule (warnings: below).
      stack = await startTestStack({
        tokenLocation: "protocol",
        env: { SWEEP_INTERVAL_SECONDS: "1", REAUTH_WARNING_SECONDS: "0" },
      });
    });
    after(async () => {
      await stack?.close();
    });

    it("keeps one connection open across three token lifetimes by refreshing in place, losing no message", async () => {
      const lifetime = 5;
      const { client, of, repliedSeqs, story } = makeClient(stack, { lifetime });
      client.connect();
      await eventually(() => client.state === "open", 10_000, "open");
      const firstExp = client.exp as number;
      let seq = 0;
      while (client.exp !== undefined && client.exp < firstExp + 3 * lifetime && seq < 400) {
        expect(client.send({ action: "hello", seq: seq++ })).to.equal(true);
        await sleep(200);
      }
      await eventually(() => repliedSeqs().length === seq, 10_000, `${seq} replies`).catch((err: Error) => {
        throw new Error(`${err.message}: ${story()}`);
      });
      expect(client.state).to.equal("open");
      client.close();

      expect(of("open"), "one connection").to.have.length(1);
      expect(of("close").map((close) => close.stopped)).to.deep.equal(["closed"]);
      expect(of("refreshed").length, "a refresh per lifetime").to.be.at.least(3);
      expect(repliedSeqs().sort((a, b) => a - b)).to.deep.equal(Array.from({ length: seq }, (_, index) => index));
      expect(stack.invocationsOf("connect"), "never reconnected").to.have.length(1);
      expect(stack.invocationsOf("refresh").filter((call) => call.result.ok).length).to.be.at.least(3);
    });

    it("stops at once when the server refuses a refresh, and asks for no further token", async () => {
      let calls = 0;
      const { client, of, tokens } = makeClient(stack, { user: () => (++calls === 1 ? "alice" : "mallory") });
      const connectsBefore = stack.invocationsOf("connect").length;
      client.connect();
      await eventually(() => client.state === "open", 10_000, "open");
      await client.refresh();
      await eventually(() => client.state === "stopped", 10_000, "stopped");
      await sleep(1000);

      expect(of("refresh_refused")).to.deep.equal([{ reason: "other_user" }]);
      expect(of("close").at(-1)).to.include({ stopped: "refresh_refused", serverError: "refresh_refused" });
      expect(tokens(), "one to connect, one to refresh, none to reconnect").to.equal(2);
      expect(stack.invocationsOf("connect").length - connectsBefore).to.equal(1);
    });

    it("does not refresh ahead of exp with a token no newer than the one it holds", async () => {
      const cached = stack.issuer.mint({ username: "alice", expiresIn: 4 });
      const refreshesBefore = stack.invocationsOf("refresh").length;
      const { client, of } = makeClient(stack, { getToken: () => cached });
      client.connect();
      await eventually(() => client.state === "open", 10_000, "open");
      await eventually(() => of("error").length > 0, 10_000, "the refresh given up");
      client.close();
      expect(String((of("error")[0]?.error as Error | undefined)?.message)).to.include("no newer token");
      expect(of("error")[0]?.during).to.equal("refresh");
      expect(stack.invocationsOf("refresh").length - refreshesBefore, "nothing sent").to.equal(0);
    });

    it("refreshes when the server asks with reauth_required", async () => {
      const { client, of } = makeClient(stack, { lifetime: 600 });
      client.connect();
      await eventually(() => client.state === "open", 10_000, "open");
      const [connection] = [...stack.gateway.openConnections.all()];
      connection?.socket.send(JSON.stringify({ type: "reauth_required", exp: Math.floor(Date.now() / 1000) + 30 }));
      await eventually(() => of("refreshed").length === 1, 10_000, "refreshed");
      client.close();
      expect(stack.invocationsOf("refresh").at(-1)?.result.ok).to.equal(true);
    });

    it("reconnects with a fresh token when the server drops the socket, sending what was queued meanwhile", async () => {
      const { client, of, repliedSeqs, tokens } = makeClient(stack, {});
      client.connect();
      await eventually(() => client.state === "open", 10_000, "open");
      expect(client.send({ action: "hello", seq: 1 })).to.equal(true);
      await eventually(() => repliedSeqs().includes(1), 10_000, "first reply");
      for (const connection of stack.gateway.openConnections.all()) connection.socket.terminate();
      await eventually(() => of("close").length === 1, 10_000, "close seen");
      expect(client.state).to.equal("connecting");
      expect(client.send({ action: "hello", seq: 2 }), "queued while reconnecting").to.equal(true);
      await eventually(() => repliedSeqs().includes(2), 10_000, "queued message replied");
      client.close();

      const [drop] = of("close");
      expect(drop).to.include({ code: 1006, opened: true });
      expect(drop?.retryInMs).to.be.a("number");
      expect(of("open").map((open) => open.connections)).to.deep.equal([1, 2]);
      expect(tokens(), "a fresh token for the reconnect").to.equal(2);
    });
  });

  describe("with a token the authoriser refuses", () => {
    let stack: TestStack;
    before(async () => {
      stack = await startTestStack({ tokenLocation: "protocol" });
    });
    after(async () => {
      await stack?.close();
    });

    it("tries maxFailedOpens times, each with a fresh token, then stops and stays stopped", async () => {
      const { client, of, tokens } = makeClient(stack, { lifetime: -60, maxFailedOpens: 3 });
      client.connect();
      await eventually(() => client.state === "stopped", 20_000, "stopped");
      await sleep(1500);

      expect(tokens()).to.equal(3);
      expect(stack.invocationsOf("authoriser")).to.have.length(3);
      expect(of("open")).to.have.length(0);
      const closes = of("close");
      expect(closes.map((close) => close.opened)).to.deep.equal([false, false, false]);
      expect(closes.at(-1)?.stopped).to.equal("cannot_open");
      expect(client.send({ action: "hello", seq: 0 }), "nothing is queued once stopped").to.equal(false);
    });
  });

  describe("with MAX_CONNECTION_SECONDS=4 standing in for API Gateway's 2-hour limit", () => {
    let stack: TestStack;
    before(async () => {
      const { maxDurationMs } = parseGatewayConfig({ MAX_CONNECTION_SECONDS: "4" });
      stack = await startTestStack({ tokenLocation: "query", config: { maxDurationMs } });
    });
    after(async () => {
      await stack?.close();
    });

    it("reconnects ahead of the limit it is told, and every message sent reaches the server", async () => {
      const { client, of } = makeClient(stack, { tokenLocation: "query", maxConnectionSeconds: 4 });
      client.connect();
      await eventually(() => client.state === "open", 10_000, "open");
      let seq = 0;
      while (of("open").length < 3 && seq < 200) {
        expect(client.send({ action: "hello", seq: seq++ })).to.equal(true);
        await sleep(100);
      }
      await eventually(() => seqsReceived(stack).length === seq, 10_000, `${seq} messages at the server`);
      client.close();

      expect(seqsReceived(stack).sort((a, b) => a - b)).to.deep.equal(Array.from({ length: seq }, (_, index) => index));
      expect(of("close").slice(0, 2), "closed by the client ahead of the limit").to.deep.equal([
        { code: 1000, reason: "max_duration", opened: true, retryInMs: 0 },
        { code: 1000, reason: "max_duration", opened: true, retryInMs: 0 },
      ]);
    });

    it("reconnects when the gateway closes at a limit it was not told (1001 Going away)", async () => {
      const { client, of } = makeClient(stack, { tokenLocation: "query" });
      client.connect();
      await eventually(() => of("open").length === 2, 15_000, "reopened");
      client.close();
      expect(of("close")[0]).to.include({ code: 1001, opened: true });
      expect(of("close")[0]?.retryInMs).to.be.a("number");
    });
  });

  describe("on a stack whose sweeper warns 2 s before exp", () => {
    let stack: TestStack;
    before(async () => {
      stack = await startTestStack({
        tokenLocation: "protocol",
        env: { SWEEP_INTERVAL_SECONDS: "1", REAUTH_WARNING_SECONDS: "2" },
      });
    });
    after(async () => {
      await stack?.close();
    });

    it("refreshes on each reauth_required the sweeper sends, and stays open past three token lifetimes", async () => {
      const lifetime = 4;
      // autoRefresh off: the sweeper's warning is the only thing that makes this client refresh.
      const { client, of, story } = makeClient(stack, { lifetime, autoRefresh: false });
      client.connect();
      await eventually(() => client.state === "open", 10_000, "open");
      const firstExp = client.exp as number;
      await eventually(() => (client.exp ?? 0) >= firstExp + 3 * lifetime, 30_000, "three refreshes").catch(
        (err: Error) => {
          throw new Error(`${err.message}: ${story()}`);
        },
      );
      expect(client.state).to.equal("open");
      client.close();

      const control = of("message").map(({ data }) => data as { type: string; exp?: number; error?: string });
      const warnings = control.filter((data) => data.type === "reauth_required");
      const refreshed = of("refreshed").map((event) => event.exp);
      expect(refreshed.length, story()).to.be.at.least(3);
      // Each exp the client held was warned exactly once, and each warning was answered by a refresh past it.
      const warnedExps = warnings.map((data) => data.exp as number);
      expect(new Set(warnedExps).size, "once per exp").to.equal(warnedExps.length);
      expect(warnedExps.slice(0, 3)).to.deep.equal([firstExp, ...refreshed.slice(0, 2)]);
      for (const [i, exp] of refreshed.entries()) expect(exp).to.be.above(warnedExps[i] as number);
      expect(
        control.filter((data) => data.type === "error"),
        "never told token_expired",
      ).to.deep.equal([]);
      expect(of("open"), "one connection").to.have.length(1);
      expect(of("close").map((close) => close.stopped)).to.deep.equal(["closed"]);
      expect(stack.invocationsOf("connect"), "never reconnected").to.have.length(1);
    });
  });
});
