// A local stand-in for a Cognito user pool: RSA keys made at start-up, the JWKS at the URL path Cognito uses,
// and ID/access tokens with the claims Cognito sets.
import { createSign, generateKeyPairSync, type KeyObject, randomUUID } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicJwk: Record<string, string>;
}

export function makeSigningKey(kid: string = randomUUID()): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const { n, e } = publicKey.export({ format: "jwk" }) as { n: string; e: string };
  return { kid, privateKey, publicJwk: { kty: "RSA", alg: "RS256", use: "sig", kid, n, e } };
}

/** Sign header.payload with RS256 as any JWT library would; the header is taken as given. */
export function signJwt(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  privateKey: KeyObject,
): string {
  const encode = (part: Record<string, unknown>): string => Buffer.from(JSON.stringify(part)).toString("base64url");
  const signingInput = `${encode(header)}.${encode(payload)}`;
  const signature = createSign("RSA-SHA256").update(signingInput).sign(privateKey).toString("base64url");
  return `${signingInput}.${signature}`;
}

export const LOCAL_USER_POOL_ID = "eu-west-1_LocalPool1";
export const LOCAL_CLIENT_ID = "localclient0000000000000000";

export interface MintOptions {
  readonly username: string;
  readonly groups?: readonly string[];
  readonly tokenUse?: "id" | "access";
  readonly clientId?: string;
  /** Seconds the token lives; negative for an already expired token. */
  readonly expiresIn?: number;
  readonly key?: SigningKey;
  /** Claims to add or replace (undefined removes one). */
  readonly claims?: Record<string, unknown>;
}

export interface LocalIssuerOptions {
  readonly userPoolId?: string;
  readonly clientId?: string;
  readonly keys?: readonly SigningKey[];
}

export class LocalIssuer {
  readonly userPoolId: string;
  readonly clientId: string;
  readonly region: string;
  /** The `iss` Cognito puts in tokens for this pool; the authoriser derives the same from USER_POOL_ID. */
  readonly issuer: string;
  keys: SigningKey[];
  server: Server | undefined;
  jwksUri = "";
  /** How many times the JWKS was served: the measure of cache behaviour. */
  jwksFetches = 0;
  private readonly subs = new Map<string, string>();

  constructor(options: LocalIssuerOptions = {}) {
    this.userPoolId = options.userPoolId ?? LOCAL_USER_POOL_ID;
    this.clientId = options.clientId ?? LOCAL_CLIENT_ID;
    this.region = this.userPoolId.split("_")[0] as string;
    this.issuer = `https://cognito-idp.${this.region}.amazonaws.com/${this.userPoolId}`;
    this.keys = [...(options.keys ?? [makeSigningKey()])];
  }

  jwks(): { keys: Record<string, string>[] } {
    return { keys: this.keys.map((key) => key.publicJwk) };
  }

  /** A stable `sub` per username, as a user pool keeps one. */
  subFor(username: string): string {
    let sub = this.subs.get(username);
    if (sub === undefined) {
      sub = randomUUID();
      this.subs.set(username, sub);
    }
    return sub;
  }

  claimsFor(options: MintOptions): Record<string, unknown> {
    const now = Math.floor(Date.now() / 1000);
    const tokenUse = options.tokenUse ?? "id";
    const clientId = options.clientId ?? this.clientId;
    const claims: Record<string, unknown> = {
      sub: this.subFor(options.username),
      ...(options.groups && options.groups.length > 0 ? { "cognito:groups": [...options.groups] } : {}),
      iss: this.issuer,
      ...(tokenUse === "id"
        ? { "cognito:username": options.username, aud: clientId, email_verified: true }
        : { client_id: clientId, username: options.username, scope: "aws.cognito.signin.user.admin" }),
      origin_jti: randomUUID(),
      event_id: randomUUID(),
      token_use: tokenUse,
      auth_time: now,
      exp: now + (options.expiresIn ?? 3600),
      iat: now,
      jti: randomUUID(),
    };
    for (const [name, value] of Object.entries(options.claims ?? {})) {
      if (value === undefined) delete claims[name];
      else claims[name] = value;
    }
    return claims;
  }

  mint(options: MintOptions): string {
    const key = options.key ?? (this.keys[0] as SigningKey);
    return signJwt({ kid: key.kid, alg: "RS256" }, this.claimsFor(options), key.privateKey);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.method === "GET" && req.url === `/${this.userPoolId}/.well-known/jwks.json`) {
      this.jwksFetches += 1;
      const body = JSON.stringify(this.jwks());
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    res.writeHead(404, { "content-type": "application/json" });
    res.end('{"message":"not found"}');
  }

  /** Serve the JWKS on loopback (https when given a certificate); resolves with its URL. */
  async listen(
    options: { host?: string; port?: number; tls?: { key: string | Buffer; cert: string | Buffer } } = {},
  ): Promise<string> {
    const handler = (req: IncomingMessage, res: ServerResponse): void => this.handle(req, res);
    const server = options.tls ? createHttpsServer(options.tls, handler) : createHttpServer(handler);
    const host = options.host ?? "127.0.0.1";
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, host, resolve);
    });
    this.server = server;
    const { port } = server.address() as AddressInfo;
    this.jwksUri = `${options.tls ? "https" : "http"}://${host}:${port}/${this.userPoolId}/.well-known/jwks.json`;
    return this.jwksUri;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections?.();
    await new Promise((resolve) => server.close(resolve));
  }
}
