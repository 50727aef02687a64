import { expect } from "chai";
import net, { type AddressInfo, createServer, type Server, Socket } from "node:net";
import sinon from "sinon";
import { exchange, Http1Failure } from "../../../functions/shared/http1.ts";

// The socket pool of http1.ts against a scripted loopback server: which socket each request goes out on, when one
// is reused, dropped or handed to a waiting request. A fresh server per test gives each test its own pool.

const OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";

interface Connection {
  readonly socket: Socket;
  readonly requests: string[];
  closed: boolean;
}

interface Scripted {
  readonly server: Server;
  readonly origin: URL;
  readonly connections: Connection[];
  /** The most connections open at once. */
  maxOpen: number;
  /** How the server answers a request (by default, 200 with "hi"). */
  reply: (connection: Connection, request: string) => void;
}

async function scriptedServer(host = "127.0.0.1"): Promise<Scripted> {
  let open = 0;
  const scripted: Scripted = {
    server: createServer((socket) => {
      const connection: Connection = { socket, requests: [], closed: false };
      scripted.connections.push(connection);
      open += 1;
      scripted.maxOpen = Math.max(scripted.maxOpen, open);
      socket.on("error", () => undefined);
      socket.on("close", () => {
        open -= 1;
        connection.closed = true;
      });
      let pending = "";
      socket.on("data", (data: Buffer) => {
        pending += data.toString("latin1");
        for (let end = pending.indexOf("\r\n\r\n"); end >= 0; end = pending.indexOf("\r\n\r\n")) {
          const size = end + 4 + Number(/content-length: (\d+)/.exec(pending.slice(0, end))?.[1] ?? 0);
          if (pending.length < size) return;
          const request = pending.slice(0, size);
          pending = pending.slice(size);
          connection.requests.push(request);
          scripted.reply(connection, request);
        }
      });
    }),
    origin: new URL("http://127.0.0.1"),
    connections: [],
    maxOpen: 0,
    reply: (connection) => connection.socket.write(OK),
  };
  await new Promise<void>((resolve) => scripted.server.listen(0, host, resolve));
  const { port } = scripted.server.address() as AddressInfo;
  return Object.assign(scripted, { origin: new URL(`http://${host.includes(":") ? `[${host}]` : host}:${port}`) });
}

async function stop(scripted: Scripted): Promise<void> {
  for (const { socket } of scripted.connections) socket.destroy();
  await new Promise((resolve) => scripted.server.close(resolve));
}

const send = (to: Scripted, maxSockets: number, deadlineMs = 5_000) =>
  exchange({
    origin: to.origin,
    method: "POST",
    path: "/p",
    headers: { host: to.origin.host, "content-length": "0" },
    body: "",
    maxSockets,
    deadlineMs,
    maxAnswerBytes: 100,
  });

const failureOf = (pending: Promise<unknown>): Promise<Http1Failure> =>
  pending.then(
    () => expect.fail("expected an Http1Failure"),
    (err: unknown) => {
      expect(err).to.be.instanceOf(Http1Failure);
      return err as Http1Failure;
    },
  );

