// The direct path end to end: the built revoke zip in the local Lambda host, the local gateway's Management API,
// real WebSockets and moto's DynamoDB, among many other users' open connections.
import { expect } from "chai";
import type { WebSocket } from "ws";
import { closeAll, connect } from "../../local/gateway/support/clients.ts";
import { startTestStack, type TestStack } from "../../local/gateway/support/stack.ts";

/** The local bound of the direct path: every connection of the user closed within this of the invoke. */
const REVOKE_BOUND_MS = 5_000;

interface Watched {
  readonly ws: WebSocket;
  readonly messages: Array<{ at: number; data: Record<string, unknown> }>;
  closedAt: number | undefined;
}

function watch(ws: WebSocket): Watched {
  const watched: Watched = { ws, messages: [], closedAt: undefined };
  ws.on("message", (data: Buffer) =>
    watched.messages.push({ at: Date.now(), data: JSON.parse(data.toString()) as Record<string, unknown> }),
  );
  ws.on("close", () => {
    watched.closedAt = Date.now();
  });
  return watched;
}

function claimsOf(token: string): { sub: string; origin_jti: string } {
  return JSON.parse(Buffer.from(token.split(".")[1] as string, "base64url").toString()) as {
    sub: string;
    origin_jti: string;
  };
}

describe("revoke zip through the local stack: the direct path", function () {
  this.timeout(120_000);
  let stack: TestStack;
  const sockets: WebSocket[] = [];

  before(async () => {
    stack = await startTestStack();
  });

  after(async () => {
    await closeAll(sockets);
    await stack.close();
  });

  async function open(token: string, count: number): Promise<Watched[]> {
    const opened = await Promise.all(Array.from({ length: count }, () => connect(stack.urlWithToken(token))));
    sockets.push(...opened);
    return opened.map(watch);
  }

  const stillOpen = (watched: readonly Watched[]) => watched.filter((client) => client.closedAt === undefined);

  it("closes every connection of a user within the bound, each told `revoked` first, and no one else's", async () => {
    const aliceTokens = [stack.issuer.mint({ username: "alice" }), stack.issuer.mint({ username: "alice" })];
    const alice = [...(await open(aliceTokens[0] as string, 3)), ...(await open(aliceTokens[1] as string, 2))];
    const others: Watched[] = [];
    for (let user = 0; user < 12; user += 1) {
      others.push(...(await open(stack.issuer.mint({ username: `user-${user}` }), 3)));
    }
    const started = Date.now();
    const answer = await stack.hosts.revoke?.invoke({
      sub: claimsOf(aliceTokens[0] as string).sub,
      requestedBy: "test",
    });
    expect(answer).to.deep.equal({ ok: true, value: { closed: 5, gone: 0, failed: 0, more: false } });
    const deadline = started + REVOKE_BOUND_MS;
    while (stillOpen(alice).length > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stillOpen(alice), `alice's connections open ${REVOKE_BOUND_MS} ms after the invoke`).to.deep.equal([]);
    for (const client of alice) {
      expect(client.messages.map((message) => message.data)).to.deep.equal([{ type: "revoked" }]);
      expect(client.messages[0]?.at).to.be.at.most(client.closedAt as number);
    }
    expect(stillOpen(others)).to.have.length(others.length);

    const metrics = stack.logs
      .filter((line) => line.startsWith("[revoke] ") && line.includes('"_aws"'))
      .map((line) => JSON.parse(line.slice("[revoke] ".length)) as Record<string, unknown>);
    expect(metrics, "one EMF line: the closes this revocation made").to.have.length(1);
    expect(metrics[0]).to.deep.include({
      ConnectionsClosed: 5,
      Reason: "revocation",
      ConnectionsTable: stack.registry.tableName,
    });
    expect((metrics[0]?._aws as { CloudWatchMetrics: unknown[] } | undefined)?.CloudWatchMetrics).to.deep.equal([
      {
        Namespace: "WsAuth",
        Dimensions: [["ConnectionsTable", "Reason"]],
        Metrics: [{ Name: "ConnectionsClosed", Unit: "Count" }],
      },
    ]);

    const again = await stack.hosts.revoke?.invoke({ sub: claimsOf(aliceTokens[0] as string).sub });
    expect(again, "a second revoke is a no-op").to.deep.equal({
      ok: true,
      value: { closed: 0, gone: 0, failed: 0, more: false },
    });
    expect(
      stack.logs.filter((line) => line.startsWith("[revoke] ") && line.includes('"_aws"')),
      "and counts nothing",
    ).to.have.length(1);
  });

  it("closes one sign-in session's connections by origin_jti, leaving the same user's other session open", async () => {
    const phone = stack.issuer.mint({ username: "bob" });
    const laptop = stack.issuer.mint({ username: "bob" });
    const phoneClients = await open(phone, 2);
    const laptopClients = await open(laptop, 2);
    const answer = await stack.hosts.revoke?.invoke({ origin_jti: claimsOf(laptop).origin_jti });
    expect(answer).to.deep.equal({ ok: true, value: { closed: 2, gone: 0, failed: 0, more: false } });
    const deadline = Date.now() + REVOKE_BOUND_MS;
    while (stillOpen(laptopClients).length > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stillOpen(laptopClients)).to.deep.equal([]);
    expect(stillOpen(phoneClients)).to.have.length(2);
  });

  it("answers a bad payload with a named error from the zip, not a crash", async () => {
    expect(await stack.hosts.revoke?.invoke({ username: "alice" })).to.deep.include({
      ok: false,
      errorType: "RevokeInputError",
    });
    expect(await stack.hosts.revoke?.invoke("alice")).to.deep.include({ ok: false, errorType: "RevokeInputError" });
  });
});
