import { expect } from "chai";
import fc from "fast-check";
import sinon from "sinon";
import { parseConfig } from "../../functions/authoriser/config.ts";
import { MAX_TOKEN_LENGTH } from "../../functions/authoriser/extract-token.ts";
import { RefreshingJwksCache } from "../../functions/authoriser/jwks.ts";
import { createTokenVerifier } from "../../functions/authoriser/verifier.ts";
import { jwksBody, makeStubbedAuthoriser } from "../support/authoriser.ts";
import {
  connectEventWith,
  InProcessAuthoriser,
  PLACEMENTS,
  refusalProblem,
  type Outcome,
  type Placement,
} from "./support/decide.ts";
import { b64url, Corpus, entriesOf, rawObject, signRaw } from "./support/forge.ts";
import { ledger } from "./support/ledger.ts";

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const STRANGE = [".", "=", "+", "/", " ", "%", "\t", "\u0000", "é", "😀", ",", '"'];
const SEED = Number(process.env.HARDENING_SEED ?? Date.now() % 2_147_483_647);

/** Property runs per kind of attack; the total is what `make test` tries. */
const RUNS = {
  bytes: 30_000,
  headers: 2_500,
  claims: 4_000,
  duplicates: 1_000,
  swaps: 3_000,
  junk: 5_000,
  events: 5_000,
  oidc: 2_000,
};

