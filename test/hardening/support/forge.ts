// Token builders for attacks: header and payload given as raw JSON text (duplicate keys, 1e400, odd spacing),
// signed with any key or not at all.
import { createSign, type KeyObject } from "node:crypto";
import { LocalIssuer, makeSigningKey, type SigningKey } from "../../../local/issuer/issuer.ts";

export const b64url = (text: string): string => Buffer.from(text, "utf8").toString("base64url");

/** RS256 over `b64(header).b64(payload)`, both given as the exact JSON text to encode. */
export function signRaw(headerJson: string, payloadJson: string, key: KeyObject): string {
  const input = `${b64url(headerJson)}.${b64url(payloadJson)}`;
  return `${input}.${createSign("RSA-SHA256").update(input).sign(key).toString("base64url")}`;
}

/** JSON object text from [name, raw JSON value] entries, in order, duplicates kept. */
export function rawObject(entries: ReadonlyArray<readonly [string, string]>): string {
  return `{${entries.map(([name, value]) => `${JSON.stringify(name)}:${value}`).join(",")}}`;
}

export function entriesOf(object: Record<string, unknown>): Array<[string, string]> {
  return Object.entries(object).map(([name, value]) => [name, JSON.stringify(value)]);
}

/**
 * Valid tokens of one pool signed by two keys (the set the authoriser trusts), plus look-alikes it must refuse:
 * the same pool's claims signed by a key outside the set, and another pool's tokens.
 */
export class Corpus {
  readonly issuer: LocalIssuer;
  readonly stranger: LocalIssuer;
  readonly rogueKey: SigningKey;
  readonly valid: string[];
  readonly invalid: string[];
  readonly validSet: Set<string>;

  constructor() {
    this.issuer = new LocalIssuer({ keys: [makeSigningKey("key-one"), makeSigningKey("key-two")] });
    this.stranger = new LocalIssuer({ userPoolId: "eu-west-1_Stranger1", keys: [makeSigningKey("key-one")] });
    this.rogueKey = makeSigningKey("key-one");
    const users = ["alice", "bob", "carol", "dave"];
    this.valid = users.flatMap((username, i) =>
      this.issuer.keys.map((key) => this.issuer.mint({ username, key, groups: i % 2 === 0 ? ["admin"] : [] })),
    );
    this.invalid = [
      ...users.map((username) => this.issuer.mint({ username, key: this.rogueKey })),
      ...users.map((username) => this.stranger.mint({ username, clientId: this.issuer.clientId })),
      this.issuer.mint({ username: "eve", tokenUse: "access" }),
      this.issuer.mint({ username: "eve", expiresIn: -60 }),
    ];
    this.validSet = new Set(this.valid);
  }

  get all(): string[] {
    return [...this.valid, ...this.invalid];
  }

  key(kid: string): SigningKey {
    const key = this.issuer.keys.find((candidate) => candidate.kid === kid);
    if (!key) throw new Error(`no key ${kid}`);
    return key;
  }

  /** The claims of a fresh valid ID token for `username`, as entries of raw JSON text. */
  claimEntries(username = "mallory"): Array<[string, string]> {
    return entriesOf(this.issuer.claimsFor({ username }));
  }
}
