// The differential oracle: the same generated tokens through our verifier, aws-jwt-verify (CognitoJwtVerifier for a
// pool, JwtVerifier for another issuer) and jose's jwtVerify, with the same settings and key sets. Every verdict that
// differs must match a row of DELIBERATE below, each with its reason; any other difference fails the test.
//   ORACLE_CASES  tokens to generate (default 4,000: about a minute here, with the other tests)
//   ORACLE_SEED   replay a run (printed at the start)
import { expect } from "chai";
import { CaseMaker, describe as describeValue, makeKeys, type OracleCase, type Post } from "./support/oracle-cases.ts";
import {
  awsJwtVerify,
  CONFIGS,
  type ConfigName,
  familyOf,
  jose,
  ours,
  type Verify,
} from "./support/oracle-verifiers.ts";
import { ledger } from "./support/ledger.ts";

type Oracle = "aws-jwt-verify" | "jose";

interface Deliberate {
  readonly id: string;
  readonly oracles: readonly Oracle[];
  /** Our reason for refusing (every deliberate difference is one where we refuse and the library allows). */
  readonly reasons: readonly string[];
  readonly when: (c: OracleCase, config: ConfigName) => boolean;
  readonly why: string;
}

const RESPELLINGS: readonly Post[] = ["padSignature", "padPayload", "appendA", "plusSlash", "respell"];
const REGISTERED_TYPES = ["iss", "sub", "aud", "exp", "nbf", "iat", "jti", "scope"];
const COGNITO_REQUIRED = [
  "sub",
  "iss",
  "exp",
  "iat",
  "token_use",
  "aud",
  "client_id",
  "cognito:username",
  "username",
  "auth_time",
  "scope",
];
const claim = (c: OracleCase, names: readonly string[]) => c.change?.where === "claim" && names.includes(c.change.name);
const header = (c: OracleCase, name: string) => c.change?.where === "header" && c.change.name === name;
const typ = (value: unknown) => [undefined, "JWT", "at+jwt", "application/at+jwt"].includes(value as string);

/** The written table of deliberate differences. SECURITY.md links here. */
const DELIBERATE: readonly Deliberate[] = [
  {
    id: "one-spelling",
    oracles: ["aws-jwt-verify", "jose"],
    reasons: ["malformed_token"],
    when: (c) => RESPELLINGS.includes(c.post),
    why:
      "Every character must be one of base64url's 64 and every segment the canonical spelling of its bytes. aws-jwt-verify's " +
      "shape check allows '=' padding, and Node's decoder (both libraries') drops a lone trailing character: a second " +
      "string for the same signed token. We keep one (SECURITY.md, 'one accepted form').",
  },
  {
    id: "typ",
    oracles: ["aws-jwt-verify", "jose"],
    reasons: ["malformed_token"],
    when: (c) => header(c, "typ") && !typ(c.change?.value),
    why: "typ must be absent, JWT (RFC 7519 5.1) or at+jwt (RFC 9068 2.1), spelt exactly; neither library checks typ unless asked.",
  },
  {
    id: "crit",
    oracles: ["aws-jwt-verify"],
    reasons: ["malformed_token"],
    when: (c) => header(c, "crit"),
    why: "We implement no JWS extension, so any crit is refused (RFC 7515 4.1.11); aws-jwt-verify ignores crit (jose refuses it too).",
  },
  {
    id: "kid-required",
    oracles: ["jose"],
    reasons: ["malformed_token"],
    when: (c) => header(c, "kid"),
    why:
      "Keys are looked up by kid only, never chosen by type: without a kid jose takes the one key of the alg's type in the set " +
      "(aws-jwt-verify requires a kid, as we do; we also cap it at 256 characters).",
  },
  {
    id: "registered-claim-types",
    oracles: ["jose"],
    reasons: ["malformed_token"],
    when: (c) => claim(c, REGISTERED_TYPES),
    why:
      "The registered claims' JSON types are asserted as aws-jwt-verify's decomposeUnverifiedJwt does (iss, sub, jti, scope " +
      "strings; aud a string or a list of strings); jose checks sub, jti and scope only when asked, and aud by inclusion only.",
  },
  {
    id: "cognito-claims",
    oracles: ["aws-jwt-verify", "jose"],
    reasons: ["missing_claim", "invalid_claim"],
    when: (c, config) => familyOf(config) === "cognito" && claim(c, COGNITO_REQUIRED),
    why:
      "Cognito always sets sub, iss, exp, iat, token_use, and per kind aud, cognito:username and auth_time (ID), client_id, " +
      "username and auth_time (access) or scope (machine to machine), typed (AWS docs): a token without one is not Cognito's. " +
      "aws-jwt-verify checks only token_use and the client; jose none of them.",
  },
  {
    id: "oidc-claims",
    oracles: ["aws-jwt-verify", "jose"],
    reasons: ["missing_claim", "invalid_claim"],
    when: (c, config) => familyOf(config) === "oidc" && claim(c, ["sub", "iss", "exp", "iat"]),
    why: "iss, sub, exp and iat are REQUIRED in an ID token (OIDC Core 2) and an access token (RFC 9068 2.2); the libraries check them only when present.",
  },
  {
    id: "optional-ids",
    oracles: ["aws-jwt-verify", "jose"],
    reasons: ["invalid_claim"],
    when: (c) => claim(c, ["jti", "origin_jti", "event_id"]),
    why: "jti, origin_jti and event_id are optional but, when present, non-empty strings (Cognito's are UUIDs): a replay cache keys on jti.",
  },
  {
    id: "groups",
    oracles: ["aws-jwt-verify", "jose"],
    reasons: ["invalid_claim"],
    when: (c) => claim(c, ["cognito:groups"]),
    why: "The groups claim (GROUPS_CLAIM) must be a list of strings: REQUIRED_GROUPS and the handlers read it. The libraries do not read groups.",
  },
  {
    id: "scp",
    oracles: ["aws-jwt-verify", "jose"],
    reasons: ["invalid_claim"],
    when: (c, config) => familyOf(config) === "oidc" && claim(c, ["scp"]),
    why: "With ISSUER, scopes are read from scp when there is no scope (Okta's list, Entra ID's string); any other type is refused. The libraries do not read scp.",
  },
  {
    id: "cognito-kind-and-client",
    oracles: ["jose"],
    reasons: ["wrong_token_use", "wrong_audience"],
    when: (_c, config) => familyOf(config) === "cognito",
    why:
      "jose knows nothing of Cognito: token_use against TOKEN_USE, and the app client in aud (ID token) or client_id (access " +
      "token). aws-jwt-verify's CognitoJwtVerifier checks both, as we do.",
  },
];

