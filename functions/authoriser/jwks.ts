import { createPublicKey, type KeyObject } from "node:crypto";
import type { request as httpRequest } from "node:http";
import type { Fetcher } from "aws-jwt-verify/https";
import { assertIsJwks, type Jwks, type JwkWithKid } from "aws-jwt-verify/jwk";
import { JwksNotAvailableInCacheError, KidNotFoundInJwksError } from "aws-jwt-verify/error";
import { safeJsonParse } from "aws-jwt-verify/safe-json-parse";
import { JwksFetchError } from "./errors.ts";

export { JwksFetchError };

/** A Cognito JWKS is about 1 KB; anything far larger is not a key set we should hold in memory. */
export const MAX_JWKS_BYTES = 256 * 1024;
export const FETCH_TIMEOUT_MS = 3_000;
/** After a failed fetch, or a kid the fresh key set lacks, no new fetch for this long: a flood stays one fetch. */
export const FETCH_BACKOFF_MS = 10_000;

// node:http and node:https load on the first fetch, through process.getBuiltinModule: importing node:http as an ES
// module loads undici (~20 ms of init), and with JWKS_JSON a cold start fetches nothing.
function requestFor(uri: string): typeof httpRequest {
  return process.getBuiltinModule(uri.startsWith("http:") ? "node:http" : "node:https").request;
}

/** GET over https (or http to loopback, already vetted by config) with one deadline and a size cap; no retries. */
export class BoundedFetcher implements Fetcher {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  constructor(options: { timeoutMs?: number; maxBytes?: number } = {}) {
    this.timeoutMs = options.timeoutMs ?? FETCH_TIMEOUT_MS;
    this.maxBytes = options.maxBytes ?? MAX_JWKS_BYTES;
  }

