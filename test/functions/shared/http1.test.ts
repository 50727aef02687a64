import { expect } from "chai";
import { createServer as createHttpServer, request as nodeRequest, type Server, type ServerResponse } from "node:http";
import { type AddressInfo, createServer, type Server as NetServer, type Socket } from "node:net";
import { AnswerParser, exchange, Http1Failure, MAX_HEAD_BYTES } from "../../../functions/shared/http1.ts";

// Our HTTP/1.1 client against node:http's, the oracle: the same raw answers from one socket server to both, the same
// status, headers and body, or both failing; where we are stricter, the difference is written down below.

type Outcome = { ok: true; status: number; headers: Record<string, unknown>; body: string } | { ok: false };

interface Case {
  readonly answer: string;
  /** The server closes the connection after the answer (how an answer without a length ends, or a cut). */
  readonly close?: boolean;
}

const crlf = (...lines: string[]): string => lines.join("\r\n");
const json = '{"ok":true}';

const valid: Record<string, Case> = {
  "a length": { answer: crlf("HTTP/1.1 200 OK", "Content-Type: application/json", "Content-Length: 11", "", json) },
  "chunks with an extension and a trailer": {
    answer: crlf(
      "HTTP/1.1 200 OK",
      "Transfer-Encoding: chunked",
      "",
      "4;name=value",
      '{"ok',
      "7",
      '":true}',
      "0",
      "X-Trailer: t",
      "",
      "",
    ),
  },
  "chunks in upper-case hex, none with a trailer": {
    answer: crlf("HTTP/1.1 200 OK", "Transfer-Encoding: Chunked", "", "B", "0123456789A", "0", "", ""),
  },
  "an empty body by length": { answer: crlf("HTTP/1.1 200 OK", "Content-Length: 0", "", "") },
  "204 with no length": { answer: crlf("HTTP/1.1 204 No Content", "X-A: 1", "", "") },
  "100 Continue, then the answer": {
    answer: crlf("HTTP/1.1 100 Continue", "", "HTTP/1.1 200 OK", "Content-Length: 2", "", "hi"),
  },
  "103 Early Hints with headers, then the answer": {
    answer: crlf("HTTP/1.1 103 Early Hints", "Link: </a>", "", "HTTP/1.1 201 Created", "Content-Length: 2", "", "hi"),
  },
  "no reason phrase after a space": { answer: crlf("HTTP/1.1 200 ", "Content-Length: 2", "", "hi") },
  "white space around values, an empty value": {
    answer: crlf("HTTP/1.1 200 OK", "X-A: \t spaced \t", "X-Empty:", "Content-Length:  2 ", "", "hi"),
  },
  "repeated headers: joined, or the first for a single-value one": {
    answer: crlf(
      "HTTP/1.1 200 OK",
      "X-A: 1",
      "x-a: 2",
      "Content-Type: a",
      "Content-Type: b",
      "Content-Length: 2",
      "",
      "hi",
    ),
  },
  "headers named like Object's own properties": {
    answer: crlf("HTTP/1.1 200 OK", "Constructor: b", "toString: c", "toString: d", "Content-Length: 2", "", "hi"),
  },
  "obs-text in a value": { answer: crlf("HTTP/1.1 200 OK", "X-A: caf\xe9", "Content-Length: 2", "", "hi") },
  "Connection: close with a length": {
    answer: crlf("HTTP/1.1 200 OK", "Connection: close", "Content-Length: 2", "", "hi"),
    close: true,
  },
  "an AWS error answer": {
    answer: crlf(
      "HTTP/1.1 410 Gone",
      "x-amzn-RequestId: r-1",
      "x-amzn-ErrorType: GoneException",
      "Content-Type: application/json",
      "Content-Length: 2",
      "",
      "{}",
    ),
  },
  "upper-case names, leading zeros in the length": { answer: crlf("HTTP/1.1 200 OK", "CONTENT-LENGTH: 002", "", "hi") },
};

