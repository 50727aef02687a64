import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { connect as connectTcp, type Socket } from "node:net";
import type { WebSocket } from "ws";
import { closeAll, closed, connect, eventually, nextMessage } from "./support/clients.ts";
import {
  makeDistWithMisbehavingZips,
  makeApiWith,
  removeDir,
  startTestStack,
  type TestStack,
} from "./support/stack.ts";

/** A handshake written by hand, so that the bytes after it can be anything at all. */
function rawUpgrade(host: string, port: number, path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp(port, host);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error("no 101 within 5 s"));
    }, 5000);
    let head = "";
    socket.on("error", reject);
    socket.on("data", function onData(chunk: Buffer) {
      head += chunk.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      clearTimeout(timer);
      socket.off("data", onData);
      if (head.startsWith("HTTP/1.1 101")) resolve(socket);
      else reject(new Error(`handshake refused: ${head.split("\r\n")[0]}`));
    });
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  });
}

/** One message as several frames, as a client must send anything over API Gateway's 32 KB frame limit. */
function sendInFragments(ws: WebSocket, text: string, fragmentBytes: number): void {
  const data = Buffer.from(text);
  for (let at = 0; at < data.length; at += fragmentBytes) {
    ws.send(data.subarray(at, at + fragmentBytes), { binary: false, fin: at + fragmentBytes >= data.length });
  }
}

function socketEnded(socket: Socket, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.destroyed) return resolve();
    const timer = setTimeout(() => reject(new Error("gateway kept the socket open")), timeoutMs);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve();
    });
    socket.resume();
  });
}