describe("hardening: mutated tokens against the authoriser's real modules (property-based)", function () {
  this.timeout(180_000);
  let corpus: Corpus;
  let authoriser: InProcessAuthoriser;
  let firstLine: number;
  let firstCase: number;
  let started: number;
  const now = (): number => Math.floor(Date.now() / 1000);

  before(() => {
    corpus = new Corpus();
    authoriser = new InProcessAuthoriser(makeStubbedAuthoriser({}, corpus.issuer));
    firstLine = ledger.lineCount;
    firstCase = ledger.tally.casesTried;
    started = Date.now();
    console.log(`      (fast-check seed ${SEED}; set HARDENING_SEED to replay)`);
  });
  beforeEach(() => authoriser.tap());
  afterEach(() => authoriser.release());

  /** Decide and check: an allow must be expected, and every refusal must be exact and logged without the token. */
  async function check(token: string, expectAllow: boolean, placement: Placement = "query"): Promise<Outcome> {
    ledger.tally.casesTried += 1;
    const { outcome, lines } = await authoriser.decide(token, placement);
    if (outcome.kind === "allow" && !expectAllow) {
      ledger.tally.allowsOfBadInput += 1;
      throw new Error(`allowed a token it must refuse: ${token}`);
    }
    if (expectAllow) {
      if (outcome.kind !== "allow") throw new Error(`refused a valid token (${JSON.stringify(outcome)}): ${token}`);
      return outcome;
    }
    const problem = refusalProblem(token, outcome, lines);
    if (problem) throw new Error(`${problem}: ${token}`);
    return outcome;
  }

  const property = <T>(runs: number, arbitrary: fc.Arbitrary<T>, predicate: (value: T) => Promise<void>) =>
    fc.assert(fc.asyncProperty(arbitrary, predicate), { numRuns: runs, seed: SEED, endOnFailure: true });

  it("allows every token of the corpus that is valid, and refuses every look-alike", async () => {
    for (const token of corpus.valid) await check(token, true);
    for (const token of corpus.invalid) await check(token, false);
  });

  it(`refuses every edit of any byte of any segment unless it gives back a valid token (${RUNS.bytes} cases)`, async () => {
    const edit = fc.record({
      kind: fc.constantFrom("replace", "insert", "delete"),
      segment: fc.integer({ min: 0, max: 2 }),
      // Segment ends carry the unused bits of base64url and the dots: bias edits towards them.
      at: fc.oneof({ weight: 3, arbitrary: fc.nat() }, { weight: 1, arbitrary: fc.constantFrom(-1, -2, 0) }),
      char: fc.oneof(
        { weight: 5, arbitrary: fc.constantFrom(...BASE64URL) },
        { weight: 1, arbitrary: fc.constantFrom(...STRANGE) },
      ),
    });
    await property(
      RUNS.bytes,
      fc.record({
        token: fc.constantFrom(...corpus.all),
        edits: fc.array(edit, { minLength: 1, maxLength: 3 }),
        placement: fc.constantFrom(...PLACEMENTS),
      }),
      async ({ token, edits, placement }) => {
        let mutated = token;
        for (const { kind, segment, at, char } of edits) {
          const parts = mutated.split(".");
          const start = parts.slice(0, segment).reduce((sum, part) => sum + part.length + 1, 0);
          const length = (parts[segment] ?? "").length;
          const offset = at < 0 ? Math.max(0, length + at) : length === 0 ? 0 : at % length;
          const index = Math.min(start + offset, mutated.length);
          mutated =
            kind === "replace"
              ? mutated.slice(0, index) + char + mutated.slice(index + 1)
              : kind === "insert"
                ? mutated.slice(0, index) + char + mutated.slice(index)
                : mutated.slice(0, index) + mutated.slice(index + 1);
        }
        // Header values are framed by optional whitespace and (the subprotocol list) by commas, with empty list
        // elements ignored (RFC 9110 §5.6.1): that framing is not part of the token.
        const sent =
          placement === "query"
            ? mutated
            : placement === "authorization"
              ? mutated.trim()
              : (mutated
                  .split(",")
                  .map((item) => item.trim())
                  .find((item) => item !== "") ?? "");
        const outcome = await check(mutated, corpus.validSet.has(sent), placement);
        if (outcome.kind === "allow") expect(sent).to.be.oneOf(corpus.valid);
      },
    );
  });

  it(`decides re-encoded headers (alg, kid, typ, crit, jku, jwk) by RS256 + known kid + signature alone (${RUNS.headers} cases)`, async () => {
    const jsonValue = (...values: unknown[]) => fc.constantFrom(...values.map((value) => JSON.stringify(value)));
    const header = fc.record({
      alg: fc.option(
        jsonValue(
          "RS256",
          "none",
          "None",
          "HS256",
          "RS384",
          "RS512",
          "PS256",
          "ES256",
          "EdDSA",
          "rs256",
          "RS256 ",
          "",
          null,
          256,
          ["RS256"],
        ),
        { nil: undefined },
      ),
      kid: fc.option(
        jsonValue("key-one", "key-two", "unknown", "", 1, null, "x".repeat(300), "../../etc/passwd", "key-one\u0000"),
        { nil: undefined },
      ),
      typ: fc.option(jsonValue("JWT", "jwt", "at+jwt", "JWS", 1, null), { nil: undefined }),
      crit: fc.option(jsonValue([], ["exp"], "b64", null), { nil: undefined }),
      extra: fc.constantFrom<Array<[string, string]>>(
        [],
        [["jku", JSON.stringify("https://attacker.example/jwks.json")]],
        [["x5u", JSON.stringify("https://attacker.example/cert.pem")]],
        [["b64", "false"]],
        [["zip", JSON.stringify("DEF")]],
        [["alg", JSON.stringify("none")]],
        [["kid", JSON.stringify("key-two")]],
      ),
      order: fc.boolean(),
    });
    await property(
      RUNS.headers,
      fc.record({ header, signer: fc.constantFrom("key-one", "key-two", "rogue", "unsigned"), embedJwk: fc.boolean() }),
      async ({ header: { alg, kid, typ, crit, extra, order }, signer, embedJwk }) => {
        const signingKey =
          signer === "rogue" ? corpus.rogueKey : corpus.key(signer === "unsigned" ? "key-one" : signer);
        const fields: Array<[string, string]> = [];
        if (alg !== undefined) fields.push(["alg", alg]);
        if (kid !== undefined) fields.push(["kid", kid]);
        if (typ !== undefined) fields.push(["typ", typ]);
        if (crit !== undefined) fields.push(["crit", crit]);
        if (embedJwk) fields.push(["jwk", JSON.stringify(signingKey.publicJwk)]);
        const headerJson = rawObject(order ? [...fields, ...extra] : [...extra, ...fields]);
        const payloadJson = rawObject(corpus.claimEntries());
        const original = signRaw(
          rawObject([
            ["kid", '"key-one"'],
            ["alg", '"RS256"'],
          ]),
          payloadJson,
          corpus.key("key-one").privateKey,
        );
        const token =
          signer === "unsigned"
            ? `${b64url(headerJson)}.${original.split(".").slice(1).join(".")}`
            : signRaw(headerJson, payloadJson, signingKey.privateKey);
        // JSON.parse keeps the last of duplicate names, as RFC 7515 allows; the authoriser must decide on that same view.
        const seen = JSON.parse(headerJson) as Record<string, unknown>;
        const expectAllow =
          signer === "unsigned"
            ? token === original
            : signer !== "rogue" &&
              seen.alg === "RS256" &&
              seen.kid === signer &&
              !("crit" in seen) &&
              (seen.typ === undefined || seen.typ === "JWT" || seen.typ === "at+jwt");
        await check(token, expectAllow);
      },
    );
  });

  it(`refuses signed claims of wrong types, numbers as strings, wrong values or missing, and allows benign extras (${RUNS.claims} cases)`, async () => {
    const notString = fc.oneof(
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string(), { maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }),
      fc.constant(""),
    );
    const notNumber = fc.oneof(
      fc.integer({ min: 0, max: 4_000_000_000 }).map(String),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.integer(), { maxLength: 2 }),
      fc.constant({}),
      fc.string({ maxLength: 8 }),
    );
    const raw = (arbitrary: fc.Arbitrary<unknown>) => arbitrary.map((value) => JSON.stringify(value));
    const claimName = fc
      .string({ minLength: 1, maxLength: 12 })
      .filter((name) => !CHECKED_CLAIMS.has(name) && !name.startsWith("__"));
    const bad: fc.Arbitrary<ClaimMutation> = fc.oneof(
      fc
        .record({
          name: fc.constantFrom("sub", "iss", "aud", "token_use", "jti", "cognito:username"),
          value: raw(notString),
        })
        .map(({ name, value }) => mutation(`${name} as ${value}`, (entries) => replace(entries, name, value))),
      fc
        .record({
          name: fc.constantFrom("exp", "iat", "auth_time", "nbf"),
          value: fc.oneof(raw(notNumber), fc.constantFrom("1e400", "-1e400")),
        })
        .map(({ name, value }) => mutation(`${name} as ${value}`, (entries) => replace(entries, name, value))),
      fc
        .constantFrom("sub", "iss", "aud", "exp", "iat", "auth_time", "token_use", "cognito:username")
        .map((name) => mutation(`${name} missing`, (entries) => entries.filter(([key]) => key !== name))),
      fc
        .integer({ min: 1, max: 10 * 365 * 86_400 })
        .map((ago) => mutation(`exp ${ago}s ago`, (entries) => replace(entries, "exp", String(now() - ago)))),
      fc
        .integer({ min: 120, max: 10 * 365 * 86_400 })
        .map((ahead) => mutation(`nbf ${ahead}s ahead`, (entries) => replace(entries, "nbf", String(now() + ahead)))),
      fc
        .oneof(fc.string(), fc.constantFrom(...ISSUER_NEAR_MISSES))
        .filter((iss) => iss !== corpus.issuer.issuer)
        .map((iss) => mutation(`iss ${iss}`, (entries) => replace(entries, "iss", JSON.stringify(iss)))),
      fc
        .oneof(
          fc.string({ minLength: 1 }),
          fc.constantFrom(
            corpus.issuer.clientId.toUpperCase(),
            ` ${corpus.issuer.clientId}`,
            `${corpus.issuer.clientId},x`,
          ),
        )
        .filter((aud) => aud !== corpus.issuer.clientId)
        .map((aud) => mutation(`aud ${aud}`, (entries) => replace(entries, "aud", JSON.stringify(aud)))),
      fc.constant(
        mutation("aud as a list holding our client", (entries) =>
          replace(entries, "aud", JSON.stringify([corpus.issuer.clientId])),
        ),
      ),
      fc
        .string()
        .filter((use) => use !== "id")
        .map((use) => mutation(`token_use ${use}`, (entries) => replace(entries, "token_use", JSON.stringify(use)))),
      fc
        .oneof(
          fc.string().map((value) => JSON.stringify(value)),
          fc.constantFrom("[1]", "[null]", "{}", '[["admin"]]', "true"),
        )
        .map((groups) => mutation(`cognito:groups ${groups}`, (entries) => replace(entries, "cognito:groups", groups))),
    );
    const benign: fc.Arbitrary<ClaimMutation> = fc.oneof(
      // Cognito sets jti and origin_jti only where token revocation is on for the app client.
      fc
        .constantFrom("jti", "origin_jti")
        .map((name) => mutation(`${name} missing`, (entries) => entries.filter(([key]) => key !== name))),
      fc
        .record({ name: claimName, value: fc.jsonValue({ maxDepth: 3 }) })
        .map(({ name, value }) =>
          mutation(`extra ${name}`, (entries) => [...entries, [name, JSON.stringify(value)] as [string, string]]),
        ),
      fc
        .string({ unit: "grapheme", minLength: 1, maxLength: 40 })
        .map((username) =>
          mutation(
            `username ${username}`,
            (entries) => replace(entries, "cognito:username", JSON.stringify(username)),
            username,
          ),
        ),
      fc
        .array(fc.string({ unit: "grapheme", minLength: 1, maxLength: 10 }), { maxLength: 5 })
        .map((groups) =>
          mutation(`groups ${groups.join("|")}`, (entries) =>
            replace(entries, "cognito:groups", JSON.stringify(groups)),
          ),
        ),
      fc
        .integer({ min: 1_000, max: 14_000 })
        .map((size) =>
          mutation(`a ${size}-character claim`, (entries) => [
            ...entries,
            ["pad", JSON.stringify("é".repeat(size / 2))] as [string, string],
          ]),
        ),
    );
    await property(
      RUNS.claims,
      fc.record({
        mutation: fc.oneof(
          { weight: 3, arbitrary: bad.map((m) => ({ ...m, bad: true })) },
          { weight: 1, arbitrary: benign.map((m) => ({ ...m, bad: false })) },
        ),
        placement: fc.constantFrom(...PLACEMENTS),
      }),
      async ({ mutation, placement }) => {
        const payloadJson = rawObject(mutation.change(corpus.claimEntries()));
        const token = signRaw('{"kid":"key-one","alg":"RS256"}', payloadJson, corpus.key("key-one").privateKey);
        const expectAllow = !mutation.bad && token.length <= MAX_TOKEN_LENGTH;
        const outcome = await check(token, expectAllow, placement);
        if (outcome.kind === "allow" && mutation.username !== undefined)
          expect(outcome.context.username).to.equal(mutation.username);
      },
    );
  });

  it(`decides duplicate claim names on the last one, as JSON.parse reads them, with no split view (${RUNS.duplicates} cases)`, async () => {
    const goodAndBad: Record<string, () => [string, string]> = {
      exp: () => [String(now() + 3600), String(now() - 3600)],
      iss: () => [JSON.stringify(corpus.issuer.issuer), JSON.stringify(corpus.stranger.issuer)],
      aud: () => [JSON.stringify(corpus.issuer.clientId), JSON.stringify("another-client")],
      token_use: () => [JSON.stringify("id"), JSON.stringify("access")],
      nbf: () => [String(now() - 60), String(now() + 3600)],
      sub: () => [JSON.stringify("sub-good"), "42"],
    };
    await property(
      RUNS.duplicates,
      fc.record({
        name: fc.constantFrom(...Object.keys(goodAndBad)),
        lastIsGood: fc.boolean(),
        copies: fc.integer({ min: 2, max: 4 }),
      }),
      async ({ name, lastIsGood, copies }) => {
        const [good, bad] = (goodAndBad[name] as () => [string, string])();
        const values = Array.from({ length: copies }, (_, i) => ((i === copies - 1) === lastIsGood ? good : bad));
        const entries = replace(corpus.claimEntries(), name, values[0] as string);
        const payloadJson = rawObject([
          ...entries,
          ...values.slice(1).map((value) => [name, value] as [string, string]),
        ]);
        const token = signRaw('{"kid":"key-one","alg":"RS256"}', payloadJson, corpus.key("key-one").privateKey);
        const outcome = await check(token, lastIsGood);
        if (outcome.kind === "allow" && name === "sub") expect(outcome.principalId).to.equal("sub-good");
      },
    );
  });

  it(`refuses segments swapped between tokens unless they make a valid token again (${RUNS.swaps} cases)`, async () => {
    const extra = [
      corpus.issuer.mint({ username: "root", groups: ["admin"] }),
      corpus.issuer.mint({ username: "eve", clientId: "other-client" }),
      signRaw('{"alg":"none","kid":"key-one"}', '{"sub":"x"}', corpus.rogueKey.privateKey),
    ];
    const pool = [...corpus.all, ...extra];
    await property(
      RUNS.swaps,
      fc.tuple(
        fc.constantFrom(...pool),
        fc.constantFrom(...pool),
        fc.constantFrom(...pool),
        fc.constantFrom(...PLACEMENTS),
      ),
      async ([a, b, c, placement]) => {
        const token = [a.split(".")[0], b.split(".")[1], c.split(".")[2]].join(".");
        await check(token, token === extra[0] || corpus.validSet.has(token), placement);
      },
    );
  });

  it(`never throws anything but Unauthorized for events of any shape, and allows only the exact methodArn (${RUNS.events} cases)`, async () => {
    const token = corpus.valid[0] as string;
    const base = connectEventWith(token, "query") as unknown as Record<string, unknown>;
    // API Gateway sends strings (and lists of strings) whose values the client picks: those must never reach an
    // unexpected exception. Other shapes cannot come from API Gateway; they must still end in Unauthorized.
    const shaped = (typed: boolean) => {
      const anything = typed
        ? fc.string({ maxLength: 30 })
        : fc.anything({ maxDepth: 2, withNullPrototype: true, withObjectString: true });
      const headerValue = fc.oneof(
        fc.constantFrom(
          `Bearer ${token}`,
          `bearer, ${token}`,
          token,
          `Bearer ${token}, bearer`,
          `bearer,${token},${token}`,
        ),
        anything,
      );
      const single = fc.dictionary(
        fc.constantFrom("Authorization", "authorization", "Sec-WebSocket-Protocol", "auth", "Auth", "x"),
        headerValue,
      );
      const multi = fc.dictionary(
        fc.constantFrom("Authorization", "Sec-WebSocket-Protocol", "auth"),
        typed ? fc.array(headerValue, { maxLength: 3 }) : fc.oneof(fc.array(headerValue), anything),
      );
      return fc
        .record(
          {
            methodArn: fc.oneof(
              fc.constant(base.methodArn),
              fc.string(),
              fc.constantFrom(`${String(base.methodArn)}/*`, "arn:aws:execute-api:eu-west-1:123456789012:*/*/*", "*"),
              ...(typed ? [] : [anything]),
            ),
            headers: typed ? single : fc.oneof(single, anything),
            multiValueHeaders: typed ? multi : fc.oneof(multi, anything),
            queryStringParameters: typed ? single : fc.oneof(single, anything),
            multiValueQueryStringParameters: typed ? multi : fc.oneof(multi, anything),
            requestContext: typed
              ? fc.constant(base.requestContext)
              : fc.oneof(fc.constant(base.requestContext), anything),
          },
          { requiredKeys: [] },
        )
        .map((fields) => ({ typed, event: { ...base, ...fields } as unknown }));
    };
    const event = fc.oneof(
      { weight: 3, arbitrary: shaped(true) },
      { weight: 2, arbitrary: shaped(false) },
      { weight: 1, arbitrary: fc.anything().map((event) => ({ typed: false, event })) },
    );
    await property(RUNS.events, event, async ({ typed, event: candidate }) => {
      ledger.tally.casesTried += 1;
      const { outcome, lines } = await authoriser.decideEvent(candidate);
      if (outcome.kind === "allow") {
        const methodArn = (candidate as { methodArn?: unknown }).methodArn;
        // Only ever the one route being connected to: never a wildcard, never another ARN.
        const scoped = outcome.resource === methodArn && typeof methodArn === "string" && !methodArn.includes("*");
        if (!scoped) ledger.tally.allowsOfBadInput += 1;
        expect(scoped, `Allow on ${String(outcome.resource)} for methodArn ${String(methodArn)}`).to.equal(true);
        return;
      }
      const problem = refusalProblem(token, outcome, lines);
      if (problem && (typed || !problem.includes("reason internal")))
        throw new Error(`${problem}: ${JSON.stringify(candidate)?.slice(0, 300)}`);
    });
  });

  it(`refuses junk of any shape: random text, dotted base64url, JSON segments, oversized tokens (${RUNS.junk} cases)`, async () => {
    const segment = fc.string({ unit: fc.constantFrom(...BASE64URL), maxLength: 60 });
    const jsonSegment = fc.jsonValue({ maxDepth: 2 }).map((value) => b64url(JSON.stringify(value)));
    const junk = fc.oneof(
      fc.string({ unit: "binary", maxLength: 200 }),
      fc.array(segment, { minLength: 1, maxLength: 5 }).map((parts) => parts.join(".")),
      fc.tuple(jsonSegment, jsonSegment, segment).map((parts) => parts.join(".")),
      fc
        .integer({ min: MAX_TOKEN_LENGTH - 8, max: MAX_TOKEN_LENGTH * 4 })
        .map((size) => `${corpus.valid[0]}${"A".repeat(size)}`),
    );
    await property(
      RUNS.junk,
      fc.record({ token: junk, placement: fc.constantFrom(...PLACEMENTS) }),
      async ({ token, placement }) => {
        await check(token, corpus.validSet.has(token), placement);
      },
    );
  });

  it(`decides tokens of a generic OIDC issuer (ISSUER mode) by iss, aud, exp, nbf and claim types alone (${RUNS.oidc} cases)`, async () => {
    const iss = "https://login.example.com";
    const clientId = corpus.issuer.clientId;
    const config = parseConfig({
      ISSUER: iss,
      JWKS_URI: `${iss}/.well-known/jwks.json`,
      CLIENT_ID: `${clientId},second-client`,
    });
    const fetch = sinon.stub<[string], Promise<ArrayBuffer>>().callsFake(async () => jwksBody(corpus.issuer));
    const cache = new RefreshingJwksCache({ fetcher: { fetch }, maxAgeMs: config.jwksCacheSeconds * 1000 });
    const oidc = new InProcessAuthoriser({
      ...authoriser.stack,
      config,
      fetch,
      cache,
      verifier: createTokenVerifier(config, cache),
    });
    const claims = (): Entries =>
      entriesOf({ sub: "user-1", iss, aud: clientId, exp: now() + 600, iat: now(), name: "Ann" });
    const change = fc.oneof(
      {
        weight: 1,
        arbitrary: fc.constantFrom<[string, boolean, (entries: Entries) => Entries]>(
          ["as issued", true, (entries) => entries],
          [
            "aud a list holding our client",
            true,
            (entries) => replace(entries, "aud", JSON.stringify(["other", clientId])),
          ],
          ["aud our second client", true, (entries) => replace(entries, "aud", '"second-client"')],
          ["no token_use at all", true, (entries) => entries.filter(([name]) => name !== "token_use")],
        ),
      },
      {
        weight: 4,
        arbitrary: fc.oneof(
          fc
            .string()
            .filter((value) => value !== iss)
            .map((value): [string, boolean, (entries: Entries) => Entries] => [
              `iss ${value}`,
              false,
              (entries) => replace(entries, "iss", JSON.stringify(value)),
            ]),
          fc
            .constantFrom(`${iss}/`, iss.toUpperCase(), "http://login.example.com", `${iss}.attacker.example`)
            .map((value): [string, boolean, (entries: Entries) => Entries] => [
              `iss ${value}`,
              false,
              (entries) => replace(entries, "iss", JSON.stringify(value)),
            ]),
          fc
            .oneof(fc.string(), fc.constant([]), fc.array(fc.string({ minLength: 1 }), { maxLength: 3 }))
            .filter(
              (aud) =>
                aud !== clientId &&
                aud !== "second-client" &&
                !(Array.isArray(aud) && aud.some((item) => item === clientId || item === "second-client")),
            )
            .map((aud): [string, boolean, (entries: Entries) => Entries] => [
              `aud ${JSON.stringify(aud)}`,
              false,
              (entries) => replace(entries, "aud", JSON.stringify(aud)),
            ]),
          fc
            .constantFrom("sub", "iss", "exp", "iat", "aud")
            .map((name): [string, boolean, (entries: Entries) => Entries] => [
              `${name} missing`,
              false,
              (entries) => entries.filter(([key]) => key !== name),
            ]),
          fc
            .record({
              name: fc.constantFrom("exp", "iat", "nbf"),
              value: fc.constantFrom('"9999999999"', "null", "true", "[1]", "{}", "1e400"),
            })
            .map(({ name, value }): [string, boolean, (entries: Entries) => Entries] => [
              `${name} as ${value}`,
              false,
              (entries) => replace(entries, name, value),
            ]),
          fc
            .integer({ min: 1, max: 1e8 })
            .map((ago): [string, boolean, (entries: Entries) => Entries] => [
              `exp ${ago}s ago`,
              false,
              (entries) => replace(entries, "exp", String(now() - ago)),
            ]),
          fc
            .constantFrom("42", "null", '""', "[]")
            .map((value): [string, boolean, (entries: Entries) => Entries] => [
              `sub as ${value}`,
              false,
              (entries) => replace(entries, "sub", value),
            ]),
        ),
      },
    );
    oidc.tap();
    try {
      await property(RUNS.oidc, change, async ([what, good, apply]) => {
        ledger.tally.casesTried += 1;
        const token = signRaw(
          '{"kid":"key-one","alg":"RS256"}',
          rawObject(apply(claims())),
          corpus.key("key-one").privateKey,
        );
        const { outcome, lines } = await oidc.decide(token);
        if (outcome.kind === "allow" && !good) ledger.tally.allowsOfBadInput += 1;
        expect(outcome.kind, what).to.equal(good ? "allow" : "unauthorized");
        if (!good) expect(refusalProblem(token, outcome, lines), what).to.equal(undefined);
      });
    } finally {
      oidc.release();
    }
  });

  it("made JWKS fetches bounded by the back-off however many unknown kids it saw", () => {
    const seconds = (Date.now() - started) / 1000;
    expect(authoriser.stack.fetch.callCount).to.be.at.most(2 + Math.ceil(seconds / 10));
  });

  it("never logged a token, a JWT-looking run or a signature segment", () => {
    console.log(
      `      (${ledger.tally.casesTried - firstCase} cases, ${ledger.lineCount - firstLine} log lines scanned)`,
    );
    const leaks = ledger.leaking(firstLine);
    expect(leaks.slice(0, 3)).to.deep.equal([]);
  });
});

