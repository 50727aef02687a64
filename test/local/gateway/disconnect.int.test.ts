import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { connect as connectTcp, type Socket } from "node:net";
import { MAX_CONNECTION_SECONDS, TTL_ATTRIBUTE } from "../../../functions/shared/registry.ts";
import type { InvokeResult } from "../../../local/lambda/host.ts";
import { closeAll, connect, eventually } from "./support/clients.ts";
import { startTestStack, type TestStack } from "./support/stack.ts";

/** A handshake written by hand, so the test can hang up at any moment of it. */
function sendUpgrade(host: string, port: number, path: string): Socket {
  const socket = connectTcp(port, host);
  socket.on("error", () => undefined);
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  return socket;
}

type Invoke = (event: unknown) => Promise<InvokeResult>;

/** Replaces a host's invoke for one test; returns the way back. */
function wrapInvoke(stack: TestStack, name: string, wrap: (original: Invoke) => Invoke): () => void {
  const host = stack.hosts[name] as unknown as { invoke: Invoke };
  const original = host.invoke.bind(host);
  host.invoke = wrap(original);
  return () => {
    host.invoke = original;
  };
}

async function registryItem(stack: TestStack, connectionId: string): Promise<Record<string, unknown> | undefined> {
  const answer = (await stack.registry.db.call("GetItem", {
    TableName: stack.registry.tableName,
    Key: { connectionId: { S: connectionId } },
    ConsistentRead: true,
  })) as { Item?: Record<string, unknown> };
  return answer.Item;
}

function connectionIdOf(event: unknown): string {
  return (event as { requestContext: { connectionId: string } }).requestContext.connectionId;
}

describe("$disconnect: the local gateway sends it wherever a connection ends, and the registry outlives its loss", () => {
  let stack: TestStack;

  before(async () => {
    stack = await startTestStack({ config: { lambdaTimeoutMs: 5000 } });
  });
  after(async () => {
    await stack?.close();
  });

  it("invokes $disconnect for a client that hangs up during $connect after the connect handler ran", async () => {
    let connectRan!: (connectionId: string) => void;
    const ran = new Promise<string>((resolve) => (connectRan = resolve));
    let clientGone!: () => void;
    const gone = new Promise<void>((resolve) => (clientGone = resolve));
    // The connect handler runs for real; its answer is held back until the client has hung up.
    const restore = wrapInvoke(stack, "connect", (original) => async (event) => {
      const result = await original(event);
      connectRan(connectionIdOf(event));
      await gone;
      return result;
    });
    try {
      const { host, port, stage } = { ...stack.gateway.options.config, port: stack.gateway.port };
      const socket = sendUpgrade(host, port, `/${stage}?auth=${stack.issuer.mint({ username: "leaver" })}`);
      const connectionId = await ran;
      expect(await registryItem(stack, connectionId), "the connect handler wrote the item").to.not.equal(undefined);
      socket.destroy();
      await new Promise((resolve) => setTimeout(resolve, 50));
      clientGone();
      await eventually(
        () => stack.invocationsOf("disconnect").some((call) => connectionIdOf(call.event) === connectionId),
        5000,
        "$disconnect for the connection whose client left during $connect",
      );
      const call = stack.invocationsOf("disconnect").find((c) => connectionIdOf(c.event) === connectionId);
      expect(call?.result.ok).to.equal(true);
      expect((call?.event as any)?.requestContext.authorizer.username).to.equal("leaver");
      expect(await registryItem(stack, connectionId), "$disconnect removed the item").to.equal(undefined);
    } finally {
      clientGone();
      restore();
    }
  });

  it("recovers from a $disconnect that never comes: the sweeper removes the item once the token has expired", async () => {
    // AWS's $disconnect is best effort: here it is lost on the way.
    const restore = wrapInvoke(stack, "disconnect", () => async () => ({ ok: true, value: undefined }));
    try {
      const ws = await connect(stack.urlWithToken(stack.issuer.mint({ username: "lost", expiresIn: 2 })));
      const connectionId = connectionIdOf(stack.invocationsOf("connect").at(-1)?.event);
      await closeAll([ws]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const orphan = await registryItem(stack, connectionId);
      expect(orphan, "with no $disconnect the item stays").to.not.equal(undefined);
      // The TTL bound: the item purges itself an hour after API Gateway's 2-hour cap at the latest.
      const connectedAt = Number((orphan as any).connectedAt.N);
      const purgeAt = Number((orphan as any)[TTL_ATTRIBUTE].N);
      expect(purgeAt).to.be.at.most(Math.ceil(connectedAt / 1000) + MAX_CONNECTION_SECONDS + 3600);
      expect(purgeAt).to.be.greaterThan(Math.floor(connectedAt / 1000));
      const ttl = (await stack.registry.db.call("DescribeTimeToLive", { TableName: stack.registry.tableName })) as {
        TimeToLiveDescription: { TimeToLiveStatus: string; AttributeName: string };
      };
      expect(ttl.TimeToLiveDescription).to.include({ TimeToLiveStatus: "ENABLED", AttributeName: TTL_ATTRIBUTE });
      // The sweeper: once exp has passed, the item of the gone connection is removed.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      await stack.sweeper?.sweepNow();
      expect(await registryItem(stack, connectionId), "the sweeper removed the orphan").to.equal(undefined);
    } finally {
      restore();
    }
  });
});
