// One HTTP/1.1 request and its answer over a pooled keep-alive socket (node:net, node:tls with Node's CA store).
// Not node:http: its first request costs ~6 ms of CPU in a cold container, a bare socket ~3 (bench/README.md).
// Answers are parsed strictly and fail closed; node:http's client is the oracle (test/functions/shared/http1.test.ts).
import type { Socket } from "node:net";

export interface Http1Request {
  /** Where to connect: `http:` or `https:`, host and port (the path is `path`). */
  readonly origin: URL;
  readonly method: string;
  /** The request target as it goes on the wire. */
  readonly path: string;
  /** Names in lower case, `host` among them; values printable ASCII. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Sockets per origin at most; a request waits for one past the cap. */
  readonly maxSockets: number;
  /** Give up on the whole request (waiting for a socket, connect, send, answer) this long after it starts. */
  readonly deadlineMs: number;
  /** Keep at most this many bytes of the body; a larger answer fails. 0: the body is read and discarded. */
  readonly maxAnswerBytes: number;
}

export interface Http1Answer {
  readonly status: number;
  /** Names in lower case; a repeated header joined with ", ", or its first value for node:http's single-value ones. */
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/** No answer: `code` is Node's (ECONNREFUSED...), DEADLINE, or a BAD_ANSWER_* of ours; `reached` as TransportError. */
export class Http1Failure extends Error {
  readonly code: string;
  readonly reached: boolean;
  constructor(code: string, reached: boolean, options?: ErrorOptions) {
    super(code, options);
    this.name = "Http1Failure";
    this.code = code;
    this.reached = reached;
  }
}

/** The header block's cap, and the cap of a chunk-size line or trailer block (node:http allows 16 KiB too). */
export const MAX_HEAD_BYTES = 16 * 1024;

// node:http keeps the first of these when repeated (its matchKnownFields); every other repeat is joined with ", ".
const FIRST_VALUE_ONLY = new Set([
  "age",
  "authorization",
  "content-length",
  "content-type",
  "etag",
  "expires",
  "from",
  "host",
  "if-modified-since",
  "if-unmodified-since",
  "last-modified",
  "location",
  "max-forwards",
  "proxy-authorization",
  "referer",
  "retry-after",
  "server",
  "user-agent",
]);

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Field content: HTAB, SP, VCHAR and obs-text; no other control character (so no bare CR, LF or NUL).
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const STATUS_LINE = /^HTTP\/1\.1 ([1-5]\d\d)(?: [\t\x20-\x7e\x80-\xff]*)?$/;
const CHUNK_SIZE_LINE = /^([0-9A-Fa-f]{1,16})(?:[\t ]*;[\t\x20-\x7e\x80-\xff]*)?$/;
const REQUEST_VALUE = /^[\t\x20-\x7e]*$/;
const REQUEST_TARGET = /^\/[\x21-\x7e]*$/;
/** How every status line starts: a head that starts otherwise is refused on its first bytes, not at the deadline. */
const STATUS_START = Buffer.from("HTTP/1.1 ", "latin1");

function bad(what: string): Http1Failure {
  return new Http1Failure(`BAD_ANSWER_${what}`, true);
}

/** The header lines of a block (the status line excluded), checked, into `into` (a Map: a name may be `__proto__`). */
function parseFields(lines: readonly string[], into: Map<string, string> | undefined): void {
  for (const line of lines) {
    const colon = line.indexOf(":");
    // A line with no colon, a name with a space before its colon, or an obs-fold (a leading SP/HTAB) is refused.
    if (colon <= 0 || !TOKEN.test(line.slice(0, colon))) throw bad("HEADER");
    const value = line.slice(colon + 1).replace(/^[\t ]+|[\t ]+$/g, "");
    if (!FIELD_VALUE.test(value)) throw bad("HEADER");
    if (into === undefined) continue;
    const name = line.slice(0, colon).toLowerCase();
    const seen = into.get(name);
    if (seen === undefined) into.set(name, value);
    else if (name === "content-length" || name === "transfer-encoding") throw bad("FRAMING");
    else if (!FIRST_VALUE_ONLY.has(name)) into.set(name, `${seen}, ${value}`);
  }
}

/** Splits a block that ends in CRLF CRLF into its lines; a CR or LF outside a CRLF pair is refused. */
function lines(block: string): string[] {
  const parts = block.split("\r\n");
  for (const part of parts) if (part.includes("\r") || part.includes("\n")) throw bad("LINE");
  return parts;
}

/**
 * Reads one answer from the bytes of a socket, incrementally. `push` returns the answer once it is complete, with
 * `rest` the bytes after it; it throws an Http1Failure on anything outside the grammar.
 */
export class AnswerParser {
  private buffered: Buffer = Buffer.alloc(0);
  private phase: "head" | "body" | "chunk-size" | "chunk-data" | "chunk-end" | "trailers" = "head";
  private status = 0;
  private headers: Record<string, string> = {};
  /** Bytes left of the body (by length) or of the current chunk. */
  private left = 0;
  private readonly kept: Buffer[] = [];
  private keptBytes = 0;
  /** False once the answer says `Connection: close`. */
  reusable = true;
  /** How long the service keeps an idle socket, when its `Keep-Alive: timeout=<s>` says so. */
  idleMs: number | undefined;
  private readonly maxAnswerBytes: number;

