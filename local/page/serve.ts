// Dev only: the browser page on the gateway's own port. GET / serves local/page; POST /dev/token (and
// POST /dev/revoke, "Revoke me") passes a request on to the issuer's mint endpoint, which still demands its secret: the page holds it only because the
// developer opened the URL `make dev` printed (secret in the #fragment, which browsers never send to servers).
import { existsSync, readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";

/** What the page needs to know about the running stack; none of it is secret. */
export interface PageSettings {
  readonly wsUrl: string;
  readonly tokenLocation: string;
  readonly tokenQueryParam: string;
  readonly tokenUse: string;
  readonly requiredGroups: readonly string[];
  readonly user: string;
}

export interface PageRoutesOptions {
  /** Each read on each request: the mint endpoint and the gateway's port are known only once they listen. */
  readonly mintUrl: () => string;
  readonly settings: () => PageSettings;
  readonly port: () => number;
}

const PAGE_DIR = import.meta.dirname;
/** The client library as `make build` bundles it (client/). */
export const CLIENT_BUNDLE = join(PAGE_DIR, "..", "..", "dist", "client", "wsauth-client.js");
const FILES: Readonly<Record<string, { file: string; type: string }>> = {
  "/": { file: join(PAGE_DIR, "index.html"), type: "text/html; charset=utf-8" },
  "/page.js": { file: join(PAGE_DIR, "page.js"), type: "text/javascript; charset=utf-8" },
  "/page.css": { file: join(PAGE_DIR, "page.css"), type: "text/css; charset=utf-8" },
  "/favicon.svg": { file: join(PAGE_DIR, "favicon.svg"), type: "image/svg+xml" },
  "/wsauth-client.js": { file: CLIENT_BUNDLE, type: "text/javascript; charset=utf-8" },
};
const MAX_BODY = 16_384;

// No inline script, nothing from elsewhere, no framing, no referrer: the page can only talk to this origin.
const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { ...SECURITY_HEADERS, "content-type": type, "content-length": Buffer.byteLength(body) });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, "application/json", JSON.stringify(value));
}

/** Loopback names only: a DNS-rebound name (evil.example -> 127.0.0.1) never matches, so its pages get nothing. */
export function isLoopbackHost(host: string | undefined, port: number): boolean {
  return host === `127.0.0.1:${port}` || host === `localhost:${port}` || host === `[::1]:${port}`;
}

/**
 * A mint request the page may forward: same origin only. Browsers send Origin on every cross-origin POST and on
 * same-origin fetch POSTs, and a JSON content type forces a CORS preflight that this server never answers.
 */
export function mintRequestProblem(req: IncomingMessage, port: number): string | undefined {
  const host = req.headers.host;
  if (!isLoopbackHost(host, port)) return "Host must be this machine's loopback address";
  if (req.headers.origin !== `http://${host}`) return "Origin must be this page";
  const site = req.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin") return "cross-site request";
  if (!String(req.headers["content-type"] ?? "").startsWith("application/json"))
    return "content-type must be application/json";
  return undefined;
}

/** A body over MAX_BODY: answered 413, not taken for a mint endpoint that did not answer. */
class BodyTooLargeError extends Error {}

async function readBody(req: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > MAX_BODY) throw new BodyTooLargeError();
  }
  return text;
}

/** The TCP peer, not a header: whatever HOST binds and the Host header claims, only this machine may mint. */
export function isLoopbackPeer(remoteAddress: string | undefined): boolean {
  const address = (remoteAddress ?? "").replace(/^::ffff:/, "");
  return address === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address);
}

/** The mint endpoint's path a page route forwards to. */
type MintPath = "/token" | "/revoke";

async function forwardMint(
  req: IncomingMessage,
  res: ServerResponse,
  options: PageRoutesOptions,
  path: MintPath,
): Promise<void> {
  const problem = isLoopbackPeer(req.socket.remoteAddress)
    ? mintRequestProblem(req, options.port())
    : "tokens are minted for this machine only (the request came from another address)";
  if (problem !== undefined) {
    req.resume();
    return sendJson(res, 403, { error: problem });
  }
  let body: string;
  try {
    body = await readBody(req);
  } catch (err) {
    if (!(err instanceof BodyTooLargeError)) throw err;
    res.setHeader("connection", "close");
    return sendJson(res, 413, { error: `request body over ${MAX_BODY} bytes: a mint request is a few fields` });
  }
  const minted = await fetch(new URL(path, options.mintUrl()), {
    method: "POST",
    // The page's own Authorization header: the mint endpoint checks the secret, this code never holds it.
    headers: { authorization: req.headers.authorization ?? "", "content-type": "application/json" },
    body,
    signal: AbortSignal.timeout(5000),
  });
  send(res, minted.status, "application/json", Buffer.from(await minted.arrayBuffer()));
}

/** The page's HTTP routes, for LocalGateway's httpRoutes; answers nothing else. */
export function createPageRoutes(options: PageRoutesOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const path = new URL(req.url ?? "/", "http://page").pathname;
    const file = FILES[path];
    if (req.method === "GET" && file !== undefined) {
      req.resume();
      if (existsSync(file.file)) send(res, 200, file.type, readFileSync(file.file));
      else send(res, 404, "text/plain; charset=utf-8", `${path} is built by make build: run it, then reload`);
      return true;
    }
    if (req.method === "GET" && path === "/dev/config") {
      req.resume();
      sendJson(res, 200, options.settings());
      return true;
    }
    if (req.method === "POST" && (path === "/dev/token" || path === "/dev/revoke")) {
      forwardMint(req, res, options, path === "/dev/token" ? "/token" : "/revoke").catch(() => {
        if (!res.headersSent) sendJson(res, 502, { error: "the mint endpoint did not answer" });
      });
      return true;
    }
    return false;
  };
}