const SEED = Number(process.env.ORACLE_SEED ?? Date.now() % 2_147_483_647);
const CASES = Number(process.env.ORACLE_CASES ?? 4_000);

describe("hardening: differential oracle against aws-jwt-verify and jose", function () {
  this.timeout(30 * 60_000);

  it(`gives the libraries' verdict on ${CASES} generated tokens, but for the written deliberate differences`, async () => {
    console.log(`      (oracle seed ${SEED}; set ORACLE_SEED to replay, ORACLE_CASES for more)`);
    const keys = makeKeys();
    const maker = new CaseMaker(keys, SEED);
    const verifiers = new Map<string, Record<"ours" | Oracle, Verify>>();
    const counts = { comparisons: 0, allowed: 0, refused: 0, deliberate: new Map<string, number>() };
    const undocumented = new Map<string, { count: number; example: string }>();
    for (let i = 0; i < CASES; i += 1) {
      const c = maker.next();
      for (const config of CONFIGS) {
        if (familyOf(config) !== c.family) continue;
        const id = `${config} ${c.keySet}`;
        let set = verifiers.get(id);
        if (set === undefined) {
          const jwks = keys.jwks[c.keySet];
          set = { ours: ours(config, jwks), "aws-jwt-verify": awsJwtVerify(config, jwks), jose: jose(config, jwks) };
          verifiers.set(id, set);
        }
        const mine = await set.ours(c.token);
        if (mine.allow) counts.allowed += 1;
        else counts.refused += 1;
        for (const oracle of ["aws-jwt-verify", "jose"] as const) {
          const theirs = await set[oracle](c.token);
          counts.comparisons += 1;
          if (theirs.allow === mine.allow) continue;
          const row = DELIBERATE.find(
            (rule) =>
              !mine.allow &&
              rule.oracles.includes(oracle) &&
              rule.reasons.includes(mine.reason) &&
              rule.when(c, config),
          );
          if (row !== undefined) {
            counts.deliberate.set(row.id, (counts.deliberate.get(row.id) ?? 0) + 1);
            continue;
          }
          const change = c.change ? `${c.change.where} ${c.change.name}=${describeValue(c.change.value)}` : "no change";
          const key = `${oracle} ${mine.allow ? "ALLOWS" : `refuses (${mine.reason})`} where it ${theirs.reason}: ${config}, ${c.kind}, ${change}, ${c.post}, ${c.keySet}`;
          const seen = undocumented.get(key) ?? { count: 0, example: `${c.alg} seed ${SEED} case ${i}` };
          seen.count += 1;
          undocumented.set(key, seen);
        }
      }
    }
    ledger.tally.casesTried += CASES;
    console.log(
      `      ${CASES} tokens (${maker.signatures} signed), ${counts.comparisons} comparisons; ours allowed ${counts.allowed}, ` +
        `refused ${counts.refused}; deliberate differences: ${[...counts.deliberate].map(([id, n]) => `${id} ${n}`).join(", ") || "none"}; ` +
        `undocumented: ${[...undocumented.values()].reduce((sum, { count }) => sum + count, 0)}`,
    );
    expect([...undocumented].map(([key, { count, example }]) => `${count} x ${key} (${example})`)).to.deep.equal([]);
    expect(counts.allowed, "some tokens were valid").to.be.greaterThan(CASES / 20);
  });
});
