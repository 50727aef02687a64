import { expect } from "chai";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import {
  BoundedFetcher,
  FETCH_TIMEOUT_MS,
  JwksFetchError,
  MAX_JWKS_BYTES,
  RefreshingJwksCache,
} from "../../../functions/authoriser/jwks.ts";
import { LocalIssuer } from "../../../local/issuer/issuer.ts";
import { makeLoopbackCertificate } from "../../support/certs.ts";

// The authoriser's real fetcher against servers on loopback, in-process (so `make mutation` runs it too: see
// scripts/mutation/stryker.config.mjs). The zip's own fetch is covered by zip.int.test.ts and test/hardening.

type Answer = (req: IncomingMessage, res: ServerResponse) => void;

interface Loopback {
  url: string;
  requests: IncomingMessage[];
  /** Resolves when the server sees the client's socket close. */
  socketClosed: Promise<void>;
  close(): Promise<void>;
}

async function serve(answer: Answer, tls?: { key: Buffer; cert: Buffer }): Promise<Loopback> {
  const requests: IncomingMessage[] = [];
  let closed: () => void = () => undefined;
  const socketClosed = new Promise<void>((resolve) => {
    closed = resolve;
  });
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    requests.push(req);
    req.socket.once("close", closed);
    req.resume();
    answer(req, res);
  };
  const server: Server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? "https" : "http"}://127.0.0.1:${port}/jwks.json`,
    requests,
    socketClosed,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function json(body: string, status = 200): Answer {
  return (_req, res) => {
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  };
}

/** A body sent chunked, so no content-length announces its size. */
function chunked(bytes: number): Answer {
  return (_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    for (let sent = 0; sent < bytes; sent += 1000) res.write(Buffer.alloc(Math.min(1000, bytes - sent), 0x20));
    res.end();
  };
}

async function failure(fetching: Promise<unknown>): Promise<JwksFetchError> {
  const err = await fetching.then(
    () => expect.fail("the fetch resolved"),
    (e: unknown) => e,
  );
  expect(err).to.be.instanceOf(JwksFetchError);
  return err as JwksFetchError;
}

const text = (body: ArrayBuffer): string => new TextDecoder().decode(body);

describe("JWKS fetch over loopback (BoundedFetcher, in-process)", () => {
  let server: Loopback | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("GETs the URL asking for JSON, and returns the body byte for byte", async () => {
    const body = JSON.stringify(new LocalIssuer().jwks());
    server = await serve(json(body));
    expect(text(await new BoundedFetcher().fetch(server.url))).to.equal(body);
    expect(server.requests).to.have.length(1);
    expect(server.requests[0]?.method).to.equal("GET");
    expect(server.requests[0]?.url).to.equal("/jwks.json");
    expect(server.requests[0]?.headers.accept).to.equal("application/json");
  });

  it("uses TLS for an https URL, and refuses a certificate it cannot trust", async () => {
    server = await serve(json('{"keys":[]}'), makeLoopbackCertificate());
    const err = await failure(new BoundedFetcher().fetch(server.url));
    expect(err.message).to.match(/^JWKS fetch failed: .*certificate/);
  });

  it("refuses a non-200 answer with its status", async () => {
    server = await serve(json('{"message":"internal error"}', 500));
    expect((await failure(new BoundedFetcher().fetch(server.url))).message).to.equal("JWKS fetch failed: status 500");
  });

  it("refuses a connection that fails, naming the failure", async () => {
    server = await serve(json("{}"));
    const url = server.url;
    await server.close();
    server = undefined;
    expect((await failure(new BoundedFetcher().fetch(url))).message).to.match(/^JWKS fetch failed: .*ECONNREFUSED/);
  });

  it("takes a body of exactly the cap, announced or chunked", async () => {
    server = await serve(json(" ".repeat(100)));
    expect((await new BoundedFetcher({ maxBytes: 100 }).fetch(server.url)).byteLength).to.equal(100);
    await server.close();
    server = await serve(chunked(2500));
    expect((await new BoundedFetcher({ maxBytes: 2500 }).fetch(server.url)).byteLength).to.equal(2500);
  });

  it("refuses a body whose content-length is over the cap before reading it", async () => {
    server = await serve(json(" ".repeat(101)));
    expect((await failure(new BoundedFetcher({ maxBytes: 100 }).fetch(server.url))).message).to.equal(
      "JWKS fetch failed: body of 101 bytes exceeds 100",
    );
  });

  it("refuses a chunked body once it grows past the cap", async () => {
    server = await serve(chunked(2501));
    expect((await failure(new BoundedFetcher({ maxBytes: 2500 }).fetch(server.url))).message).to.equal(
      "JWKS fetch failed: body exceeds 2500 bytes",
    );
  });

  it("caps the body at 256 KiB by default", async () => {
    expect(MAX_JWKS_BYTES).to.equal(262_144);
    server = await serve(chunked(MAX_JWKS_BYTES));
    expect((await new BoundedFetcher().fetch(server.url)).byteLength).to.equal(MAX_JWKS_BYTES);
    await server.close();
    server = await serve(chunked(MAX_JWKS_BYTES + 1));
    expect((await failure(new BoundedFetcher().fetch(server.url))).message).to.equal(
      `JWKS fetch failed: body exceeds ${MAX_JWKS_BYTES} bytes`,
    );
  });

  it("refuses a body cut short by the server", async () => {
    server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": 1000 });
      res.write(" ".repeat(400), () => res.destroy());
    });
    expect((await failure(new BoundedFetcher().fetch(server.url))).message).to.match(/^JWKS fetch failed: \S/);
  });

  it("gives up at its deadline and closes the connection", async () => {
    server = await serve(() => undefined);
    const fetching = new BoundedFetcher({ timeoutMs: 300 }).fetch(server.url);
    expect((await failure(fetching)).message).to.equal("JWKS fetch failed: no complete answer within 300 ms");
    await server.socketClosed;
  });

  it("has a 3 s deadline by default, longer than a loopback answer takes", async () => {
    expect(FETCH_TIMEOUT_MS).to.equal(3_000);
    server = await serve((_req, res) => {
      setTimeout(() => json("{}")(_req, res), 50);
    });
    expect(text(await new BoundedFetcher().fetch(server.url))).to.equal("{}");
  });

  it("feeds the key cache: a served key set verifies, a body that is not JSON is a failed fetch", async () => {
    const issuer = new LocalIssuer();
    server = await serve(json(JSON.stringify(issuer.jwks())));
    const cache = new RefreshingJwksCache({ fetcher: new BoundedFetcher(), maxAgeMs: 60_000 });
    const kid = (issuer.keys[0] as { kid: string }).kid;
    expect((await cache.getVerificationKey(server.url, kid)).jwk.kid).to.equal(kid);
    await server.close();
    server = await serve(json("<html>maintenance</html>"));
    const err = await failure(
      new RefreshingJwksCache({ fetcher: new BoundedFetcher(), maxAgeMs: 1 }).getJwks(server.url),
    );
    expect(err.message).to.equal("JWKS fetch failed: body is not JSON");
  });
});
