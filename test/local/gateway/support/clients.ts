// Real-socket clients for the gateway tests: every wait is bounded, every socket is closed by the caller.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { WebSocket } from "ws";

const WSCAT = join(import.meta.dirname, "..", "..", "..", "..", "node_modules", ".bin", "wscat");

export type Handshake = { opened: true; ws: WebSocket } | { opened: false; status: number; body: string };

/** Open a WebSocket; resolves with the socket, or with the HTTP status the gateway refused the handshake with. */
export function openSocket(url: string, options: { protocols?: string[]; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options.protocols ?? [], { headers: options.headers ?? {}, handshakeTimeout: options.timeoutMs ?? 10_000 });
    ws.once("open", () => resolve({ opened: true, ws }));
    ws.once("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ opened: false, status: res.statusCode ?? 0, body }));
      res.on("error", () => resolve({ opened: false, status: res.statusCode ?? 0, body }));
    });
    ws.once("error", (err) => reject(err));
  });
}

/** Open a WebSocket that the test expects to be accepted. */
export async function connect(url: string, options: { protocols?: string[]; headers?: Record<string, string> } = {}): Promise<WebSocket> {
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
