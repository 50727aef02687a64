// Real-socket clients for the gateway tests: every wait is bounded, every socket is closed by the caller.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { WebSocket } from "ws";

const WSCAT = join(import.meta.dirname, "..", "..", "..", "..", "node_modules", ".bin", "wscat");

export type Handshake =
  | { opened: true; ws: WebSocket; throttled: number }
  | { opened: false; status: number; body: string; throttled: number };

export interface OpenOptions {
  protocols?: string[];
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Retry a handshake refused because a function was throttled (default true), as AWS tells clients to. */
  retryThrottled?: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The local gateway names the reason of a refusal; a throttled function is a 500 that a client may retry. */
function isThrottled(reason: string | string[] | undefined): boolean {
  return String(reason ?? "").includes("TooManyRequestsException");
}

function openOnce(url: string, options: OpenOptions): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options.protocols ?? [], {
      headers: options.headers ?? {},
      handshakeTimeout: options.timeoutMs ?? 10_000,
    });
    ws.once("open", () => resolve({ opened: true, ws, throttled: 0 }));
    ws.once("unexpected-response", (_req, res) => {
      let body = "";
      const throttled = isThrottled(res.headers["x-local-gateway-reason"]) ? 1 : 0;
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ opened: false, status: res.statusCode ?? 0, body, throttled }));
      res.on("error", () => resolve({ opened: false, status: res.statusCode ?? 0, body, throttled }));
    });
    ws.once("error", (err) => reject(err));
  });
}

/**
 * Open a WebSocket; resolves with the socket, or with the HTTP status the gateway refused the handshake with.
 * A refusal because a function was at its concurrency cap is retried after a jittered pause, until the timeout;
 * `throttled` counts them.
 */
export async function openSocket(url: string, options: OpenOptions = {}): Promise<Handshake> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let throttled = 0;
  for (let attempt = 1; ; attempt += 1) {
    let handshake: Handshake;
    try {
      handshake = await openOnce(url, { ...options, timeoutMs: Math.max(1_000, deadline - Date.now()) });
    } catch (err) {
      // A connection reset before any answer (seen under bursts of retries on a loaded machine) is retried like
      // a throttle; it can never turn a refusal into an open socket.
      if (
        (err as NodeJS.ErrnoException).code !== "ECONNRESET" ||
        options.retryThrottled === false ||
        Date.now() > deadline
      )
        throw err;
      await sleep(backoff(attempt));
      continue;
    }
    throttled += handshake.throttled;
    if (handshake.throttled === 0 || options.retryThrottled === false || Date.now() > deadline)
      return { ...handshake, throttled };
    await sleep(backoff(attempt));
  }
}

/** Exponential back-off with full jitter, as AWS advises for throttling: up to 50 ms, 100 ms... capped at 2 s. */
function backoff(attempt: number): number {
  return Math.random() * Math.min(2_000, 50 * 2 ** attempt);
}

/**
 * Send a message and wait for its reply, resending after "Internal server error": what a client does when the
 * route's function is throttled (a persistent failure still fails, after `timeoutMs`).
 */
export async function request(ws: WebSocket, body: string, timeoutMs = 20_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt += 1) {
    const reply = nextMessage(ws, Math.max(1, deadline - Date.now()));
    ws.send(body);
    const answer = await reply;
    if (answer.message !== "Internal server error" || Date.now() > deadline) return answer;
    await sleep(backoff(attempt));
  }
}

/** Open a WebSocket that the test expects to be accepted. */
export async function connect(
  url: string,
  options: { protocols?: string[]; headers?: Record<string, string> } = {},
): Promise<WebSocket> {
  const handshake = await openSocket(url, options);
  if (!handshake.opened) throw new Error(`handshake refused with ${handshake.status}: ${handshake.body}`);
  return handshake.ws;
}

/** The next text message as JSON. */
export function nextMessage(ws: WebSocket, timeoutMs = 5000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.off("message", onMessage);
      reject(new Error(`no message within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (data: Buffer): void => {
      clearTimeout(timer);
      resolve(JSON.parse(data.toString()) as Record<string, unknown>);
    };
    ws.once("message", onMessage);
  });
}

/** Resolves with the close code and reason once the socket has closed (at once when it already has). */
export function closed(ws: WebSocket, timeoutMs = 5000): Promise<{ code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve({ code: -1, reason: "already closed" });
    const timer = setTimeout(() => reject(new Error(`socket still open after ${timeoutMs} ms`)), timeoutMs);
    ws.once("close", (code, reason) => {
      clearTimeout(timer);
      resolve({ code, reason: reason.toString() });
    });
  });
}

export async function closeAll(sockets: readonly WebSocket[]): Promise<void> {
  await Promise.all(
    sockets.map(async (ws) => {
      if (ws.readyState === WebSocket.CLOSED) return;
      const done = closed(ws, 2000).catch(() => ws.terminate());
      ws.close();
      await done;
    }),
  );
}

export interface WscatRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run the real wscat binary; its stdin is held open (wscat exits at once on a closed stdin) until it exits. */
export function runWscat(args: readonly string[], timeoutMs = 15_000): Promise<WscatRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(WSCAT, [...args, "--no-color"], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`wscat still running after ${timeoutMs} ms: ${stdout}${stderr}`));
    }, timeoutMs);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Poll until `check` holds; bounded. */
export async function eventually(check: () => boolean, timeoutMs = 5000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
