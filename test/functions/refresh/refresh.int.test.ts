// Refresh over the open socket, end to end: the local gateway routes {"action":"refresh"} to the built refresh zip,
// which verifies with the authoriser's own verifier and writes the new exp to moto's DynamoDB.
import { expect } from "chai";
import { generateKeyPair, SignJWT } from "jose";
import type { WebSocket } from "ws";
import { closeAll, closed, connect, eventually, nextMessage } from "../../local/gateway/support/clients.ts";
import { startTestStack, type TestStack } from "../../local/gateway/support/stack.ts";

function expOf(token: string): number {
  return (JSON.parse(Buffer.from(token.split(".")[1] as string, "base64url").toString()) as { exp: number }).exp;
}

describe("refresh over the open socket", function () {
  this.timeout(60_000);
  let stack: TestStack;
  const sockets: WebSocket[] = [];

  before(async () => {
    stack = await startTestStack({ env: { SWEEP_INTERVAL_SECONDS: "1" } });
  });

  after(async () => {
    await closeAll(sockets);
    await stack.close();
  });

  async function open(username: string, expiresIn = 600): Promise<{ ws: WebSocket; connectionId: string }> {
    const before = new Set([...stack.gateway.openConnections.all()].map((connection) => connection.facts.connectionId));
    const ws = await connect(stack.urlWithToken(stack.issuer.mint({ username, expiresIn })));
    sockets.push(ws);
    const added = [...stack.gateway.openConnections.all()].find(
      (connection) => !before.has(connection.facts.connectionId),
    );
    return { ws, connectionId: added?.facts.connectionId as string };
  }

  async function registryExp(connectionId: string): Promise<number | undefined> {
    const { Item } = await stack.registry.db.call<{ Item?: { exp: { N: string } } }>("GetItem", {
      TableName: stack.registry.tableName,
      Key: { connectionId: { S: connectionId } },
      ConsistentRead: true,
    });
    return Item === undefined ? undefined : Number(Item.exp.N);
  }

  it("extends a connection past its first token's exp: replies with the new exp, and the sweeper and messages follow it", async () => {
    const { ws, connectionId } = await open("carol", 3);
    const fresh = stack.issuer.mint({ username: "carol", expiresIn: 600 });
    ws.send(JSON.stringify({ action: "refresh", token: fresh }));
    expect(await nextMessage(ws)).to.deep.equal({ type: "refreshed", exp: expOf(fresh) });
    expect(await registryExp(connectionId)).to.equal(expOf(fresh));

    // Past the first token's exp, with sweeps in between: still open, and the message handler still serves it.
    const runs = stack.sweeper?.runs.length ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 3500));
    await eventually(() => (stack.sweeper?.runs.length ?? 0) >= runs + 3, 10_000, "three sweeps");
    ws.send(JSON.stringify({ action: "hello" }));
    expect(await nextMessage(ws)).to.deep.include({ type: "reply", action: "hello" });
  });

  it("closes the connection when the new token is another user's, and forgets it", async () => {
    const { ws, connectionId } = await open("alice");
    ws.send(JSON.stringify({ action: "refresh", token: stack.issuer.mint({ username: "bob", expiresIn: 3600 }) }));
    expect(await nextMessage(ws)).to.deep.equal({ type: "error", error: "refresh_refused", reason: "other_user" });
    expect((await closed(ws)).code).to.equal(1000);
    await eventually(
      () =>
        ![...stack.gateway.openConnections.all()].some((connection) => connection.facts.connectionId === connectionId),
      5000,
      "gateway dropped it",
    );
    // $disconnect removes the item once the gateway has seen the close.
    const deadline = Date.now() + 5000;
    while ((await registryExp(connectionId)) !== undefined && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await registryExp(connectionId)).to.equal(undefined);
  });

  it("closes the connection on a forged token (signed by jose with a key the pool never published)", async () => {
    const { ws } = await open("dave");
    const { privateKey } = await generateKeyPair("RS256");
    const claims = stack.issuer.claimsFor({ username: "dave", expiresIn: 3600 });
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: stack.issuer.jwks().keys[0]?.kid as string })
      .sign(privateKey);
    ws.send(JSON.stringify({ action: "refresh", token: forged }));
    expect(await nextMessage(ws)).to.deep.equal({ type: "error", error: "refresh_refused", reason: "invalid" });
    expect((await closed(ws)).code).to.equal(1000);
  });

  it("closes the connection on an expired token of the same user, and on a refresh without a token", async () => {
    const expired = await open("erin");
    expired.ws.send(
      JSON.stringify({ action: "refresh", token: stack.issuer.mint({ username: "erin", expiresIn: -60 }) }),
    );
    expect(await nextMessage(expired.ws)).to.deep.equal({ type: "error", error: "refresh_refused", reason: "expired" });
    await closed(expired.ws);

    const empty = await open("frank");
    empty.ws.send(JSON.stringify({ action: "refresh" }));
    expect(await nextMessage(empty.ws)).to.deep.equal({ type: "error", error: "refresh_refused", reason: "invalid" });
    await closed(empty.ws);
  });

  it("a burst of 200 refreshes over one socket leaves the highest exp, and every reply is consistent with it", async () => {
    const { ws, connectionId } = await open("hana", 300);
    // Distinct expiries in a scrambled order, so that the order they land in is not the order of their exp.
    const tokens = Array.from({ length: 200 }, (_, i) =>
      stack.issuer.mint({ username: "hana", expiresIn: 600 + ((i * 37) % 200) * 5 }),
    );
    const exps = tokens.map(expOf);
    const replies: Array<{ type?: string; exp?: number; message?: string }> = [];
    const all = new Promise<void>((resolve) => {
      ws.on("message", (data) => {
        replies.push(JSON.parse(data.toString()) as (typeof replies)[number]);
        if (replies.length === tokens.length) resolve();
      });
    });
    for (const token of tokens) ws.send(JSON.stringify({ action: "refresh", token }));
    await all;
    ws.removeAllListeners("message");
    // The local host throttles past the function's concurrency (10), as Lambda does: those refreshes never ran.
    const refreshed = replies.filter((reply) => reply.type === "refreshed").map((reply) => reply.exp as number);
    const throttled = replies.filter((reply) => reply.message === "Internal server error");
    expect(refreshed.length + throttled.length).to.equal(tokens.length);
    expect(refreshed.length).to.be.at.least(10);
    // The registry ends on the highest exp any refresh was told, and no reply names one it does not hold.
    const stored = (await registryExp(connectionId)) as number;
    expect(stored).to.equal(Math.max(...refreshed));
    for (const exp of refreshed) expect(exps).to.include(exp);
    // Then the highest token, and after it the lowest: the registry keeps the highest, and says so to both.
    const highest = Math.max(...exps);
    for (const token of [tokens[exps.indexOf(highest)], tokens[exps.indexOf(Math.min(...exps))]]) {
      ws.send(JSON.stringify({ action: "refresh", token }));
      expect(await nextMessage(ws)).to.deep.equal({ type: "refreshed", exp: highest });
    }
    expect(await registryExp(connectionId)).to.equal(highest);
  });

  it("a refresh after the connection's exp closes it: it is never revived", async () => {
    const { ws, connectionId } = await open("ivan", 2);
    const firstExp = (await registryExp(connectionId)) as number;
    await new Promise((resolve) => setTimeout(resolve, 2500));
    ws.send(JSON.stringify({ action: "refresh", token: stack.issuer.mint({ username: "ivan", expiresIn: 3600 }) }));
    // The refresh refuses it, or the sweeper (every second here) closed it first: either way, never refreshed.
    const reply = (await nextMessage(ws).catch(() => undefined)) as { type: string } | undefined;
    expect(reply?.type ?? "none").to.not.equal("refreshed");
    await closed(ws);
    expect([undefined, firstExp]).to.include(await registryExp(connectionId));
  });

  it("a demoted user's groups change at the next refresh, end to end", async () => {
    const ws = await connect(
      stack.urlWithToken(stack.issuer.mint({ username: "judy", groups: ["admin", "ops"], expiresIn: 600 })),
    );
    sockets.push(ws);
    ws.send(JSON.stringify({ action: "whoami" }));
    expect(((await nextMessage(ws)) as { from: { groups: string[] } }).from.groups).to.deep.equal(["admin", "ops"]);
    ws.send(
      JSON.stringify({
        action: "refresh",
        token: stack.issuer.mint({ username: "judy", groups: ["ops"], expiresIn: 900 }),
      }),
    );
    expect(await nextMessage(ws)).to.deep.include({ type: "refreshed" });
    ws.send(JSON.stringify({ action: "whoami" }));
    expect(((await nextMessage(ws)) as { from: { groups: string[] } }).from.groups).to.deep.equal(["ops"]);
  });

  it("never logs the refresh token", async () => {
    const { ws } = await open("gina");
    const fresh = stack.issuer.mint({ username: "gina", expiresIn: 900 });
    ws.send(JSON.stringify({ action: "refresh", token: fresh }));
    await nextMessage(ws);
    const signature = fresh.split(".")[2] as string;
    expect(stack.logs.some((line) => line.includes(fresh) || line.includes(signature))).to.equal(false);
    expect(stack.logs.some((line) => line.includes('"message":"refreshed"'))).to.equal(true);
  });
});
