// Lets `make token` mint from the running dev issuer (same key, same stable `sub` per user) without the private
// key ever leaving the process: a loopback endpoint guarded by a random secret kept in a 0600 file.
import { randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { LocalIssuer } from "./issuer.ts";

export interface MintRequest {
  readonly username: string;
  readonly groups?: readonly string[];
  readonly tokenUse?: "id" | "access";
  readonly expiresIn?: number;
}

export interface MintEndpoint {
  readonly url: string;
  readonly secret: string;
  close(): Promise<void>;
}

const USERNAME = /^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u;

/** A mint request's fields checked, or a sentence saying what is wrong. */
export function parseMintRequest(raw: unknown): MintRequest | string {
  const value = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
  if (typeof value.username !== "string" || !USERNAME.test(value.username))
    return "username: expected 1-128 visible characters";
  const groups = value.groups ?? [];
  if (!Array.isArray(groups) || !groups.every((group) => typeof group === "string" && USERNAME.test(group))) {
    return "groups: expected a list of group names";
  }
  const tokenUse = value.tokenUse ?? "id";
  if (tokenUse !== "id" && tokenUse !== "access") return "tokenUse: expected id or access";
  const expiresIn = value.expiresIn ?? 3600;
  if (typeof expiresIn !== "number" || !Number.isInteger(expiresIn) || expiresIn < -86_400 || expiresIn > 86_400) {
    return "expiresIn: expected whole seconds from -86400 to 86400";
  }
  return { username: value.username, groups: groups as string[], tokenUse, expiresIn };
}

/** Whether the request carries `Authorization: Bearer <secret>`, compared in constant time. */
export function isAuthorised(req: IncomingMessage, secret: string): boolean {
  const given = Buffer.from(req.headers.authorization ?? "");
  const wanted = Buffer.from(`Bearer ${secret}`);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

const MAX_BODY = 16_384;

/** The body as JSON; undefined for text that is not JSON, TOO_LARGE past MAX_BODY. */
const TOO_LARGE = Symbol("too large");
async function readJson(req: IncomingMessage): Promise<unknown> {
  let text = "";
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > MAX_BODY) return TOO_LARGE;
  }
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

async function answer(req: IncomingMessage, res: ServerResponse, issuer: LocalIssuer, secret: string): Promise<void> {
  if (req.method !== "POST" || req.url !== "/token") return send(res, 404, { error: "POST /token only" });
  if (!isAuthorised(req, secret)) return send(res, 401, { error: "wrong or missing secret" });
  const body = await readJson(req);
  if (body === TOO_LARGE) {
    res.setHeader("connection", "close");
    return send(res, 413, { error: `request body over ${MAX_BODY} bytes` });
  }
  const parsed = parseMintRequest(body);
  if (typeof parsed === "string") return send(res, 400, { error: parsed });
  send(res, 200, { token: issuer.mint(parsed), username: parsed.username, sub: issuer.subFor(parsed.username) });
}

export async function startMintEndpoint(issuer: LocalIssuer, host: string = "127.0.0.1"): Promise<MintEndpoint> {
  const secret = randomBytes(24).toString("base64url");
  const server: Server = createServer((req, res) => {
    answer(req, res, issuer, secret).catch(() => send(res, 500, { error: "mint failed" }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}/token`,
    secret,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