  constructor(maxAnswerBytes: number) {
    this.maxAnswerBytes = maxAnswerBytes;
  }

  push(data: Buffer): { answer: Http1Answer; rest: Buffer } | undefined {
    this.buffered = this.buffered.length === 0 ? data : Buffer.concat([this.buffered, data]);
    for (;;) {
      if (this.phase === "head" || this.phase === "trailers") {
        const end = this.buffered.indexOf("\r\n\r\n", 0, "latin1");
        // A trailer block that is empty ends at its first CRLF.
        const emptyTrailers = this.phase === "trailers" && this.buffered.subarray(0, 2).toString("latin1") === "\r\n";
        if (end < 0 && !emptyTrailers) {
          // Up to 3 bytes may begin the CRLF CRLF of a block at the cap: the cap must not depend on where TCP splits.
          if (this.buffered.length > MAX_HEAD_BYTES + 3) throw bad("HEAD_TOO_LARGE");
          // A bare LF would otherwise keep us waiting for a CRLF CRLF that never comes, to the deadline.
          for (let at = this.buffered.indexOf(0x0a); at >= 0; at = this.buffered.indexOf(0x0a, at + 1))
            if (this.buffered[at - 1] !== 0x0d) throw bad("LINE");
          const seen = Math.min(this.buffered.length, STATUS_START.length);
          if (this.phase === "head" && this.buffered.compare(STATUS_START, 0, seen, 0, seen) !== 0) throw bad("STATUS");
          return undefined;
        }
        const blockEnd = emptyTrailers ? 0 : end;
        if (blockEnd > MAX_HEAD_BYTES) throw bad("HEAD_TOO_LARGE");
        const block = this.buffered.subarray(0, blockEnd).toString("latin1");
        this.buffered = this.buffered.subarray(blockEnd + (emptyTrailers ? 2 : 4));
        if (this.phase === "trailers") {
          if (!emptyTrailers) parseFields(lines(block), undefined);
          return this.finish();
        }
        if (this.readHead(block)) return this.finish();
        continue;
      }
      if (this.phase === "body" || this.phase === "chunk-data") {
        const take = Math.min(this.left, this.buffered.length);
        this.keep(this.buffered.subarray(0, take));
        this.buffered = this.buffered.subarray(take);
        this.left -= take;
        if (this.left > 0) return undefined;
        if (this.phase === "body") return this.finish();
        this.phase = "chunk-end";
      }
      if (this.phase === "chunk-size") {
        const end = this.buffered.indexOf("\r\n", 0, "latin1");
        if (end < 0) {
          // The last byte may be the CR of a line at the cap.
          if (this.buffered.length > MAX_HEAD_BYTES + 1) throw bad("CHUNK");
          return undefined;
        }
        if (end > MAX_HEAD_BYTES) throw bad("CHUNK");
        const line = this.buffered.subarray(0, end).toString("latin1");
        this.buffered = this.buffered.subarray(end + 2);
        const size = CHUNK_SIZE_LINE.exec(line);
        if (size === null) throw bad("CHUNK");
        this.left = Number.parseInt(size[1] as string, 16);
        if (!Number.isSafeInteger(this.left)) throw bad("CHUNK");
        this.phase = this.left === 0 ? "trailers" : "chunk-data";
        continue;
      }
      // chunk-end: the CRLF after a chunk's data.
      if (this.buffered.length < 2) return undefined;
      if (this.buffered[0] !== 0x0d || this.buffered[1] !== 0x0a) throw bad("CHUNK");
      this.buffered = this.buffered.subarray(2);
      this.phase = "chunk-size";
    }
  }

