// Why each mutant that survives `make mutation` in functions/authoriser and functions/shared is left alive, read by
// survivors.ts into SURVIVORS.md. A reason applies to every survivor in `file` whose line contains `code` (and, if
// given, whose mutator is `mutator`): write `code` so that it names one line.
export interface SurvivorReason {
  readonly file: string;
  readonly code: string;
  readonly mutator?: string;
  readonly reason: string;
}

const A = "functions/authoriser";
const S = "functions/shared";

/** Code that runs once per process and keeps its result: Stryker's test process ran it before the mutant was on. */
const ONCE =
  "left (Stryker): module state built on first use and kept for the process, so Stryker's reused test process never runs the mutated line first";

const FOR_IN = "equivalent: for...in over undefined or null runs no iteration";
const LENGTH_SKIP =
  "equivalent: the length test only skips lower-casing names that cannot match; hasOwn and the exact lower-case comparison decide";
const FINAL_CODES =
  "left: retrying a DEADLINE stops anyway at the deadline check; ENOTFOUND needs a name that does not resolve, and this machine has no DNS to ask";
const NO_1XX = "equivalent: no answer below 200 reaches here (node:http handles 1xx itself)";
const LOOSE_TYPE = "equivalent: any type other than number means a non-empty string to requireClaims";

