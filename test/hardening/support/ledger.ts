// One ledger for the whole hardening suite: the tokens it sent, the log lines it saw, and the counts reported
// at the end. Log lines are scanned against a set of token fragments, so tens of thousands of each stay cheap.

/** Base64url of `{"`: the start of every JWT header and payload, so any such run in a log is a leak. */
const JWT_LOOKING = /eyJ[A-Za-z0-9_-]{10,}/;
/** Fragments shorter than this are too common to call a leak (and too short to replay). */
const MIN_FRAGMENT = 16;

export interface Tally {
  casesTried: number;
  faultsInjected: number;
  connectionsHeld: number;
  allowsOfBadInput: number;
}

export class Ledger {
  readonly tally: Tally = { casesTried: 0, faultsInjected: 0, connectionsHeld: 0, allowsOfBadInput: 0 };
  /** The first MIN_FRAGMENT characters of every token and every segment of one. */
  private readonly fragments = new Set<string>();
  private readonly tokens = new Set<string>();
  private readonly lines: string[] = [];

  /** Remember a token sent anywhere by the suite; returns it, for use inline. */
  readonly secret = (token: string): string => {
    if (this.tokens.has(token)) return token;
    this.tokens.add(token);
    for (const part of [token, ...token.split(".")]) {
      if (part.length >= MIN_FRAGMENT) this.fragments.add(part.slice(0, MIN_FRAGMENT));
    }
    return token;
  };

  readonly collect = (line: string): void => {
    this.lines.push(line);
  };

  get lineCount(): number {
    return this.lines.length;
  }

  get tokenCount(): number {
    return this.tokens.size;
  }

  /** The JSON log lines (from index `from` on), parsed. */
  parsedLines(from = 0): Array<Record<string, unknown>> {
    return this.lines.slice(from).flatMap((line) => {
      if (!line.startsWith("{")) return [];
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }

  /**
   * Lines (from index `from` on) holding a JWT-looking run, or the start of any token or segment the suite sent:
   * even a truncated signature in a log is a leak.
   */
  leaking(from = 0): string[] {
    return this.lines.slice(from).filter((line) => {
      if (JWT_LOOKING.test(line)) return true;
      for (let start = 0; start + MIN_FRAGMENT <= line.length; start += 1) {
        if (this.fragments.has(line.slice(start, start + MIN_FRAGMENT))) return true;
      }
      return false;
    });
  }
}

export const ledger = new Ledger();
