// How the page gets the right to mint without the mint key ever sitting in a URL: `make dev` (and `make dev-url`)
// print a one-time code; its first use is swapped for a random session value kept in an HttpOnly cookie, and the code
// is burnt, so the URL left in the browser's history opens nothing.
import { randomBytes, timingSafeEqual } from "node:crypto";

/** Long enough to open the banner's link after a coffee, short enough that an old link in a history is dead. */
export const CODE_LIFETIME_MS = 10 * 60_000;
/** Codes and sessions kept at most; the oldest goes first, so a loop asking for codes cannot grow the process. */
export const MAX_LIVE = 32;

export interface PageSessionsOptions {
  readonly now?: () => number;
  readonly codeLifetimeMs?: number;
}

interface Secret {
  readonly value: Buffer;
  readonly expiresAt: number;
}

/** The index of `given` among `known`, compared in constant time: every entry is compared, none exits early. */
function indexOf(known: readonly Secret[], given: string): number {
  const candidate = Buffer.from(given);
  let found = -1;
  known.forEach(({ value }, index) => {
    // Lengths are fixed by randomBytes, so a length mismatch says only that the input was malformed.
    if (value.length === candidate.length && timingSafeEqual(value, candidate)) found = index;
  });
  return found;
}

function remember(list: Secret[], value: string, expiresAt: number): string {
  list.push({ value: Buffer.from(value), expiresAt });
  if (list.length > MAX_LIVE) list.shift();
  return value;
}

export class PageSessions {
  readonly #now: () => number;
  readonly #lifetimeMs: number;
  readonly #codes: Secret[] = [];
  readonly #sessions: Secret[] = [];

  constructor(options: PageSessionsOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#lifetimeMs = options.codeLifetimeMs ?? CODE_LIFETIME_MS;
  }

  /** A new one-time code (128 random bits, URL-safe), good for CODE_LIFETIME_MS. */
  issueCode(): string {
    return remember(this.#codes, randomBytes(16).toString("base64url"), this.#now() + this.#lifetimeMs);
  }

  /** Burns the code and returns a new session value, or undefined for a code unknown, used already or expired. */
  redeem(code: string): string | undefined {
    const index = indexOf(this.#codes, code);
    if (index < 0) return undefined;
    const [{ expiresAt }] = this.#codes.splice(index, 1) as [Secret];
    if (this.#now() >= expiresAt) return undefined;
    // A session lasts as long as the stack: a restart makes new ones, and the page then says how to get a code.
    return remember(this.#sessions, randomBytes(32).toString("base64url"), Number.POSITIVE_INFINITY);
  }

  /** Whether the value is a session this stack handed out. */
  isSession(value: string | undefined): boolean {
    return value !== undefined && indexOf(this.#sessions, value) >= 0;
  }
}
