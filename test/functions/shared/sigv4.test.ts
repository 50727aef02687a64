import aws4 from "aws4";
import { expect } from "chai";
import fc from "fast-check";
import { amzDate, canonicalPath, type RequestToSign, signRequest, wirePath } from "../../../functions/shared/sigv4.ts";

// Our SigV4 signer against two references: AWS's published test suite (aws-sig-v4-test-suite, the signatures in its
// .sreq files) and aws4, the library it replaced, over generated requests of the shapes our clients send.

const SUITE_CREDENTIALS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
const SUITE_DATE = new Date("2015-08-30T12:36:00Z");
const SUITE_STS_TOKEN =
  "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

interface SuiteCase {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly sessionToken?: string;
  readonly signedHeaders: string;
  readonly signature: string;
}

const SUITE: readonly SuiteCase[] = [
  {
    name: "post-vanilla",
    method: "POST",
    path: "/",
    signedHeaders: "host;x-amz-date",
    signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
  },
  {
    name: "post-header-key-sort",
    method: "POST",
    path: "/",
    headers: { "My-Header1": "value1" },
    signedHeaders: "host;my-header1;x-amz-date",
    signature: "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c",
  },
  {
    name: "get-header-value-trim",
    method: "GET",
    path: "/",
    headers: { "My-Header1": " value1", "My-Header2": ' "a   b   c"' },
    signedHeaders: "host;my-header1;my-header2;x-amz-date",
    signature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
  },
  {
    name: "post-x-www-form-urlencoded",
    method: "POST",
    path: "/",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: "Param1=value1",
    signedHeaders: "content-type;host;x-amz-date",
    signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
  },
  {
    name: "post-sts-header-before",
    method: "POST",
    path: "/",
    sessionToken: SUITE_STS_TOKEN,
    signedHeaders: "host;x-amz-date;x-amz-security-token",
    signature: "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead",
  },
  {
    name: "normalize-path/get-slashes",
    method: "GET",
    path: "//example//",
    signedHeaders: "host;x-amz-date",
    signature: "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84",
  },
  {
    name: "get-unreserved",
    method: "GET",
    path: "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    signedHeaders: "host;x-amz-date",
    signature: "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f",
  },
];

/** X-Amz-Date as aws4 derives it from Date#toISOString: the oracle for our own formatting. */
const isoBasic = (date: Date): string => date.toISOString().replace(/[-:]|\.\d{3}/g, "");