describe("gateway robustness", () => {
  let dist: string;
  let stack: TestStack;

  before(async () => {
    dist = makeDistWithMisbehavingZips();
    stack = await startTestStack({
      api: makeApiWith({ routes: { boom: "throws", stall: "hangs", junk: "junk" } }),
      distDir: dist,
      config: { lambdaTimeoutMs: 1000 },
    });
  });
  after(async () => {
    await stack?.close();
    if (dist) removeDir(dist);
  });

  const token = (username = "rob"): string => stack.issuer.mint({ username });

  async function assertStillServing(): Promise<void> {
    const ws = await connect(stack.urlWithToken(token("checker")));
    try {
      ws.send('{"action":"ping"}');
      expect(await nextMessage(ws)).to.include({ type: "reply", action: "ping" });
    } finally {
      await closeAll([ws]);
    }
  }

  it("drops a connection that sends random bytes instead of frames, and keeps serving others", async () => {
    const path = `/${stack.gateway.options.config.stage}?auth=${token()}`;
    for (let round = 0; round < 5; round += 1) {
      const socket = await rawUpgrade("127.0.0.1", stack.gateway.port, path);
      socket.write(randomBytes(4096));
      await socketEnded(socket);
    }
    await assertStillServing();
    await eventually(() => stack.gateway.openConnections.size === 0, 5000, "junk connections removed");
  });

  it("closes with 1009 a single frame over 32 KB, as API Gateway does, and keeps serving others", async () => {
    const ws = await connect(stack.urlWithToken(token()));
    const closing = closed(ws);
    ws.send(JSON.stringify({ action: "big", text: "x".repeat(33 * 1024) }));
    expect(await closing).to.deep.equal({ code: 1009, reason: "Message too big" });
    await assertStillServing();
    const routed = stack.invocationsOf("message").filter((call) => String(call.event.body).length > 32 * 1024);
    expect(routed, "the oversize frame reached no handler").to.have.length(0);
  });

  it("passes a 100 KB message sent in fragments of 32 KB to the handler", async () => {
    const ws = await connect(stack.urlWithToken(token()));
    try {
      const text = "y".repeat(100 * 1024);
      sendInFragments(ws, JSON.stringify({ action: "big", text }), 32 * 1024);
      expect(((await nextMessage(ws)).received as { text: string }).text).to.have.length(text.length);
    } finally {
      await closeAll([ws]);
    }
  });

  it("closes with 1009 a message over 128 KB even when each fragment is within 32 KB", async () => {
    const ws = await connect(stack.urlWithToken(token()));
    const closing = closed(ws);
    sendInFragments(ws, "z".repeat(128 * 1024 + 1), 32 * 1024);
    expect((await closing).code).to.equal(1009);
    await assertStillServing();
  });

  it("closes with 1003 on a binary frame, which API Gateway WebSocket APIs refuse", async () => {
    const ws = await connect(stack.urlWithToken(token()));
    const closing = closed(ws);
    ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect((await closing).code).to.equal(1003);
  });

  it("closes with 1007 a text frame that is not UTF-8", async () => {
    const ws = await connect(stack.urlWithToken(token()));
    const closing = closed(ws);
    ws.send(Buffer.from([0xff, 0xfe, 0xfd]), { binary: false });
    expect((await closing).code).to.equal(1007);
  });

  it("answers Internal server error when a route's Lambda throws, and the connection goes on working", async () => {
    const ws = await connect(stack.urlWithToken(token()));
    try {
      ws.send('{"action":"boom"}');
      const error = await nextMessage(ws);
      expect(error).to.include({ message: "Internal server error" });
      expect(error).to.have.property("connectionId").that.is.a("string");
      ws.send('{"action":"after"}');
      expect(await nextMessage(ws)).to.include({ type: "reply", action: "after" });
    } finally {
      await closeAll([ws]);
    }
  });

  it("times out a Lambda that never returns, while other clients are served meanwhile", async () => {
    const stalled = await connect(stack.urlWithToken(token("stalled")));
    try {
      const started = Date.now();
      const error = nextMessage(stalled, 5000);
      stalled.send('{"action":"stall"}');
      await assertStillServing();
      expect(Date.now() - started).to.be.below(900);
      expect(await error).to.include({ message: "Internal server error" });
      expect(Date.now() - started).to.be.at.least(900);
    } finally {
      await closeAll([stalled]);
    }
  });

  it("ignores a route Lambda's junk return value, as API Gateway does without a route response", async () => {
    const ws = await connect(stack.urlWithToken(token()));
    try {
      ws.send('{"action":"junk"}');
      await eventually(() => stack.invocationsOf("junk").length > 0, 5000, "junk route invoked");
      ws.send('{"action":"next"}');
      expect(await nextMessage(ws)).to.include({ type: "reply", action: "next" });
    } finally {
      await closeAll([ws]);
    }
  });
});

describe("gateway connection limits", () => {
  let stack: TestStack;

  before(async () => {
    stack = await startTestStack({ config: { idleTimeoutMs: 600, maxDurationMs: 1500 } });
  });
  after(async () => {
    await stack?.close();
  });

  it("closes an idle connection with 1001 after the idle timeout and runs $disconnect", async () => {
    const ws = await connect(stack.urlWithToken(stack.issuer.mint({ username: "idle" })));
    const started = Date.now();
    expect((await closed(ws, 3000)).code).to.equal(1001);
    expect(Date.now() - started).to.be.within(500, 1400);
    await eventually(
      () =>
        stack
          .invocationsOf("disconnect")
          .some((call) => (call.event as any).requestContext.authorizer?.username === "idle"),
      3000,
      "$disconnect for the idle connection",
    );
  });

  it("closes a busy connection with 1001 at the maximum duration", async () => {
    const ws = await connect(stack.urlWithToken(stack.issuer.mint({ username: "busy" })));
    const started = Date.now();
    const closing = closed(ws, 4000);
    const ticker = setInterval(() => ws.send('{"action":"tick"}'), 200);
    try {
      expect((await closing).code).to.equal(1001);
    } finally {
      clearInterval(ticker);
    }
    expect(Date.now() - started).to.be.within(1300, 2500);
  });
});
