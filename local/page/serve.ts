// Dev only: the browser page on the gateway's own port. GET / serves local/page; GET /dev/page?code= swaps a one-time
// code (printed by `make dev` and `make dev-url`) for an HttpOnly session cookie; POST /dev/token mints for a page
// holding that cookie, or for a caller sending the mint key itself. The key never reaches the browser or a URL.
import { existsSync, readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { isAuthorised } from "../issuer/mint-endpoint.ts";
import type { PageSessions } from "./page-sessions.ts";

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
  /** The mint endpoint's key, sent on behalf of a page that holds a session cookie. */
  readonly mintSecret: () => string;
  readonly settings: () => PageSettings;
  readonly port: () => number;
  /** The one-time codes and the sessions they were swapped for. */
  readonly sessions: PageSessions;
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

/** Per port: browsers keep one cookie jar per host whatever the port, and two stacks must not log each other out. */
export function sessionCookieName(port: number): string {
  return `wsauth_dev_${port}`;
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const pair of (header ?? "").split(";")) {
    const at = pair.indexOf("=");
    if (at > 0 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim();
  }
  return undefined;
}

/** What to do about a link that opens nothing: never a bare error. */
export const FRESH_LINK_HINT =
  "Run make dev-url in the project folder (beside the running make dev) for a fresh link: each link opens the page once, within 10 minutes, and make dev makes new ones each time it starts.";

function sendLinkPage(res: ServerResponse, status: number, why: string): void {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>WebSocket JWT: link used</title></head><body><h1>${why}</h1><p>${FRESH_LINK_HINT}</p></body></html>`;
  send(res, status, "text/html; charset=utf-8", html);
}

/** GET /dev/page?code=: the first use of a code sets the session cookie and leads to the page at a URL without it. */
function openWithCode(req: IncomingMessage, res: ServerResponse, url: URL, options: PageRoutesOptions): void {
  if (!isLoopbackPeer(req.socket.remoteAddress)) {
    sendLinkPage(res, 403, "This link opens the page on the machine that runs make dev only.");
    return;
  }
  const session = options.sessions.redeem(url.searchParams.get("code") ?? "");
  if (session === undefined) {
    sendLinkPage(res, 410, "This link has been used already, or has expired.");
    return;
  }
  // No Secure: the stack speaks plain HTTP on loopback. Path=/dev: the only routes that read it.
  res.setHeader("set-cookie", `${sessionCookieName(options.port())}=${session}; HttpOnly; SameSite=Strict; Path=/dev`);
  res.writeHead(303, { ...SECURITY_HEADERS, location: "/", "content-length": 0 });
  res.end();
}

/** POST /dev/page-code (make dev-url): a fresh one-time code for a caller on this machine that holds the mint key. */
function issueCode(req: IncomingMessage, res: ServerResponse, options: PageRoutesOptions): void {
  req.resume();
  if (!isLoopbackPeer(req.socket.remoteAddress)) sendJson(res, 403, { error: "this machine only" });
  else if (!isAuthorised(req, options.mintSecret())) sendJson(res, 401, { error: "wrong or missing secret" });
  else sendJson(res, 200, { code: options.sessions.issueCode() });
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

async function forwardMint(req: IncomingMessage, res: ServerResponse, options: PageRoutesOptions): Promise<void> {
  const problem = isLoopbackPeer(req.socket.remoteAddress)
    ? mintRequestProblem(req, options.port())
    : "tokens are minted for this machine only (the request came from another address)";
  if (problem !== undefined) {
    req.resume();
    return sendJson(res, 403, { error: problem });
  }
  // A script's own key goes through as it came (the mint endpoint checks it); a page's session is swapped for the key.
  let authorization = req.headers.authorization;
  if (!authorization) {
    const session = cookieValue(req.headers.cookie, sessionCookieName(options.port()));
    if (!options.sessions.isSession(session)) {
      req.resume();
      return sendJson(res, 401, { error: "no page session", hint: FRESH_LINK_HINT });
    }
    authorization = `Bearer ${options.mintSecret()}`;
  }
  let body: string;
  try {
    body = await readBody(req);
  } catch (err) {
    if (!(err instanceof BodyTooLargeError)) throw err;
    res.setHeader("connection", "close");
    return sendJson(res, 413, { error: `request body over ${MAX_BODY} bytes: a mint request is a few fields` });
  }
  const minted = await fetch(options.mintUrl(), {
    method: "POST",
    headers: { authorization, "content-type": "application/json" },
    body,
    signal: AbortSignal.timeout(5000),
  });
  send(res, minted.status, "application/json", Buffer.from(await minted.arrayBuffer()));
}

/** The page's HTTP routes, for LocalGateway's httpRoutes; answers nothing else. */
export function createPageRoutes(options: PageRoutesOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://page");
    const path = url.pathname;
    const file = FILES[path];
    if (req.method === "GET" && file !== undefined) {
      req.resume();
      if (existsSync(file.file)) send(res, 200, file.type, readFileSync(file.file));
      else send(res, 404, "text/plain; charset=utf-8", `${path} is built by make build: run it, then reload`);
      return true;
    }
    if (req.method === "GET" && path === "/dev/config") {
      req.resume();
      const session = options.sessions.isSession(cookieValue(req.headers.cookie, sessionCookieName(options.port())));
      sendJson(res, 200, { ...options.settings(), session });
      return true;
    }
    if (req.method === "GET" && path === "/dev/page") {
      req.resume();
      openWithCode(req, res, url, options);
      return true;
    }
    if (req.method === "POST" && path === "/dev/page-code") {
      issueCode(req, res, options);
      return true;
    }
    if (req.method === "POST" && path === "/dev/token") {
      forwardMint(req, res, options).catch(() => {
        if (!res.headersSent) sendJson(res, 502, { error: "the mint endpoint did not answer" });
      });
      return true;
    }
    return false;
  };
}