describe("SigV4 signer (node:crypto)", () => {
  describe("AWS's Signature Version 4 test suite", () => {
    for (const suiteCase of SUITE) {
      it(`signs ${suiteCase.name} as AWS does`, () => {
        const headers = signRequest(
          {
            method: suiteCase.method,
            path: suiteCase.path,
            headers: { Host: "example.amazonaws.com", ...suiteCase.headers },
            body: suiteCase.body ?? "",
            service: "service",
            region: "us-east-1",
          },
          { ...SUITE_CREDENTIALS, ...(suiteCase.sessionToken ? { sessionToken: suiteCase.sessionToken } : {}) },
          SUITE_DATE,
        );
        expect(headers.authorization).to.equal(
          "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, " +
            `SignedHeaders=${suiteCase.signedHeaders}, Signature=${suiteCase.signature}`,
        );
        expect(headers["x-amz-date"]).to.equal("20150830T123600Z");
      });
    }

    it("signs as AWS does on a fresh module's first call, which loads node:crypto", async () => {
      type Sigv4 = typeof import("../../../functions/shared/sigv4.ts");
      // A new URL on every run: a test process that runs this test again (as StrykerJS does) loads the module again.
      const copy = `first-call-${process.hrtime.bigint()}`;
      const fresh = (await import(`../../../functions/shared/sigv4.ts?${copy}`)) as Sigv4;
      const vanilla = SUITE[0] as SuiteCase;
      const headers = fresh.signRequest(
        {
          method: "POST",
          path: "/",
          headers: { Host: "example.amazonaws.com" },
          body: "",
          service: "service",
          region: "us-east-1",
        },
        SUITE_CREDENTIALS,
        SUITE_DATE,
      );
      expect(headers.authorization).to.include(`Signature=${vanilla.signature}`);
    });
  });

  describe("the same Authorization header as aws4, over generated requests", () => {
    // Any string a stage or connection id could hold, built into a URL as management-api.ts builds one.
    const segment = fc.oneof(
      fc.string({ unit: "binary", maxLength: 12 }),
      fc.constantFrom("", ".", "..", "%", "@", "a=b", "L0SM9cOFvHcCIhw="),
    );
    const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/);
    const headerValue = fc.stringMatching(/^[\x20-\x7e\t]{0,40}$/);
    const request = fc.record({
      method: fc.constantFrom("POST", "DELETE"),
      host: fc.constantFrom(
        "127.0.0.1:8000",
        "abc123.execute-api.eu-west-1.amazonaws.com",
        "dynamodb.us-east-1.amazonaws.com",
      ),
      dynamo: fc.boolean(),
      stage: segment,
      connectionId: segment,
      body: fc.option(fc.string({ unit: "binary", maxLength: 64 }), { nil: undefined }),
      contentType: fc.constantFrom("application/json", "application/x-amz-json-1.0"),
      extra: fc.dictionary(
        fc.oneof(
          token.filter((name) => !/^(host|content-|x-amz-date|x-amz-security|authorization)/.test(name)),
          // The ones left unsigned.
          fc.constantFrom("connection", "x-amzn-trace-id", "user-agent", "expect", "presigned-expires", "range"),
        ),
        headerValue,
        { maxKeys: 3 },
      ),
      service: fc.constantFrom("execute-api", "dynamodb", "service"),
      region: fc.constantFrom("eu-west-1", "us-east-1", "ap-southeast-2"),
      secret: fc.string({ minLength: 1, maxLength: 40 }),
      sessionToken: fc.option(fc.stringMatching(/^[A-Za-z0-9+/=]{1,80}$/), { nil: undefined }),
      // 2000-01-01 to 2100-01-01, whole milliseconds.
      time: fc.integer({ min: 946_684_800_000, max: 4_102_444_800_000 }),
    });

    it("agrees on the headers and the path sent, for 2,000 requests", () => {
      fc.assert(
        fc.property(request, (r) => {
          const url = new URL(
            r.dynamo
              ? `http://${r.host}/`
              : `http://${r.host}/${encodeURIComponent(r.stage)}/@connections/${encodeURIComponent(r.connectionId)}`,
          );
          const path = wirePath(url.pathname);
          const now = new Date(r.time);
          const credentials = {
            accessKeyId: "AKID",
            secretAccessKey: r.secret,
            ...(r.sessionToken === undefined ? {} : { sessionToken: r.sessionToken }),
          };
          const headers: Record<string, string> = { host: url.host, ...r.extra };
          if (r.body !== undefined) {
            headers["content-type"] = r.contentType;
            headers["content-length"] = String(Buffer.byteLength(r.body));
          }
          const ours = signRequest(
            { method: r.method, path, headers, body: r.body ?? "", service: r.service, region: r.region },
            credentials,
            now,
          );
          const theirs = aws4.sign(
            {
              method: r.method,
              path: url.pathname,
              headers: { ...headers, "X-Amz-Date": isoBasic(now) },
              ...(r.body === undefined ? {} : { body: r.body }),
              service: r.service,
              region: r.region,
            },
            credentials,
          );
          const theirHeaders = Object.fromEntries(
            Object.entries(theirs.headers ?? {}).map(([name, value]) => [name.toLowerCase(), String(value)]),
          );
          expect(ours).to.deep.equal(theirHeaders);
          expect(path).to.equal(theirs.path);
        }),
        { numRuns: 2_000 },
      );
    });

    it("escapes what aws4 escapes in a path, where aws4 can read the path at all", () => {
      // Any ASCII after the host: the URL parser percent-encodes some of it and keeps the rest (`[ ] ^ |`, a
      // stray `%`). aws4 then re-encodes the whole path with encodeURI(decodeURI(...)), which throws on a stray `%`
      // and rewrites the case of existing escapes; we escape only the characters that need it, so the two agree
      // wherever the path holds no escape of its own.
      let compared = 0;
      fc.assert(
        fc.property(
          fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)) }),
          (tail) => {
            const pathname = new URL(`http://h/${tail.replace(/[?#]/g, "")}`).pathname;
            const request: RequestToSign = {
              method: "POST",
              path: wirePath(pathname),
              headers: { host: "h" },
              body: "",
              service: "execute-api",
              region: "eu-west-1",
            };
            const now = new Date(Date.UTC(2026, 11, 1));
            const ours = signRequest(request, { accessKeyId: "AKID", secretAccessKey: "s" }, now);
            expect(request.path).to.match(/^[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*$/);
            if (pathname.includes("%")) return;
            compared += 1;
            const theirs = aws4.sign(
              {
                method: "POST",
                path: pathname,
                headers: { host: "h", "X-Amz-Date": isoBasic(now) },
                service: "execute-api",
                region: "eu-west-1",
              },
              { accessKeyId: "AKID", secretAccessKey: "s" },
            );
            expect(request.path).to.equal(theirs.path);
            expect(ours.authorization).to.equal(theirs.headers?.Authorization);
          },
        ),
        { numRuns: 1_000 },
      );
      expect(compared).to.be.above(100);
    });
  });

  describe("the canonical path", () => {
    it("drops empty and dot segments, lets `..` remove the segment before, and encodes each segment again", () => {
      expect(canonicalPath("/")).to.equal("/");
      expect(canonicalPath("//example//")).to.equal("/example/");
      expect(canonicalPath("/a/./b/../c")).to.equal("/a/c");
      expect(canonicalPath("/../..")).to.equal("/");
      expect(canonicalPath("/dev/@connections/L0SM9cOFvHcCIhw%3D")).to.equal(
        "/dev/%40connections/L0SM9cOFvHcCIhw%253D",
      );
      expect(canonicalPath("/(x)*!'")).to.equal("/%28x%29%2A%21%27");
    });

    it("sends a character the URL parser keeps as %XX, and a stray `%` as %25, but leaves an escape alone", () => {
      expect(wirePath("/a|b[c]^")).to.equal("/a%7Cb%5Bc%5D%5E");
      expect(wirePath("/100%/%zz/%4")).to.equal("/100%25/%25zz/%254");
      expect(wirePath("/%3d%3D")).to.equal("/%3d%3D");
      expect(wirePath("/-._~!$&'()*+,;=:@")).to.equal("/-._~!$&'()*+,;=:@");
    });
  });

  describe("the headers", () => {
    const base: RequestToSign = {
      method: "POST",
      path: "/",
      headers: { Host: "h", "Content-Type": "application/json", Authorization: "stale" },
      body: "{}",
      service: "dynamodb",
      region: "eu-west-1",
    };

    it("signs every header but the hop-by-hop ones, and replaces an Authorization the caller gave", () => {
      const headers = signRequest(
        { ...base, headers: { ...base.headers, "User-Agent": "x", Connection: "keep-alive", "X-Amzn-Trace-Id": "t" } },
        { accessKeyId: "AKID", secretAccessKey: "s" },
      );
      expect(headers.authorization).to.match(/SignedHeaders=content-type;host;x-amz-date, Signature=[0-9a-f]{64}$/);
      expect(headers).to.include({ "user-agent": "x", connection: "keep-alive", "x-amzn-trace-id": "t" });
    });

    it("adds the session token, signed, only when the credentials carry one", () => {
      const without = signRequest(base, { accessKeyId: "AKID", secretAccessKey: "s" });
      expect(without).to.not.have.property("x-amz-security-token");
      const withToken = signRequest(base, { accessKeyId: "AKID", secretAccessKey: "s", sessionToken: "tok" });
      expect(withToken["x-amz-security-token"]).to.equal("tok");
      expect(withToken.authorization).to.include("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token,");
    });

    it("writes x-amz-date as Date#toISOString would, over generated times", () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), (ms) => {
          expect(amzDate(new Date(ms))).to.equal(isoBasic(new Date(ms)));
        }),
        { numRuns: 2_000 },
      );
    });

    it("signs the time it is given, in the credential scope and x-amz-date", () => {
      const headers = signRequest(
        base,
        { accessKeyId: "AKID", secretAccessKey: "s" },
        new Date("2026-12-01T21:14:15.678Z"),
      );
      expect(headers["x-amz-date"]).to.equal("20261201T211415Z");
      expect(headers.authorization).to.include("Credential=AKID/20261201/eu-west-1/dynamodb/aws4_request,");
    });

    it("gives a different signature for a different body, secret, region or service", () => {
      const now = new Date("2026-12-01T00:00:00Z");
      const creds = { accessKeyId: "AKID", secretAccessKey: "s" };
      const signature = (request: RequestToSign, secret = "s") =>
        /Signature=(\w+)/.exec(
          signRequest(request, { ...creds, secretAccessKey: secret }, now).authorization ?? "",
        )?.[1];
      const reference = signature(base);
      expect(signature({ ...base, body: "{ }" })).to.not.equal(reference);
      expect(signature(base, "t")).to.not.equal(reference);
      expect(signature({ ...base, region: "eu-west-2" })).to.not.equal(reference);
      expect(signature({ ...base, service: "execute-api" })).to.not.equal(reference);
      expect(signature(base)).to.equal(reference);
    });
  });
});