type Entries = Array<[string, string]>;

interface ClaimMutation {
  readonly what: string;
  readonly change: (entries: Entries) => Entries;
  /** Set when the mutation names the user: the allowed context must carry exactly this name. */
  readonly username?: string;
}

function mutation(what: string, change: (entries: Entries) => Entries, username?: string): ClaimMutation {
  return username === undefined ? { what, change } : { what, change, username };
}

/** Claims a check reads (the authoriser or aws-jwt-verify): not for the "benign extra claim" generator. */
const CHECKED_CLAIMS = new Set([
  "sub",
  "iss",
  "aud",
  "exp",
  "nbf",
  "iat",
  "auth_time",
  "token_use",
  "jti",
  "scope",
  "client_id",
  "username",
  "cognito:username",
  "cognito:groups",
  "pad",
]);

const ISSUER_NEAR_MISSES = [
  "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_LocalPool1/",
  "http://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_LocalPool1",
  "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_localpool1",
  "https://COGNITO-IDP.eu-west-1.amazonaws.com/eu-west-1_LocalPool1",
  "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_LocalPool1 ",
  "https://cognito-idp.eu-west-1.amazonaws.com.attacker.example/eu-west-1_LocalPool1",
  "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_LocalPool1?x",
  "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_LocalPool1\u0000",
  "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_LocaIPool1",
];

function replace(entries: Entries, name: string, value: string): Entries {
  return entries.some(([key]) => key === name)
    ? entries.map(([key, old]) => [key, key === name ? value : old])
    : [...entries, [name, value]];
}