  /** Reads a status line and its headers; true when the answer has no body. */
  private readHead(block: string): boolean {
    const [statusLine = "", ...fields] = lines(block);
    const status = STATUS_LINE.exec(statusLine);
    if (status === null) throw bad("STATUS");
    const headers = new Map<string, string>();
    parseFields(fields, headers);
    const code = Number(status[1]);
    // An interim answer (100 Continue, 103 Early Hints) is skipped; 101 would switch protocols, which we never ask.
    if (code === 101) throw bad("STATUS");
    if (code < 200) return false;
    this.status = code;
    this.headers = Object.fromEntries(headers);
    if (
      headers
        .get("connection")
        ?.split(",")
        .some((token) => token.trim().toLowerCase() === "close")
    )
      this.reusable = false;
    const idleSeconds = /\btimeout=(\d{1,6})\b/i.exec(headers.get("keep-alive") ?? "")?.[1];
    if (idleSeconds !== undefined) this.idleMs = Number(idleSeconds) * 1000;
    const length = headers.get("content-length");
    const transfer = headers.get("transfer-encoding");
    if (length !== undefined && transfer !== undefined) throw bad("FRAMING");
    if (code === 204 || code === 304) return true;
    if (transfer !== undefined) {
      // Only chunked: any other coding would leave the answer's end to the socket's close, which a cut can fake.
      if (transfer.toLowerCase() !== "chunked") throw bad("FRAMING");
      this.phase = "chunk-size";
      return false;
    }
    // No length and no chunks would end at the socket's close, which a cut connection can fake: refused.
    if (length === undefined || !/^\d{1,15}$/.test(length)) throw bad("FRAMING");
    this.left = Number(length);
    if (this.maxAnswerBytes > 0 && this.left > this.maxAnswerBytes) throw bad("TOO_LARGE");
    if (this.left === 0) return true;
    this.phase = "body";
    return false;
  }

  private keep(bytes: Buffer): void {
    if (this.maxAnswerBytes === 0 || bytes.length === 0) return;
    this.keptBytes += bytes.length;
    if (this.keptBytes > this.maxAnswerBytes) throw bad("TOO_LARGE");
    this.kept.push(bytes);
  }

