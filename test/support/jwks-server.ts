import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { LocalIssuer } from "../../local/issuer/issuer.ts";

/** How the key endpoint answers: its keys, or one of the faults an IdP or a network can produce. */
export type JwksBehaviour =
  | "keys"
  | "status500"
  | "notJson"
  | "noKeys"
  | "wrongKeyTypes"
  | "truncated"
  | "slow"
  | "huge"
  | "hang";

/** A JWKS endpoint on loopback whose behaviour a test switches, counting every request. */
export class JwksServer {
  readonly issuer: LocalIssuer;
  behaviour: JwksBehaviour = "keys";
  requests = 0;
  url = "";
  private server: Server | undefined;

  constructor(issuer: LocalIssuer) {
    this.issuer = issuer;
  }

  private respond(res: ServerResponse): void {
    const json = (status: number, body: string) => {
      res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    };
    switch (this.behaviour) {
      case "keys":
        json(200, JSON.stringify(this.issuer.jwks()));
        return;
      case "status500":
        json(500, '{"message":"internal error"}');
        return;
      case "notJson":
        json(200, "<html>maintenance</html>");
        return;
      case "noKeys":
        json(200, '{"items":[]}');
        return;
      case "wrongKeyTypes":
        json(200, JSON.stringify({ keys: this.issuer.jwks().keys.map((key) => ({ ...key, kty: 42, n: null })) }));
        return;
      case "truncated": {
        const body = JSON.stringify(this.issuer.jwks());
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
        res.write(body.slice(0, body.length / 2));
        setTimeout(() => res.destroy(), 20);
        return;
      }
      case "slow":
        setTimeout(() => json(200, JSON.stringify(this.issuer.jwks())), 5_000).unref();
        return;
      case "huge": {
        res.writeHead(200, { "content-type": "application/json" });
        const chunk = Buffer.alloc(1024 * 1024, 0x20);
        let sent = 0;
        const pump = (): void => {
          while (sent < 10 && res.write(chunk)) sent += 1;
          if (sent >= 10) res.end();
          else
            res.once("drain", () => {
              sent += 1;
              pump();
            });
        };
        res.on("error", () => undefined);
        pump();
        return;
      }
      case "hang":
        return;
    }
  }

  async listen(tls?: { key: Buffer; cert: Buffer }): Promise<string> {
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      this.requests += 1;
      req.resume();
      this.respond(res);
    };
    const server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.server = server;
    const { port } = server.address() as AddressInfo;
    this.url = `${tls ? "https" : "http"}://127.0.0.1:${port}/${this.issuer.userPoolId}/.well-known/jwks.json`;
    return this.url;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