const malformed: Record<string, Case> = {
  "an obs-fold": { answer: crlf("HTTP/1.1 200 OK", "X-A: 1", " 2", "Content-Length: 2", "", "hi") },
  "a bare CR in a value": { answer: crlf("HTTP/1.1 200 OK", "X-A: 1\r2", "Content-Length: 2", "", "hi") },
  "a NUL in a value": { answer: crlf("HTTP/1.1 200 OK", "X-A: 1\x002", "Content-Length: 2", "", "hi") },
  "bare LF line ends": { answer: "HTTP/1.1 200 OK\nContent-Length: 2\n\nhi" },
  "the same length twice": { answer: crlf("HTTP/1.1 200 OK", "Content-Length: 2", "Content-Length: 2", "", "hi") },
  "two different lengths": { answer: crlf("HTTP/1.1 200 OK", "Content-Length: 2", "Content-Length: 3", "", "hi!") },
  "a length that is not digits": { answer: crlf("HTTP/1.1 200 OK", "Content-Length: 2a", "", "hi") },
  "a signed length": { answer: crlf("HTTP/1.1 200 OK", "Content-Length: +2", "", "hi") },
  "a list as length": { answer: crlf("HTTP/1.1 200 OK", "Content-Length: 2, 2", "", "hi") },
  "a length and chunks": {
    answer: crlf("HTTP/1.1 200 OK", "Content-Length: 2", "Transfer-Encoding: chunked", "", "2", "hi", "0", "", ""),
  },
  "a coding other than chunked": { answer: crlf("HTTP/1.1 200 OK", "Transfer-Encoding: gzip", "", "hi"), close: true },
  "gzip, then chunked": {
    answer: crlf("HTTP/1.1 200 OK", "Transfer-Encoding: gzip, chunked", "", "2", "hi", "0", "", ""),
  },
  "chunked twice": {
    answer: crlf(
      "HTTP/1.1 200 OK",
      "Transfer-Encoding: chunked",
      "Transfer-Encoding: chunked",
      "",
      "2",
      "hi",
      "0",
      "",
      "",
    ),
  },
  "no length: the body ends at the close": { answer: crlf("HTTP/1.1 200 OK", "X-A: 1", "", "hi"), close: true },
  "a body cut short": { answer: crlf("HTTP/1.1 200 OK", "Content-Length: 10", "", "hi"), close: true },
  "chunks cut short": { answer: crlf("HTTP/1.1 200 OK", "Transfer-Encoding: chunked", "", "2", "hi", ""), close: true },
  "a head cut short": { answer: crlf("HTTP/1.1 200 OK", "Content-Le"), close: true },
  "nothing at all": { answer: "", close: true },
  "a chunk size that is not hex": {
    answer: crlf("HTTP/1.1 200 OK", "Transfer-Encoding: chunked", "", "zz", "hi", "0", "", ""),
  },
  "a chunk size past 2^53": {
    answer: crlf("HTTP/1.1 200 OK", "Transfer-Encoding: chunked", "", "fffffffffffffffffff", "hi", "0", "", ""),
  },
  "a chunk without its CRLF": {
    answer: crlf("HTTP/1.1 200 OK", "Transfer-Encoding: chunked", "", "2", "hiX", "0", "", ""),
  },
  "a space before the colon": { answer: crlf("HTTP/1.1 200 OK", "X-A : 1", "Content-Length: 2", "", "hi") },
  "a name outside the token set": { answer: crlf("HTTP/1.1 200 OK", "X(A): 1", "Content-Length: 2", "", "hi") },
  "a line with no colon": { answer: crlf("HTTP/1.1 200 OK", "X-A", "Content-Length: 2", "", "hi") },
  "HTTP/1.0": { answer: crlf("HTTP/1.0 200 OK", "Content-Length: 2", "", "hi") },
  "HTTP/2 in the status line": { answer: crlf("HTTP/2 200 OK", "Content-Length: 2", "", "hi") },
  "a two-digit status": { answer: crlf("HTTP/1.1 20 OK", "Content-Length: 2", "", "hi") },
  "a four-digit status": { answer: crlf("HTTP/1.1 2000 OK", "Content-Length: 2", "", "hi") },
  "status 600": { answer: crlf("HTTP/1.1 600 X", "Content-Length: 2", "", "hi") },
  "status 099": { answer: crlf("HTTP/1.1 099 X", "Content-Length: 2", "", "hi") },
  "no space after the status": { answer: crlf("HTTP/1.1 200", "Content-Length: 2", "", "hi") },
  "a control character in the reason": { answer: crlf("HTTP/1.1 200 O\x01K", "Content-Length: 2", "", "hi") },
  "101 Switching Protocols": { answer: crlf("HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "", "") },
  "not HTTP": { answer: "hello\r\n\r\n", close: true },
  "an empty line before the status line": { answer: `\r\n${crlf("HTTP/1.1 200 OK", "Content-Length: 2", "", "hi")}` },
  "a header block over 16 KiB": {
    answer: crlf("HTTP/1.1 200 OK", `X-Big: ${"a".repeat(MAX_HEAD_BYTES)}`, "Content-Length: 2", "", "hi"),
  },
};

/**
 * Where we refuse what node:http takes, and why: each entry must stay a real difference (the test checks that
 * node:http still accepts it), so this table cannot go stale.
 */
const stricter: Record<string, string> = {
  "a coding other than chunked": "its end would be the close, which a cut connection fakes; we ask for no coding",
  "gzip, then chunked": "we decode no content coding and asked for none: the caller would get encoded bytes",
  "chunked twice": "RFC 9112 (6.1): a sender must not apply chunked more than once",
  "no length: the body ends at the close":
    "a cut connection would pass for a whole answer; AWS sends a length or chunks",
  "HTTP/1.0": "AWS answers in HTTP/1.1, and we reuse a socket by 1.1's rules, not 1.0's",
  "status 600": "RFC 9110 (15): a status is 100 to 599",
  "status 099": "RFC 9110 (15): a status is 100 to 599",
  "a control character in the reason": "RFC 9112 (4): the reason is HTAB, SP, VCHAR and obs-text",
  "101 Switching Protocols": "we never ask to switch protocols; what follows on the socket is not HTTP/1.1",
  "an empty line before the status line":
    "RFC 9112 (2.2) lets a server skip empty lines before a request line, not a client before a status line; refused on its first bytes, not at the deadline",
};

describe("HTTP/1.1 client (http1.ts) against node:http's client", () => {
  let server: NetServer;
  let port: number;
  let current: { pieces: Buffer[]; close: boolean } = { pieces: [], close: false };

  const accepted = new Set<Socket>();

  before(async () => {
    server = createServer((socket: Socket) => {
      accepted.add(socket);
      socket.setNoDelay(true);
      socket.on("error", () => undefined);
      let pending = "";
      let busy = Promise.resolve();
      socket.on("data", (data: Buffer) => {
        pending += data.toString("latin1");
        while (pending.includes("\r\n\r\n")) {
          pending = pending.slice(pending.indexOf("\r\n\r\n") + 4);
          const { pieces, close } = current;
          busy = busy.then(async () => {
            for (const [i, piece] of pieces.entries()) {
              if (i > 0) await new Promise((resolve) => setTimeout(resolve, 1));
              if (!socket.destroyed) socket.write(piece);
            }
            if (close) socket.end();
          });
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    for (const socket of accepted) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  const ours = async (): Promise<Outcome> => {
    try {
      const answer = await exchange({
        origin: new URL(`http://127.0.0.1:${port}`),
        method: "POST",
        path: "/",
        headers: { host: `127.0.0.1:${port}`, "content-length": "0" },
        body: "",
        maxSockets: 1,
        deadlineMs: 5_000,
        maxAnswerBytes: 1 << 20,
      });
      return { ok: true, status: answer.status, headers: answer.headers, body: answer.body.toString("latin1") };
    } catch (err) {
      expect(err).to.be.instanceOf(Http1Failure);
      return { ok: false };
    }
  };

  const oracle = (): Promise<Outcome> =>
    new Promise((resolve) => {
      const req = nodeRequest(
        { host: "127.0.0.1", port, method: "POST", path: "/", headers: { "content-length": "0" }, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", () => resolve({ ok: false }));
          res.on("close", () => {
            if (!res.complete) resolve({ ok: false });
          });
          res.on("end", () =>
            resolve({
              ok: true,
              status: res.statusCode as number,
              headers: { ...res.headers },
              body: Buffer.concat(chunks).toString("latin1"),
            }),
          );
        },
      );
      req.on("error", () => resolve({ ok: false }));
      req.end();
    });

  const run = async (client: () => Promise<Outcome>, pieces: string[], close = false): Promise<Outcome> => {
    current = { pieces: pieces.map((piece) => Buffer.from(piece, "latin1")), close };
    return client();
  };

  for (const [name, { answer, close = false }] of Object.entries({ ...valid, ...malformed })) {
    const difference = stricter[name];
    it(`${name}: ${difference === undefined ? "the same outcome as node:http" : "refused, where node:http takes it"}`, async () => {
      const node = await run(oracle, [answer], close);
      const got = await run(ours, [answer], close);
      if (difference === undefined) expect(got).to.deep.equal(node);
      else {
        expect(got).to.deep.equal({ ok: false });
        expect(node.ok, "node:http still takes it").to.equal(true);
      }
      if (name in valid) expect(got.ok, "a valid answer is read").to.equal(true);
    });
  }

  it("keeps a header named __proto__ as a plain value (node:http drops it), the headers' prototype untouched", () => {
    const raw = crlf("HTTP/1.1 200 OK", "__proto__: a", "Content-Length: 0", "", "");
    const { headers } = (new AnswerParser(0).push(Buffer.from(raw, "latin1")) as { answer: { headers: object } })
      .answer;
    expect(Object.getPrototypeOf(headers)).to.equal(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(headers, "__proto__")?.value).to.equal("a");
  });

  it("reads every valid answer the same, in-process, split in two at every byte", () => {
    for (const [name, { answer }] of Object.entries(valid)) {
      const bytes = Buffer.from(answer, "latin1");
      const whole = new AnswerParser(1 << 20).push(bytes);
      expect(whole, name).to.not.equal(undefined);
      for (let at = 0; at <= bytes.length; at += 1) {
        const parser = new AnswerParser(1 << 20);
        const first = parser.push(bytes.subarray(0, at));
        const done = first ?? parser.push(bytes.subarray(at));
        expect(done, `${name}, split at ${at}`).to.deep.equal(whole);
      }
    }
  });

  for (const name of ["a length", "chunks with an extension and a trailer", "100 Continue, then the answer"]) {
    const { answer } = valid[name] as Case;
    it(`${name}: the same answer split in two at every byte, and one byte a write`, async () => {
      const node = await run(oracle, [answer]);
      expect(node.ok).to.equal(true);
      for (let at = 1; at < answer.length; at += 1)
        expect(await run(ours, [answer.slice(0, at), answer.slice(at)]), `split at ${at}`).to.deep.equal(node);
      expect(await run(ours, [...answer])).to.deep.equal(node);
      expect(await run(oracle, [...answer])).to.deep.equal(node);
    });
  }
});

describe("HTTP/1.1 client (http1.ts): sockets, caps and deadlines, against a node:http server", () => {
  let server: Server;
  let origin: URL;
  /** Each request's socket, by the server's view of the client's port. */
  const ports: number[] = [];
  let delayMs = 0;
  let answer = (res: ServerResponse): void => {
    res.end("hi");
  };

  before(async () => {
    server = createHttpServer((req, res) => {
      ports.push(req.socket.remotePort as number);
      req.resume();
      req.on("end", () => setTimeout(() => answer(res), delayMs));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    ports.length = 0;
    delayMs = 0;
    answer = (res) => res.end("hi");
  });

  // A distinct socket cap makes a distinct pool, so no test sees another's idle sockets.
  const send = (maxSockets: number, deadlineMs = 2_000, maxAnswerBytes = 100, headers: Record<string, string> = {}) =>
    exchange({
      origin,
      method: "POST",
      path: "/p",
      headers: { host: origin.host, "content-length": "2", ...headers },
      body: "{}",
      maxSockets,
      deadlineMs,
      maxAnswerBytes,
    });

  it("reuses a socket after a complete answer, and opens a new one after Connection: close", async () => {
    expect((await send(11)).body.toString()).to.equal("hi");
    await send(11);
    answer = (res) => {
      res.setHeader("connection", "close");
      res.end("hi");
    };
    await send(11);
    answer = (res) => res.end("hi");
    await send(11);
    expect(ports[1]).to.equal(ports[0]);
    expect(ports[2]).to.equal(ports[1]);
    expect(ports[3]).to.not.equal(ports[2]);
  });

  it("keeps one socket through many requests, with no listener left behind on it (Node warns past 10)", async () => {
    // Listening from the first request: Node emits the warning while the listeners pile up, not after.
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning.name);
    };
    process.on("warning", onWarning);
    try {
      for (let i = 0; i < 30; i += 1) await send(15);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("warning", onWarning);
    }
    expect(new Set(ports).size).to.equal(1);
    expect(warnings).to.not.include("MaxListenersExceededWarning");
  });

  it("drops an idle socket a second before the idle timeout the service states", async () => {
    answer = (res) => {
      res.setHeader("keep-alive", "timeout=2");
      res.end("hi");
    };
    await send(16);
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    await send(16);
    answer = (res) => res.end("hi");
    await send(17);
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    await send(17);
    expect(ports[1], "dropped after 1 s").to.not.equal(ports[0]);
    expect(ports[3], "kept with no stated timeout").to.equal(ports[2]);
  });

  it("does not reuse a socket whose request was still being sent when the answer came", async () => {
    const big = "x".repeat(32 * 1024 * 1024);
    const early = createHttpServer((req, res) => {
      ports.push(req.socket.remotePort as number);
      res.end("no");
      req.resume();
    });
    await new Promise<void>((resolve) => early.listen(0, "127.0.0.1", resolve));
    try {
      const to = new URL(`http://127.0.0.1:${(early.address() as AddressInfo).port}`);
      const post = (body: string) =>
        exchange({
          origin: to,
          method: "POST",
          path: "/",
          headers: { host: to.host, "content-length": String(body.length) },
          body,
          maxSockets: 1,
          deadlineMs: 10_000,
          maxAnswerBytes: 10,
        });
      expect((await post(big)).body.toString()).to.equal("no");
      await post("{}");
      await post("{}");
      expect(ports).to.have.length(3);
      expect(ports[1], "a new socket after the early answer").to.not.equal(ports[0]);
      expect(ports[2], "reused after a request sent whole").to.equal(ports[1]);
    } finally {
      early.closeAllConnections();
      await new Promise((resolve) => early.close(resolve));
    }
  });

  it("opens no more than maxSockets, and queued requests are answered in turn", async () => {
    delayMs = 20;
    const answers = await Promise.all([1, 2, 3, 4, 5].map(() => send(2)));
    expect(answers.map((a) => a.status)).to.deep.equal([200, 200, 200, 200, 200]);
    expect(new Set(ports).size).to.equal(2);
  });

  it("fails a request still waiting for a socket at its deadline, as one that never reached the service", async () => {
    delayMs = 300;
    const first = send(1, 2_000);
    const queued = (await send(1, 50).catch((e: unknown) => e)) as Http1Failure;
    expect(queued).to.be.instanceOf(Http1Failure).and.to.include({ code: "DEADLINE", reached: false });
    expect((await first).status).to.equal(200);
    expect(ports).to.have.length(1);
  });

  it("drops an idle socket the service closes, and the next request opens another", async () => {
    await send(12);
    server.closeIdleConnections();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await send(12)).status).to.equal(200);
    expect(ports[1]).to.not.equal(ports[0]);
  });

  it("keeps the body up to maxAnswerBytes, fails past it, and reads and discards it at 0", async () => {
    expect((await send(13, 2_000, 2)).body.toString()).to.equal("hi");
    expect((await send(13, 2_000, 0)).body).to.have.length(0);
    expect(await send(13, 2_000, 1).catch((e: unknown) => e)).to.include({
      code: "BAD_ANSWER_TOO_LARGE",
      reached: true,
    });
    answer = (res) => {
      res.write("h");
      res.end("i");
    };
    expect((await send(13, 2_000, 2)).body.toString()).to.equal("hi");
    expect(await send(13, 2_000, 1).catch((e: unknown) => e)).to.include({
      code: "BAD_ANSWER_TOO_LARGE",
      reached: true,
    });
  });

  it("refuses to send a header with a line break, or a target that is not an origin-form path, and sends nothing", async () => {
    expect(() => send(14, 2_000, 0, { "x-a": "1\r\nx-b: 2" })).to.throw(TypeError, /invalid request header x-a/);
    expect(() => send(14, 2_000, 0, { "x a": "1" })).to.throw(TypeError, /invalid request header/);
    for (const [method, path] of [
      ["POST", "/a b"],
      ["POST", "a/b"],
      ["POST", "http://h/p"],
      ["POST", ""],
      ["P T", "/"],
    ])
      expect(
        () =>
          exchange({
            origin,
            method: method as string,
            path: path as string,
            headers: {},
            body: "",
            maxSockets: 1,
            deadlineMs: 100,
            maxAnswerBytes: 0,
          }),
        `${method} ${path}`,
      ).to.throw(TypeError, /invalid request line/);
    expect(() =>
      exchange({
        origin: new URL("ftp://127.0.0.1/"),
        method: "POST",
        path: "/",
        headers: {},
        body: "",
        maxSockets: 1,
        deadlineMs: 100,
        maxAnswerBytes: 0,
      }),
    ).to.throw(TypeError, /unsupported ftp:/);
    expect(ports).to.deep.equal([]);
  });
});