export const SURVIVOR_REASONS: readonly SurvivorReason[] = [
  // functions/authoriser/jwks.ts
  {
    file: `${A}/jwks.ts`,
    code: 'method: "GET"',
    reason: 'equivalent: node:http sends GET for an empty method ("" || "GET")',
  },
  {
    file: `${A}/jwks.ts`,
    code: "res.resume();",
    reason: "equivalent: fail() destroys the request and its socket, so the unread body is dropped either way",
  },
  {
    file: `${A}/jwks.ts`,
    code: 'if (!res.complete) return fail(new JwksFetchError("body truncated"));',
    reason:
      "left: Node 22 reports a body cut short with 'aborted' and 'error' before 'end', which fail the fetch first (jwks-fetch.int.test.ts); this check is for a runtime that ends instead",
  },
  {
    file: `${A}/jwks.ts`,
    code: 'res.on("aborted"',
    reason:
      "equivalent in Node 22: a cut body also emits 'error', which fails the fetch on its own (and the other way round)",
  },
  {
    file: `${A}/jwks.ts`,
    code: 'res.on("error"',
    reason:
      "equivalent in Node 22: a cut body also emits 'aborted', which fails the fetch on its own (and the other way round)",
  },
  {
    file: `${A}/jwks.ts`,
    code: "clearTimeout(timer);",
    reason:
      "equivalent: a deadline firing after the promise settled calls fail() again, destroying a finished request and rejecting a settled promise: no effect",
  },
  {
    file: `${A}/jwks.ts`,
    code: "timer.unref();",
    reason: "equivalent for every result: unref only lets a process exit before the deadline fires",
  },
  {
    file: `${A}/jwks.ts`,
    code: 'if (kty !== "RSA" && kty !== "EC" && kty !== "OKP") continue;',
    reason: "equivalent: createPublicKey throws for any other kty (oct included), and the catch leaves the key out",
  },
  {
    file: `${A}/jwks.ts`,
    code: "keyObject.asymmetricKeyDetails?.modulusLength",
    reason: "equivalent: a public RSA KeyObject always has asymmetricKeyDetails",
  },
  {
    file: `${A}/jwks.ts`,
    code: "if (cached !== undefined) return cached;",
    reason: "equivalent: freshEntryFor returns the same fresh entry without a fetch; the line saves an await",
  },
  {
    file: `${A}/jwks.ts`,
    code: '"kid not found in the JWKS"',
    reason:
      "equivalent: the message is never logged or returned; toRejection keeps only the class's reason, unknown_key",
  },
  {
    file: `${A}/jwks.ts`,
    code: "const stale = entry !== undefined",
    reason:
      "equivalent: a refetch of a fresh entry lacking the kid happens anyway outside the back-off, and inside it getJwks refuses to fetch and the entry is kept",
  },
  {
    file: `${A}/jwks.ts`,
    code: "if (entry === undefined || stale || (!entry.keys.has(kid)",
    reason:
      "equivalent: only a missing, stale or kid-less entry gets here (cachedKey answered the rest), and getJwks itself refuses to fetch during the back-off",
  },
  // functions/authoriser/config.ts
  {
    file: `${A}/config.ts`,
    code: 'if (group === undefined) group = new RegExp("^[',
    mutator: "Regex",
    reason: `${ONCE}. by hand: each, applied, fails make unit (2 to 5 tests)`,
  },
  {
    file: `${A}/config.ts`,
    code: 'if (group === undefined) group = new RegExp("^[',
    mutator: "StringLiteral",
    reason: `${ONCE}. by hand: the empty pattern and the lost "u" flag each fail make unit (2 and 5 tests)`,
  },
  {
    file: `${A}/config.ts`,
    code: 'if (group === undefined) group = new RegExp("^[',
    mutator: "EqualityOperator",
    reason: `${ONCE}. by hand: never building the RegExp fails make unit (7 tests)`,
  },
  {
    file: `${A}/config.ts`,
    code: 'if (group === undefined) group = new RegExp("^[',
    mutator: "ConditionalExpression",
    reason: `${ONCE}. by hand: never building it fails make unit (7 tests); building it on every call is equivalent`,
  },
  {
    file: `${A}/config.ts`,
    code: 'return value === undefined || value === "" ? undefined : value;',
    reason: "equivalent: an undefined value is returned as undefined either way",
  },
  {
    file: `${A}/config.ts`,
    code: 'return (value ?? "")',
    reason:
      "equivalent: only CLIENT_ID reaches it unset, and the placeholder is not a valid client id either: the same error",
  },
  {
    file: `${A}/config.ts`,
    code: "const match = userPoolIdRaw === undefined ? null",
    reason: 'equivalent: exec(undefined) tests "undefined", which is no pool id: the same null',
  },
  {
    file: `${A}/config.ts`,
    code: "if (usernameClaim !== undefined && !CLAIM_PATH.test(usernameClaim))",
    reason: 'equivalent: CLAIM_PATH.test(undefined) tests "undefined", which passes: no error, as before',
  },
  {
    file: `${A}/config.ts`,
    code: "/^[A-Za-z0-9]+$/,",
    reason: "equivalent: every item is then compared exactly with the supported names, with the same message",
  },
  // functions/authoriser/authorise.ts
  {
    file: `${A}/authorise.ts`,
    code: 'throw new Rejection("bad_request", "event has no valid methodArn");',
    reason: "equivalent: a Rejection's detail is never logged or returned; the log line has its reason, bad_request",
  },
  // functions/authoriser: the verifier's steps
  {
    file: `${A}/claims.ts`,
    code: '? typeof value === "number" && Number.isFinite(value)',
    reason:
      "equivalent: Number.isFinite is false for every non-number, and JSON has no NaN or Infinity, so either half alone decides the same",
  },
  {
    file: `${A}/cognito-claims.ts`,
    code: ': "string",',
    reason:
      "equivalent: any type other than number means a non-empty string to requireClaims; only its message (never logged) would read differently",
  },
  {
    file: `${A}/cognito-claims.ts`,
    code: 'if (typeof client !== "string" || !config.clientIds.includes(client))',
    reason: "equivalent: a list of strings includes no value that is not a string",
  },
  {
    file: `${A}/cognito-claims.ts`,
    code: "const machine = payload.username === undefined && payload.sub === payload.client_id;",
    reason:
      "equivalent for tokens Cognito signs: a user's sub is a UUID, never its app client id, so sub equals client_id only in a client-credentials token, which has no username",
  },
  {
    file: `${A}/decode.ts`,
    code: "} catch (err) {",
    reason: "equivalent: the rejection's cause is never logged (causeChain runs only for internal refusals)",
  },
  {
    file: `${A}/decode.ts`,
    code: "`${part} is not base64url JSON`, { cause: err }",
    reason: "equivalent: the rejection's cause is never logged (causeChain runs only for internal refusals)",
  },
  {
    file: `${A}/decode.ts`,
    code: 'const ascii = Buffer.from(token, "latin1");',
    reason:
      'equivalent: every character is ASCII by then (TOKEN_SHAPE), and Buffer.from reads "" as utf8, whose bytes for ASCII are latin1\'s',
  },
  {
    file: `${A}/decode.ts`,
    code: "const headerSegment = token.slice(0, dot1);",
    reason:
      "equivalent here: the whole token never equals a known header segment, so the memo is missed and the header decoded again (the memo's speed is a benchmark, not a test)",
  },
  {
    file: `${A}/decode.ts`,
    code: "known !== undefined && known.segment === headerSegment",
    reason:
      "equivalent in result: the memo only skips decoding a header spelt exactly as the last one; missing it decodes the same header (header-memo.test.ts checks the memo's keys)",
  },
  {
    file: `${A}/decode.ts`,
    code: '(iss === undefined || typeof iss === "string") &&',
    reason: "equivalent: a token without iss is refused as wrong_issuer right after decoding",
  },
  {
    file: `${A}/header.ts`,
    code: 'if (typeof alg !== "string" || !(allowed as readonly string[]).includes(alg))',
    reason: "equivalent: a list of algorithm names includes no value that is not a string",
  },
  {
    file: `${A}/identity.ts`,
    code: 'if (typeof value !== "object" || value === null || Array.isArray(value)',
    reason:
      "equivalent: Object.hasOwn on a string or number finds no claim-path step (only indexes and length, which JSON claims paths do not need)",
  },
  {
    file: `${A}/key-fit.ts`,
    code: 'alg.startsWith("ES")',
    reason:
      "equivalent: dsaEncoding applies to ECDSA keys only; node:crypto ignores it for RSA and Ed25519, so passing it for every alg changes nothing",
  },
  {
    file: `${A}/oidc-claims.ts`,
    code: "const OIDC_CLAIMS: Record<string, ClaimType>",
    reason: LOOSE_TYPE,
    mutator: "StringLiteral",
  },
  {
    file: `${A}/verifier.ts`,
    code: "if (last !== undefined && last.header === decoded.header && last.allowed === allowed) return last.checked;",
    reason:
      "equivalent in result: the memo skips re-checking a header object already checked; checking it again gives the same answer (header-memo.test.ts checks the memo's keys)",
  },
  {
    file: `${A}/verifier.ts`,
    code: "lastHeader = { segment: decoded.headerSegment",
    reason: "equivalent in result: an empty memo is never matched, so each header is decoded and checked again",
  },
  {
    file: `${A}/verifier.ts`,
    code: 'const jwksUri = typeof payload.iss === "string" ? config.issuers.get(payload.iss) : undefined;',
    reason: "equivalent: a Map of string keys has no entry for a value that is not a string",
  },
  {
    file: `${A}/verifier.ts`,
    code: "`a key set with at least one signature key for ${config.allowedAlgorithms.join(",
    reason: "left: the text of a start-up error whose variable (JWKS_JSON) startup.test.ts asserts; the wording is not",
  },
  {
    file: `${A}/verifier.ts`,
    code: '"a key set without one",',
    reason: "left: the text of a start-up error whose variable (JWKS_JSON) startup.test.ts asserts; the wording is not",
  },
  {
    file: `${A}/extract-token.ts`,
    code: "if (multi) {",
    reason: FOR_IN,
  },
  {
    file: `${A}/extract-token.ts`,
    code: "if (key.length !== wanted.length",
    reason: LENGTH_SKIP,
  },
  {
    file: `${A}/extract-token.ts`,
    code: "if (!headers) return;",
    reason: FOR_IN,
  },
  {
    file: `${A}/extract-token.ts`,
    code: 'if (typeof value === "string") visit(value);',
    reason:
      "left: API Gateway's header values are always strings; a hand-made event with another value is refused either way (401), logged internal instead of missing_token",
  },
  {
    file: `${A}/extract-token.ts`,
    code: 'let protocol: "before" | "next" | "done" = "before";',
    reason: "equivalent: any start state other than next or done behaves as before",
  },
  {
    file: `${A}/policy.ts`,
    code: "if (chars * 6 + 512 <= MAX_RESULT_BYTES) return;",
    reason:
      "equivalent: the estimate only skips serialising a result that cannot be too large; the exact byte check after it decides",
  },
  // functions/shared
  ...["for (let i = 0; i < groups.length; i++) {", "for (let j = 0; j < anyOf.length; j++) {"].map((code) => ({
    file: `${S}/groups.ts`,
    code,
    mutator: "EqualityOperator",
    reason: "equivalent: one step past the end reads undefined, which equals no group name (a string)",
  })),
  {
    file: `${S}/dynamodb.ts`,
    code: 'if (typeof type === "string") {',
    reason: "equivalent: a non-string __type throws in slice, and the catch returns the same UnknownError",
  },
  {
    file: `${S}/dynamodb.ts`,
    code: 'const FINAL_TRANSPORT_CODES = new Set(["DEADLINE", "ENOTFOUND"]);',
    reason: FINAL_CODES,
  },
  // functions/shared/http1.ts: the answer parser, then the socket pool
  {
    file: `${S}/http1.ts`,
    code: '"content-length",',
    reason:
      "equivalent: a repeated Content-Length is refused as BAD_ANSWER_FRAMING before this list is read, so its entry never decides",
  },
  {
    file: `${S}/http1.ts`,
    code: 'const STATUS_START = Buffer.from("HTTP/1.1 ", "latin1");',
    mutator: "StringLiteral",
    reason: 'equivalent: Buffer.from reads an empty encoding as UTF-8, which gives the same bytes for "HTTP/1.1 "',
  },
  {
    file: `${S}/http1.ts`,
    code: 'if (colon <= 0 || !TOKEN.test(line.slice(0, colon))) throw bad("HEADER");',
    mutator: "EqualityOperator",
    reason: "equivalent: a line that starts with its colon has an empty name, which TOKEN refuses with the same code",
  },
  {
    file: `${S}/http1.ts`,
    code: "this.buffered = this.buffered.length === 0 ? data : Buffer.concat([this.buffered, data]);",
    reason: "equivalent: concatenating onto no bytes gives the same bytes, in a copy the shortcut saves",
  },
  {
    file: `${S}/http1.ts`,
    code: 'const emptyTrailers = this.phase === "trailers" &&',
    reason:
      "equivalent: a head that starts with CRLF is refused as BAD_ANSWER_STATUS either way, by the first-bytes check or as an empty status line",
  },
  {
    file: `${S}/http1.ts`,
    code: "if (end < 0 && !emptyTrailers) {",
    reason:
      "equivalent: a block that ends at 0 is an empty trailer block (taken before) or a head that starts with CRLF CRLF, which the first-bytes check refuses with the same code",
  },
  {
    file: `${S}/http1.ts`,
    code: 'this.phase = "chunk-end";',
    reason: "equivalent: the loop's last step handles every phase not named before it, which leaves only chunk-end",
  },
  {
    file: `${S}/http1.ts`,
    code: 'const [statusLine = "", ...fields] = lines(block);',
    reason: "equivalent: String#split always returns at least one string, so the default is never used",
  },
  {
    file: `${S}/http1.ts`,
    code: '.exec(headers.get("keep-alive") ?? "")',
    reason: "equivalent: neither string holds a timeout=, so idleMs stays unset either way",
  },
  {
    file: `${S}/http1.ts`,
    code: 'if (length === undefined || !/^\\d{1,15}$/.test(length)) throw bad("FRAMING");',
    mutator: "ConditionalExpression",
    reason:
      'equivalent: RegExp#test reads undefined as "undefined", which is not digits, so the same BAD_ANSWER_FRAMING',
  },
  {
    file: `${S}/http1.ts`,
    code: "if (this.left === 0) return true;",
    reason: "equivalent: a body of 0 bytes read in the body phase finishes at once, with the same answer",
  },
  {
    file: `${S}/http1.ts`,
    code: "if (this.maxAnswerBytes === 0 || bytes.length === 0) return;",
    reason: "equivalent: keeping 0 bytes adds nothing to the count or to the body",
  },
  {
    file: `${S}/http1.ts`,
    code: 'const host = origin.hostname.replace(/^\\[(.*)\\]$/, "$1");',
    reason: "equivalent: URL#hostname has brackets only around an IPv6 address, one at each end",
  },
  {
    file: `${S}/http1.ts`,
    code: "if (settled) return;",
    reason:
      "equivalent: a second fail() (the 'close' after its own destroy) clears a cleared timer, destroys a destroyed socket and rejects a settled promise",
  },
  {
    file: `${S}/http1.ts`,
    code: "settled = true;",
    reason:
      "equivalent: once a request settles its timer is cleared and its socket destroyed or its listeners taken off, so nothing reads settled again",
  },
  {
    file: `${S}/http1.ts`,
    code: 'fail("BAD_ANSWER", err);',
    reason:
      "equivalent: the parser throws only Http1Failures, which fail() passes on as they are, so this code is never read",
  },
  {
    file: `${S}/http1.ts`,
    code: 'fail(err.code ?? "SOCKET_ERROR", err);',
    reason: "left: every error a Node socket emits has a code; only a fabricated error would reach the fallback",
  },
  {
    file: `${S}/http1.ts`,
    code: "idleDrops.delete(given);",
    reason:
      "equivalent: the entry is replaced at the socket's next release, before it is read again; a WeakMap holds no socket",
  },
  {
    file: `${S}/http1.ts`,
    code: "given.setTimeout(0);",
    reason:
      "equivalent: a stale idle timeout only emits 'timeout' on the socket in use, where nothing listens for it since its drop was taken off; the next release sets it again",
  },
  // functions/shared/sigv4.ts, then the clients, the registry and the log
  {
    file: `${S}/sigv4.ts`,
    code: '.update(text, "utf8")',
    reason: "equivalent: Hmac#update reads a string as UTF-8 when the encoding is empty",
  },
  {
    file: `${S}/sigv4.ts`,
    code: '.update(stringToSign, "utf8")',
    reason: "equivalent: Hmac#update reads a string as UTF-8 when the encoding is empty",
  },
  {
    file: `${S}/sigv4.ts`,
    code: "/^[0-9A-Fa-f]{2}$/.test(pathname.slice(i + 1, i + 3))",
    reason:
      "equivalent: the slice holds at most 2 characters, so two hex digits match all of it with either anchor alone",
  },
  {
    file: `${S}/dynamodb.ts`,
    code: "if (answer.status >= 200 && answer.status < 300) return JSON.parse(answer.text) as T;",
    reason: NO_1XX,
  },
  {
    file: `${S}/management-api.ts`,
    code: 'const FINAL_TRANSPORT_CODES = new Set(["DEADLINE", "ENOTFOUND"]);',
    reason: FINAL_CODES,
  },
  {
    file: `${S}/management-api.ts`,
    code: "if (status >= 200 && status < 300) return true;",
    reason: NO_1XX,
  },
  {
    file: `${S}/registry.ts`,
    code: "return item === undefined ? undefined : fromItem(item);",
    reason: "equivalent: an UpdateItem that passed its condition with ReturnValues ALL_NEW always answers Attributes",
  },
  {
    file: `${S}/registry.ts`,
    code: "return answer.Attributes === undefined ? undefined : fromItem(answer.Attributes);",
    reason:
      "equivalent: a DeleteItem that passed its condition (#owner = :owner, so the item existed) with ALL_OLD always answers Attributes",
  },
  {
    file: `${S}/log.ts`,
    code: "AWS_LAMBDA_LOG_LEVEL",
    reason: 'equivalent: with AWS_LAMBDA_LOG_LEVEL unset the lookup of "" finds nothing, and the fallback is INFO too',
  },
  {
    file: `${S}/log.ts`,
    code: "stream.write(written === 0 ? line : Buffer.from(line).subarray(written));",
    reason: "equivalent: the rest of a line after 0 bytes written is the whole line",
  },
  {
    file: `${S}/log.ts`,
    code: 'let stampPrefix = "";',
    reason: "equivalent: the first call always sets it (stampSecond starts as NaN)",
  },
  {
    file: `${S}/log.ts`,
    code: "if (second !== stampSecond) {",
    reason: "equivalent: rebuilding the prefix every call gives the same timestamp (its cost is in bench/)",
  },
  {
    file: `${S}/subprotocol.ts`,
    code: "if (!headers) return values;",
    reason: FOR_IN,
  },
  {
    file: `${S}/subprotocol.ts`,
    code: "if (key.length !== wanted.length",
    reason: LENGTH_SKIP,
  },
];