  fetch(uri: string): Promise<ArrayBuffer> {
    const request = requestFor(uri);
    return new Promise((resolve, reject) => {
      const req = request(uri, { method: "GET", headers: { accept: "application/json" } }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          fail(new JwksFetchError(`status ${res.statusCode}`));
          return;
        }
        const declared = Number(res.headers["content-length"]);
        if (declared > this.maxBytes) {
          fail(new JwksFetchError(`body of ${declared} bytes exceeds ${this.maxBytes}`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.maxBytes) fail(new JwksFetchError(`body exceeds ${this.maxBytes} bytes`));
          else chunks.push(chunk);
        });
        res.on("end", () => {
          if (!res.complete) return fail(new JwksFetchError("body truncated"));
          const body = Buffer.concat(chunks);
          clearTimeout(timer);
          resolve(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer);
        });
        res.on("aborted", () => fail(new JwksFetchError("body truncated")));
        res.on("error", (err) => fail(new JwksFetchError(err.message)));
      });
      const timer = setTimeout(
        () => fail(new JwksFetchError(`no complete answer within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      timer.unref();
      function fail(err: Error): void {
        clearTimeout(timer);
        req.destroy();
        reject(err);
      }
      req.on("error", (err) => fail(new JwksFetchError(err.message)));
      req.end();
    });
  }
}

function parseJwks(body: ArrayBuffer): Jwks {
  let parsed: unknown;
  try {
    parsed = safeJsonParse(new TextDecoder().decode(body));
  } catch {
    throw new JwksFetchError("body is not JSON");
  }
  assertIsJwks(parsed as never);
  return parsed as Jwks;
}

/** A key of the latest good JWKS, parsed once when that JWKS was stored. */
export interface VerificationKey {
  readonly jwk: JwkWithKid;
  readonly keyObject: KeyObject;
}

/**
 * The signature keys of a JWKS by kid: a kid with no key type we can verify with, a `use` other than sig, or key
 * material node:crypto refuses, is left out. The first key of a kid wins, as in aws-jwt-verify's findJwkInJwks.
 */
export function parseSignatureKeys(jwks: Jwks): Map<string, VerificationKey> {
  const keys = new Map<string, VerificationKey>();
  for (const jwk of jwks.keys) {
    const { kid, kty, use } = jwk as { kid?: unknown; kty?: unknown; use?: unknown };
    if (typeof kid !== "string" || kid === "" || keys.has(kid)) continue;
    if (use !== undefined && use !== "sig") continue;
    if (kty !== "RSA" && kty !== "EC" && kty !== "OKP") continue;
    try {
      const keyObject = createPublicKey({ key: jwk as never, format: "jwk" });
      // RFC 7518 3.3: RSA keys for RS* are 2048 bits or larger.
      if (kty === "RSA" && (keyObject.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) continue;
      keys.set(kid, { jwk: jwk as JwkWithKid, keyObject });
    } catch {
      // Not a public key node:crypto can read: no token verifies with it.
    }
  }
  return keys;
}

interface CacheEntry {
  keys: Map<string, VerificationKey>;
  fetchedAt: number;
}

/**
 * Keys per JWKS URI, kept for every invocation a container serves (Lambda sends it one at a time):
 * - one fetch in flight per URI, however many lookups wait on it (the init prefetch and a lookup, say);
 * - keys older than `maxAgeMs` are refreshed on next use (so a removed key stops working), and kept if the
 *   refresh fails (an IdP outage does not lock everyone out);
 * - a failed fetch, or a kid missing from fresh keys, starts a back-off during which no fetch is made.
 */
export class RefreshingJwksCache {
  readonly fetcher: Fetcher;
  readonly maxAgeMs: number;
  readonly backoffMs: number;
  readonly now: () => number;
  private readonly entries = new Map<string, CacheEntry>();
  private readonly inFlight = new Map<string, Promise<Jwks>>();
  private readonly backoffUntil = new Map<string, number>();

  constructor(options: { fetcher: Fetcher; maxAgeMs: number; backoffMs?: number; now?: () => number }) {
    this.fetcher = options.fetcher;
    this.maxAgeMs = options.maxAgeMs;
    this.backoffMs = options.backoffMs ?? FETCH_BACKOFF_MS;
    this.now = options.now ?? Date.now;
  }

  /** The keys that verify are exactly this JWKS's: a key replaced under the same kid is replaced here too. */
  addJwks(jwksUri: string, jwks: Jwks): void {
    this.entries.set(jwksUri, { keys: parseSignatureKeys(jwks), fetchedAt: this.now() });
  }

  /** The signature keys of the cached JWKS for this URI (none when nothing is cached). */
  signatureKeys(jwksUri: string): VerificationKey[] {
    return [...(this.entries.get(jwksUri)?.keys.values() ?? [])];
  }

  private inBackoff(jwksUri: string): boolean {
    return (this.backoffUntil.get(jwksUri) ?? 0) > this.now();
  }

  /** Fetch (or join the fetch in flight); a failure starts the back-off and rejects every waiter. */
  getJwks(jwksUri: string): Promise<Jwks> {
    const pending = this.inFlight.get(jwksUri);
    if (pending) return pending;
    if (this.inBackoff(jwksUri)) {
      return Promise.reject(new JwksNotAvailableInCacheError("JWKS fetch is backing off after a failure"));
    }
    const fetching = this.fetcher
      .fetch(jwksUri)
      .then(parseJwks)
      .then(
        (jwks) => {
          this.addJwks(jwksUri, jwks);
          return jwks;
        },
        (err: unknown) => {
          this.backoffUntil.set(jwksUri, this.now() + this.backoffMs);
          throw err instanceof JwksFetchError ? err : new JwksFetchError("no usable answer", { cause: err });
        },
      )
      .finally(() => this.inFlight.delete(jwksUri));
    this.inFlight.set(jwksUri, fetching);
    return fetching;
  }

  /** The parsed key for a kid when the cached keys hold it and are within their max age; no fetch, no await. */
  cachedKey(jwksUri: string, kid: string): VerificationKey | undefined {
    const entry = this.entries.get(jwksUri);
    if (entry === undefined || this.now() - entry.fetchedAt >= this.maxAgeMs) return undefined;
    return entry.keys.get(kid);
  }

  /** The parsed key for a kid, from the latest good JWKS; refetches (within the back-off) when the kid is new. */
  async getVerificationKey(jwksUri: string, kid: string): Promise<VerificationKey> {
    const cached = this.cachedKey(jwksUri, kid);
    if (cached !== undefined) return cached;
    const fresh = await this.freshEntryFor(jwksUri, kid);
    const key = fresh.keys.get(kid);
    if (!key) throw this.unknownKid(jwksUri);
    return key;
  }

  private unknownKid(jwksUri: string): KidNotFoundInJwksError {
    if (!this.inBackoff(jwksUri)) this.backoffUntil.set(jwksUri, this.now() + this.backoffMs);
    return new KidNotFoundInJwksError("kid not found in the JWKS");
  }

  /** The entry to look the kid up in: refetched when missing, stale, or lacking the kid (outside the back-off). */
  private async freshEntryFor(jwksUri: string, kid: string): Promise<CacheEntry> {
    let entry = this.entries.get(jwksUri);
    const stale = entry !== undefined && this.now() - entry.fetchedAt >= this.maxAgeMs;
    if (entry === undefined || stale || (!entry.keys.has(kid) && !this.inBackoff(jwksUri))) {
      try {
        await this.getJwks(jwksUri);
      } catch (err) {
        // Stale keys still serve while the IdP is unreachable; with no keys at all there is nothing to verify with.
        if (entry === undefined) throw err;
      }
      entry = this.entries.get(jwksUri) as CacheEntry;
    }
    return entry;
  }
}
