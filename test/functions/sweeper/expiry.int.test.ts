// The bound, end to end through the local gateway, the built zips and moto's DynamoDB: an idle connection is closed
// by the first sweep after its token's exp, and that sweep starts within one interval of exp.
import { expect } from "chai";
import type { WebSocket } from "ws";
import { closeAll, connect, eventually } from "../../local/gateway/support/clients.ts";
import { startTestStack, type TestStack } from "../../local/gateway/support/stack.ts";

const INTERVAL_MS = 1000;
/** setInterval's own lateness on a loaded machine. */
const TIMER_SLACK_MS = 500;

interface Watched {
  readonly ws: WebSocket;
  readonly messages: Array<{ at: number; data: Record<string, unknown> }>;
  closedAt: number | undefined;
  closeCode: number | undefined;
}

function watch(ws: WebSocket): Watched {
  const watched: Watched = { ws, messages: [], closedAt: undefined, closeCode: undefined };
  ws.on("message", (data: Buffer) =>
    watched.messages.push({ at: Date.now(), data: JSON.parse(data.toString()) as Record<string, unknown> }),
  );
  ws.on("close", (code) => {
    watched.closedAt = Date.now();
    watched.closeCode = code;
  });
  return watched;
}

describe("sweeper: no connection outlives its token by more than one sweep interval", function () {
  this.timeout(60_000);
  let stack: TestStack;
  const sockets: WebSocket[] = [];

  before(async () => {
    stack = await startTestStack({ env: { SWEEP_INTERVAL_SECONDS: String(INTERVAL_MS / 1000) } });
  });

  after(async () => {
    await closeAll(sockets);
    await stack.close();
  });

  it("closes an idle connection at its exp: warns once, says why, then closes, then forgets it", async () => {
    const token = stack.issuer.mint({ username: "idle", expiresIn: 3 });
    const exp = (JSON.parse(Buffer.from(token.split(".")[1] as string, "base64url").toString()) as { exp: number }).exp;
    const client = watch(await connect(stack.urlWithToken(token)));
    sockets.push(client.ws);
    const connectionId = [...stack.gateway.openConnections.all()][0]?.facts.connectionId as string;
    expect(
      await stack.registry.db.call("GetItem", {
        TableName: stack.registry.tableName,
        Key: { connectionId: { S: connectionId } },
      }),
    ).to.have.property("Item");

    await eventually(() => client.closedAt !== undefined, 10_000, "close by the sweeper");
    const closedAt = client.closedAt as number;
    expect(closedAt, "closed before exp").to.be.at.least(exp * 1000);
    // The sweep that closed it: the first run still going when the close reached the client (the close frame
    // travels while the run removes the item). It may have started a moment before exp by this process's clock.
    await eventually(
      () => (stack.sweeper?.runs ?? []).some((run) => run.endedAt >= closedAt - 100),
      5000,
      "the closing sweep to end",
    );
    const sweep = stack.sweeper?.runs.find((run) => run.endedAt >= closedAt - 100);
    expect(sweep?.startedAt ?? Infinity, "closed by a sweep that started within one interval of exp").to.be.at.most(
      exp * 1000 + INTERVAL_MS + TIMER_SLACK_MS,
    );
    process.stderr.write(
      `      closed ${closedAt - exp * 1000} ms after exp (interval ${INTERVAL_MS} ms, that sweep ran ${(sweep?.endedAt ?? 0) - (sweep?.startedAt ?? 0)} ms)\n`,
    );

    // A 3 s token is inside the default 120 s warning window from the first sweep: warned once, then closed.
    expect(client.messages.map((message) => message.data)).to.deep.equal([
      { type: "reauth_required", exp },
      { type: "error", error: "token_expired", exp },
    ]);
    expect(client.messages[0]?.at, "warned before exp").to.be.below(exp * 1000);
    expect(client.closeCode).to.equal(1000);
    // The metrics, as CloudWatch would read them from each function's log lines: one open, one close by expiry, and
    // no client close from the $disconnect that followed (the sweeper had removed the item first).
    await eventually(() => stack.invocationsOf("disconnect").length > 0, 5000, "$disconnect");
    const emf = stack.logs.flatMap((line): Record<string, unknown>[] => {
      const match = /^\[(\w+)\] (\{"_aws".*)$/.exec(line);
      return match ? [{ from: match[1], ...(JSON.parse(match[2] as string) as Record<string, unknown>) }] : [];
    });
    const total = (name: string, where: Record<string, unknown> = {}) =>
      emf
        .filter((line) => Object.entries(where).every(([key, value]) => line[key] === value))
        .reduce((sum, line) => sum + (typeof line[name] === "number" ? (line[name] as number) : 0), 0);
    expect(total("ConnectionsOpened", { from: "connect" })).to.equal(1);
    expect(total("ConnectionsClosed", { from: "sweeper", Reason: "expiry" })).to.equal(1);
    expect(total("ConnectionsClosed", { Reason: "client" })).to.equal(0);
    expect(total("ReauthWarningsSent", { from: "sweeper" })).to.equal(1);
    expect(emf.filter((line) => line.from === "sweeper" && "ActiveConnections" in line).length).to.be.at.least(1);
    await eventually(() => stack.gateway.openConnections.size === 0, 5000, "gateway forgot the connection");
    const after = await stack.registry.db.call("GetItem", {
      TableName: stack.registry.tableName,
      Key: { connectionId: { S: connectionId } },
      ConsistentRead: true,
    });
    expect(after).to.not.have.property("Item");
  });

  it("leaves a connection whose token is still valid open across sweeps", async () => {
    const client = watch(await connect(stack.urlWithToken(stack.issuer.mint({ username: "valid", expiresIn: 600 }))));
    sockets.push(client.ws);
    const runsBefore = stack.sweeper?.runs.length ?? 0;
    await eventually(() => (stack.sweeper?.runs.length ?? 0) >= runsBefore + 2, 10_000, "two more sweeps");
    expect(client.closedAt).to.equal(undefined);
    expect(client.messages).to.have.length(0);
    // The client's own close: $disconnect finds the item and counts it as a client close.
    const disconnects = stack.invocationsOf("disconnect").length;
    client.ws.close();
    await eventually(() => stack.invocationsOf("disconnect").length > disconnects, 5000, "$disconnect");
    await eventually(
      () => stack.logs.some((line) => line.startsWith('[disconnect] {"_aws"') && line.includes('"Reason":"client"')),
      5000,
      "a client close in the metrics",
    );
  });
});