/** Waits for something the other end of a socket does (a close), polling; fails after `withinMs`. */
async function until(what: string, done: () => boolean, withinMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!done()) {
    if (Date.now() - start > withinMs) expect.fail(`not within ${withinMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("HTTP/1.1 client (http1.ts): the socket pool, against a scripted server", () => {
  let server: Scripted;
  beforeEach(async () => {
    server = await scriptedServer();
  });
  afterEach(() => stop(server));

  it("sends the request line, the headers in their order and the body, byte for byte", async () => {
    await exchange({
      origin: server.origin,
      method: "POST",
      path: "/a/b?c=d%20e",
      headers: { host: server.origin.host, "content-length": "2", "x-amz-date": "20261202T000000Z" },
      body: "{}",
      maxSockets: 1,
      deadlineMs: 5_000,
      maxAnswerBytes: 0,
    });
    expect(server.connections[0]?.requests).to.deep.equal([
      `POST /a/b?c=d%20e HTTP/1.1\r\nhost: ${server.origin.host}\r\ncontent-length: 2\r\nx-amz-date: 20261202T000000Z\r\n\r\n{}`,
    ]);
  });

  it("reuses an idle socket for request after request", async () => {
    for (let i = 0; i < 3; i += 1) expect((await send(server, 1)).body.toString()).to.equal("hi");
    expect(server.connections).to.have.length(1);
    expect(server.connections[0]?.requests).to.have.length(3);
  });

  it("hands a freed socket to the requests waiting for it, one at a time", async () => {
    const answers = await Promise.all([send(server, 1), send(server, 1), send(server, 1)]);
    expect(answers.map((answer) => answer.body.toString())).to.deep.equal(["hi", "hi", "hi"]);
    expect(server.connections).to.have.length(1);
    expect(server.connections[0]?.requests).to.have.length(3);
  });

  it("opens its sockets with Nagle's algorithm off, and keeps an idle one from holding the process open", async () => {
    const connect = sinon.spy(net, "connect");
    const unref = sinon.spy(Socket.prototype, "unref");
    try {
      await send(server, 1);
      expect(connect.callCount).to.equal(1);
      expect(connect.firstCall.args[0]).to.include({ noDelay: true });
      const port = Number(server.origin.port);
      expect(unref.thisValues.filter((socket: Socket) => socket.remotePort === port)).to.have.length(1);
    } finally {
      connect.restore();
      unref.restore();
    }
  });

  it("leaves no deadline timer behind once a request settles, answered or failed", async () => {
    const clock = sinon.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      await send(server, 1);
      expect(clock.countTimers()).to.equal(0);
      server.reply = ({ socket }) => socket.write("HTTP/1.0 200 OK\r\n\r\n");
      expect(await failureOf(send(server, 1))).to.include({ code: "BAD_ANSWER_STATUS" });
      expect(clock.countTimers()).to.equal(0);
    } finally {
      clock.restore();
    }
  });

  it("opens at most maxSockets at once, and answers every queued request", async () => {
    server.reply = (connection) => setTimeout(() => connection.socket.write(OK), 5);
    const answers = await Promise.all([1, 2, 3, 4, 5, 6].map(() => send(server, 2)));
    expect(answers.map((answer) => answer.status)).to.deep.equal([200, 200, 200, 200, 200, 200]);
    expect(server.maxOpen).to.equal(2);
    expect(server.connections).to.have.length(2);
  });

  it("opens a socket for a waiting request when one closes", async () => {
    server.reply = ({ socket }) => socket.end("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi");
    const answers = await Promise.all([send(server, 1), send(server, 1), send(server, 1)]);
    expect(answers.map((answer) => answer.status)).to.deep.equal([200, 200, 200]);
    expect(server.connections.map((connection) => connection.requests.length)).to.deep.equal([1, 1, 1]);
  });

  it("closes a socket after Connection: close, even one the service leaves open, and opens another", async () => {
    server.reply = ({ socket }) => socket.write("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi");
    await send(server, 1);
    await until("the client closes the socket", () => server.connections[0]?.closed === true);
    server.reply = ({ socket }) => socket.write(OK);
    expect((await send(server, 1)).body.toString()).to.equal("hi");
    expect(server.connections).to.have.length(2);
  });

  it("closes a socket with bytes left after the answer, and reads the next answer from a new one", async () => {
    server.reply = ({ socket }) => socket.write(`${OK}HTTP/1.1 500 Stale\r\nContent-Length: 0\r\n\r\n`);
    expect((await send(server, 1)).status).to.equal(200);
    await until("the client closes the socket", () => server.connections[0]?.closed === true);
    server.reply = ({ socket }) => socket.write("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
    expect((await send(server, 1)).status).to.equal(201);
    expect(server.connections).to.have.length(2);
  });

  it("drops an idle socket the service talks on", async () => {
    await send(server, 1);
    server.connections[0]?.socket.write("HTTP/1.1 200 OK\r\n");
    await until("the client closes the socket", () => server.connections[0]?.closed === true);
    expect((await send(server, 1)).body.toString()).to.equal("hi");
    expect(server.connections).to.have.length(2);
  });

  it("drops an idle socket the service ends or resets, and the next request opens another", async () => {
    await send(server, 1);
    server.connections[0]?.socket.end();
    await until("the first socket closes", () => server.connections[0]?.closed === true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await send(server, 1)).body.toString()).to.equal("hi");
    server.connections[1]?.socket.resetAndDestroy();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await send(server, 1)).body.toString()).to.equal("hi");
    expect(server.connections).to.have.length(3);
  });

  it("drops only the idle socket the service ends, and reuses the other idle one", async () => {
    server.reply = (connection) => setTimeout(() => connection.socket.write(OK), 5);
    await Promise.all([send(server, 2), send(server, 2)]);
    expect(server.connections).to.have.length(2);
    server.connections[0]?.socket.end();
    await until("the first socket closes", () => server.connections[0]?.closed === true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await send(server, 2)).body.toString()).to.equal("hi");
    expect(server.connections).to.have.length(2);
    expect(server.connections[1]?.requests).to.have.length(2);
  });

  it("drops an idle socket a second before the service's stated idle timeout (at once for timeout=1)", async () => {
    server.reply = ({ socket }) =>
      socket.write("HTTP/1.1 200 OK\r\nKeep-Alive: timeout=1\r\nContent-Length: 2\r\n\r\nhi");
    await send(server, 1);
    await until("the client closes the idle socket", () => server.connections[0]?.closed === true, 1_500);
    server.reply = ({ socket }) =>
      socket.write("HTTP/1.1 200 OK\r\nKeep-Alive: timeout=3\r\nContent-Length: 2\r\n\r\nhi");
    await send(server, 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await send(server, 1);
    expect(server.connections).to.have.length(2);
    expect(server.connections[1]?.requests).to.have.length(2);
  });

  it("keeps a pool per origin: an idle socket to one service is never used for another", async () => {
    const other = await scriptedServer();
    try {
      await send(server, 1);
      await send(other, 1);
      expect(server.connections[0]?.requests).to.have.length(1);
      expect(other.connections[0]?.requests).to.have.length(1);
    } finally {
      await stop(other);
    }
  });

  it("connects to an IPv6 address given in brackets", async () => {
    const v6 = await scriptedServer("::1");
    try {
      expect((await send(v6, 1)).body.toString()).to.equal("hi");
      expect(v6.connections[0]?.requests[0]).to.match(/^POST \/p HTTP\/1\.1\r\nhost: \[::1\]:\d+\r\n/);
    } finally {
      await stop(v6);
    }
  });

  it("fails at the deadline as reached, closes the socket, and frees its place for a waiting request", async () => {
    server.reply = (connection) => {
      if (connection !== server.connections[0]) connection.socket.write(OK);
    };
    const late = failureOf(send(server, 1, 100));
    const waiting = send(server, 1);
    const lateFailure = await late;
    expect(lateFailure).to.include({ code: "DEADLINE", reached: true });
    expect(lateFailure).to.not.have.property("cause");
    expect((await waiting).body.toString()).to.equal("hi");
    await until("the late request's socket closes", () => server.connections[0]?.closed === true);
    expect(server.connections).to.have.length(2);
  });

  it("takes a request that times out waiting for a socket off the queue, sending nothing for it", async () => {
    server.reply = ({ socket }) => setTimeout(() => socket.write(OK), 150);
    const first = send(server, 1);
    expect(await failureOf(send(server, 1, 50))).to.include({ code: "DEADLINE", reached: false });
    await first;
    server.reply = ({ socket }) => socket.write(OK);
    expect((await send(server, 1, 2_000)).body.toString()).to.equal("hi");
    expect(server.connections).to.have.length(1);
    expect(server.connections[0]?.requests).to.have.length(2);
  });

  it("fails a refused connection with Node's code, as never having reached the service", async () => {
    const closed = await scriptedServer();
    await stop(closed);
    const failure = await failureOf(send(closed, 1));
    expect(failure).to.include({ code: "ECONNREFUSED", reached: false });
    expect(failure.cause).to.include({ code: "ECONNREFUSED" });
  });

  it("fails as reached when the service cuts a new socket, or resets a reused one, before answering", async () => {
    server.reply = ({ socket }) => socket.end("HTTP/1.1 200 OK\r\n");
    const cut = await failureOf(send(server, 1));
    expect(cut).to.include({ code: "ECONNRESET", reached: true });
    expect(cut.cause).to.include({ code: "ECONNRESET", message: "socket closed before the answer was complete" });
    server.reply = ({ socket }) => socket.write(OK);
    await send(server, 1);
    server.reply = ({ socket }) => socket.resetAndDestroy();
    expect(await failureOf(send(server, 1))).to.include({ code: "ECONNRESET", reached: true });
    expect(server.connections).to.have.length(2);
  });

  it("fails a malformed answer with the parser's code, and closes its socket", async () => {
    server.reply = ({ socket }) => socket.write("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n");
    expect(await failureOf(send(server, 1))).to.include({ code: "BAD_ANSWER_STATUS", reached: true });
    await until("the client closes the socket", () => server.connections[0]?.closed === true);
  });
});
