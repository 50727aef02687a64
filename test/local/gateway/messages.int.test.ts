import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from "@aws-sdk/client-apigatewaymanagementapi";
import { expect } from "chai";
import type { WebSocket } from "ws";
import { closeAll, closed, connect, eventually, nextMessage, request } from "./support/clients.ts";
import { startTestStack, type TestStack } from "./support/stack.ts";

describe("gateway messages", () => {
  let stack: TestStack;
  let management: ApiGatewayManagementApiClient;

  before(async () => {
    stack = await startTestStack();
    management = new ApiGatewayManagementApiClient({
      endpoint: stack.gateway.managementEndpoint,
      region: "eu-west-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    });
  });
  after(async () => {
    management?.destroy();
    await stack?.close();
  });

  async function connectAs(
    username: string,
    groups: string[] = [],
    expiresIn = 3600,
  ): Promise<{ ws: WebSocket; connectionId: string }> {
    const ws = await connect(stack.urlWithToken(stack.issuer.mint({ username, groups, expiresIn })));
    const event = stack.invocationsOf("connect").at(-1)?.event as { requestContext: { connectionId: string } };
    return { ws, connectionId: event.requestContext.connectionId };
  }

  it("replies to a message with the caller's username, sub and groups", async () => {
    const { ws } = await connectAs("alice", ["admins", "editors"]);
    try {
      ws.send(JSON.stringify({ action: "hello", text: "hi" }));
      const reply = await nextMessage(ws);
      expect(reply).to.deep.equal({
        type: "reply",
        from: { username: "alice", sub: stack.issuer.subFor("alice"), groups: ["admins", "editors"] },
        action: "hello",
        received: { action: "hello", text: "hi" },
      });
    } finally {
      await closeAll([ws]);
    }
  });

  it("routes an action without its own route to $default, with the authoriser's context as strings", async () => {
    const { ws } = await connectAs("dora", ["x"]);
    try {
      ws.send('{"action":"sendmessage"}');
      await nextMessage(ws);
      const sentBy = (call: { event: Record<string, any> }): boolean => call.event.body === '{"action":"sendmessage"}';
      await eventually(() => stack.invocationsOf("message").some(sentBy), 5000, "message invocation recorded");
      const event = stack.invocationsOf("message").find(sentBy)?.event as {
        body: string;
        requestContext: Record<string, any>;
      };
      expect(event.requestContext).to.include({ routeKey: "$default", eventType: "MESSAGE", messageDirection: "IN" });
      expect(event.requestContext).to.have.property("messageId");
      const authorizer = event.requestContext.authorizer as Record<string, unknown>;
      expect(authorizer).to.include({
        principalId: stack.issuer.subFor("dora"),
        username: "dora",
        groups: '["x"]',
        token_use: "id",
      });
      expect(authorizer.exp).to.be.a("string").and.match(/^\d+$/);
      expect(authorizer.integrationLatency).to.be.a("number");
    } finally {
      await closeAll([ws]);
    }
  });

  it("passes a frame that is not JSON to $default as text", async () => {
    const { ws } = await connectAs("erin");
    try {
      ws.send("just words");
      expect(await nextMessage(ws)).to.include({ action: "$default", received: "just words" });
    } finally {
      await closeAll([ws]);
    }
  });

  it("answers JSON nested too deep to echo (60,000 `[`, under 128 KB) with a clear error, and keeps the connection", async () => {
    const { ws } = await connectAs("nester");
    try {
      const deep = Buffer.from(`${"[".repeat(60_000)}${"]".repeat(60_000)}`);
      // In 30 KB fragments: API Gateway refuses frames over 32 KB.
      for (let at = 0; at < deep.length; at += 30_000)
        ws.send(deep.subarray(at, at + 30_000), { binary: false, fin: at + 30_000 >= deep.length });
      expect(await nextMessage(ws)).to.deep.equal({ type: "error", error: "cannot_echo", reason: "too_deeply_nested" });
      ws.send('{"action":"after"}');
      expect(await nextMessage(ws)).to.include({ type: "reply", action: "after" });
    } finally {
      await closeAll([ws]);
    }
  });

  it("refuses a message after the token expired: tells the client why, then closes the connection", async function () {
    this.timeout(10_000);
    const { ws } = await connectAs("frank", [], 2);
    const event = stack.invocationsOf("connect").at(-1)?.event as
      | { requestContext: { authorizer: { exp: string } } }
      | undefined;
    const exp = Number(event?.requestContext.authorizer.exp);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, exp * 1000 - Date.now()) + 200));
    const closing = closed(ws);
    ws.send('{"action":"late"}');
    expect(await nextMessage(ws)).to.deep.equal({ type: "error", error: "token_expired" });
    expect((await closing).code).to.equal(1000);
  });

  it("invokes $disconnect with the close code and the caller's identity when the client closes", async () => {
    const { ws, connectionId } = await connectAs("gina");
    ws.close(4000, "bye");
    await eventually(
      () =>
        stack
          .invocationsOf("disconnect")
          .some((call) => (call.event as any).requestContext.connectionId === connectionId),
      5000,
      "$disconnect invoked",
    );
    const event = stack
      .invocationsOf("disconnect")
      .find((call) => (call.event as any).requestContext.connectionId === connectionId)?.event as any;
    expect(event.requestContext).to.include({
      routeKey: "$disconnect",
      eventType: "DISCONNECT",
      disconnectStatusCode: 4000,
      disconnectReason: "bye",
    });
    expect(event.requestContext.authorizer.username).to.equal("gina");
    expect(stack.gateway.openConnections.get(connectionId)).to.equal(undefined);
  });

  it("delivers PostToConnection from the Management API client to the connection, unchanged", async () => {
    const { ws, connectionId } = await connectAs("hank");
    try {
      const message = nextMessage(ws);
      await management.send(
        new PostToConnectionCommand({ ConnectionId: connectionId, Data: '{"pushed":"from the server","n":1}' }),
      );
      expect(await message).to.deep.equal({ pushed: "from the server", n: 1 });
    } finally {
      await closeAll([ws]);
    }
  });

  it("answers GetConnection with when the connection opened and who is on it", async () => {
    const { ws, connectionId } = await connectAs("ivy");
    try {
      const info = await management.send(new GetConnectionCommand({ ConnectionId: connectionId }));
      expect(info.ConnectedAt).to.be.instanceOf(Date);
      expect(info.Identity?.SourceIp).to.equal("127.0.0.1");
      expect(info.LastActiveAt).to.be.instanceOf(Date);
    } finally {
      await closeAll([ws]);
    }
  });

  it("closes the connection on DeleteConnection, and then answers 410 Gone for it", async () => {
    const { ws, connectionId } = await connectAs("jay");
    const closing = closed(ws);
    await management.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    await closing;
    const error = await management
      .send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: "x" }))
      .catch((err: unknown) => err);
    expect(error).to.be.instanceOf(GoneException);
  });

  it("answers 410 Gone for a connection id it never had", async () => {
    const error = await management
      .send(new PostToConnectionCommand({ ConnectionId: "Tm9TdWNoQ29ubg=", Data: "x" }))
      .catch((err: unknown) => err);
    expect(error).to.be.instanceOf(GoneException);
  });

  it("gives 100 clients connected at once each their own reply", async function () {
    this.timeout(60_000);
    const clients = 100;
    const started = performance.now();
    const sockets = await Promise.all(
      Array.from({ length: clients }, (_, i) =>
        connect(stack.urlWithToken(stack.issuer.mint({ username: `user-${i}`, groups: [`g${i}`] }))),
      ),
    );
    const connectedMs = performance.now() - started;
    try {
      // Past the local process cap (LAMBDA_CONCURRENCY) a message waits for a free container, as unreserved.
      const replies = await Promise.all(
        sockets.map((ws, i) => request(ws, JSON.stringify({ action: "hello", n: i }), 30_000)),
      );
      const totalMs = performance.now() - started;
      replies.forEach((reply, i) => {
        expect(reply.from, `client ${i}`).to.deep.include({ username: `user-${i}`, groups: [`g${i}`] });
        expect(reply.received, `client ${i}`).to.deep.equal({ action: "hello", n: i });
      });
      console.log(
        `      100 clients: all connected in ${connectedMs.toFixed(0)} ms, all replied in ${totalMs.toFixed(0)} ms`,
      );
    } finally {
      await closeAll(sockets);
    }
    await eventually(() => stack.gateway.openConnections.size === 0, 10_000, "every connection closed");
  });
});