  private finish(): { answer: Http1Answer; rest: Buffer } {
    const answer = { status: this.status, headers: this.headers, body: Buffer.concat(this.kept) };
    return { answer, rest: this.buffered };
  }
}

interface Pool {
  readonly idle: Socket[];
  open: number;
  readonly waiting: Array<(socket: Socket | undefined) => void>;
}

const pools = new Map<string, Pool>();
/** The listener that drops an idle socket, taken off when the socket is used again. */
const idleDrops = new WeakMap<Socket, () => void>();

/**
 * Hands a socket to the next waiter, or keeps it idle: unreferenced, dropped if the service closes it or talks, and
 * a second before the service's own idle timeout when it states one (as node:http's agent does), so that a request
 * is not sent on a socket the service is closing.
 */
function release(pool: Pool, socket: Socket, idleMs: number | undefined): void {
  const next = pool.waiting.shift();
  if (next !== undefined) {
    next(socket);
    return;
  }
  const drop = (): void => {
    const at = pool.idle.indexOf(socket);
    if (at >= 0) pool.idle.splice(at, 1);
    socket.destroy();
  };
  socket.on("data", drop).on("end", drop).on("error", drop).on("close", drop).on("timeout", drop);
  if (idleMs !== undefined) socket.setTimeout(Math.max(idleMs - 1000, 1));
  idleDrops.set(socket, drop);
  socket.unref();
  pool.idle.push(socket);
}

function connect(origin: URL): Socket {
  const host = origin.hostname.replace(/^\[(.*)\]$/, "$1");
  if (origin.protocol === "http:") {
    const net = process.getBuiltinModule("node:net");
    return net.connect({ host, port: Number(origin.port || 80), noDelay: true });
  }
  const tls = process.getBuiltinModule("node:tls");
  const net = process.getBuiltinModule("node:net");
  // Verification stays on (Node's default CA store, the name checked); SNI only for a name, never an address.
  return tls
    .connect({ host, port: Number(origin.port || 443), ...(net.isIP(host) === 0 ? { servername: host } : {}) })
    .setNoDelay(true);
}

function requestHead(request: Http1Request): string {
  if (!REQUEST_TARGET.test(request.path) || !TOKEN.test(request.method)) throw new TypeError("invalid request line");
  let head = `${request.method} ${request.path} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries(request.headers)) {
    if (!TOKEN.test(name) || !REQUEST_VALUE.test(value)) throw new TypeError(`invalid request header ${name}`);
    head += `${name}: ${value}\r\n`;
  }
  return `${head}\r\n`;
}

/** Sends one request and reads its answer; rejects with an Http1Failure (or a TypeError for a request we cannot send). */
export function exchange(request: Http1Request): Promise<Http1Answer> {
  const { origin } = request;
  if (origin.protocol !== "http:" && origin.protocol !== "https:")
    throw new TypeError(`unsupported ${origin.protocol}`);
  const wire = requestHead(request) + request.body;
  const key = `${origin.protocol}//${origin.host} ${request.maxSockets}`;
  let pool = pools.get(key);
  if (pool === undefined) {
    pool = { idle: [], open: 0, waiting: [] };
    pools.set(key, pool);
  }
  const owner = pool;
  return new Promise<Http1Answer>((resolve, reject) => {
    // Set once a connection to the service exists (a reused socket already is one): from then on, the service may
    // have the request even if no answer comes.
    let reached = false;
    let settled = false;
    /** True once the whole request has left: an answer can come sooner (an early error), with our body still queued. */
    let sent = false;
    let socket: Socket | undefined;
    const parser = new AnswerParser(request.maxAnswerBytes);
    const fail = (code: string, cause?: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket?.destroy();
      reject(
        cause instanceof Http1Failure ? cause : new Http1Failure(code, reached, cause === undefined ? {} : { cause }),
      );
    };
    const timer = setTimeout(() => {
      const at = owner.waiting.indexOf(use);
      if (at >= 0) owner.waiting.splice(at, 1);
      fail("DEADLINE");
    }, request.deadlineMs);

    const onData = (data: Buffer): void => {
      let done: ReturnType<AnswerParser["push"]>;
      try {
        done = parser.push(data);
      } catch (err) {
        fail("BAD_ANSWER", err);
        return;
      }
      if (done === undefined || settled) return;
      settled = true;
      clearTimeout(timer);
      const held = socket as Socket;
      held.off("data", onData).off("error", onError).off("end", onClose).off("close", onClose);
      // Reused only after a complete answer to a request sent whole, with nothing unread and no ask to close.
      if (sent && parser.reusable && done.rest.length === 0) release(owner, held, parser.idleMs);
      else held.destroy();
      resolve(done.answer);
    };
    const onError = (err: NodeJS.ErrnoException): void => fail(err.code ?? "SOCKET_ERROR", err);
    const onClose = (): void =>
      fail(
        "ECONNRESET",
        Object.assign(new Error("socket closed before the answer was complete"), { code: "ECONNRESET" }),
      );

    // Called at most once, never after settling: a request leaves the waiting list at its deadline, the only way a
    // request without a socket settles.
    function use(given: Socket | undefined): void {
      if (given === undefined) {
        owner.open += 1;
        const fresh = connect(origin);
        fresh.once("connect", () => {
          reached = true;
        });
        fresh.once("close", () => {
          owner.open -= 1;
          owner.waiting.shift()?.(undefined);
        });
        socket = fresh;
      } else {
        const drop = idleDrops.get(given);
        if (drop !== undefined)
          given.off("data", drop).off("end", drop).off("error", drop).off("close", drop).off("timeout", drop);
        idleDrops.delete(given);
        // Left unreferenced: the deadline's timer keeps the process alive until the request settles.
        given.setTimeout(0);
        reached = true;
        socket = given;
      }
      socket.on("data", onData).on("error", onError).on("end", onClose).on("close", onClose);
      socket.write(wire, () => {
        sent = true;
      });
    }

    const idle = owner.idle.pop();
    if (idle !== undefined) use(idle);
    else if (owner.open < request.maxSockets) use(undefined);
    else owner.waiting.push(use);
  });
}
