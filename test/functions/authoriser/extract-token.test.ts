import { expect } from "chai";
import { Rejection } from "../../../functions/authoriser/errors.ts";
import { extractToken, MAX_TOKEN_LENGTH } from "../../../functions/authoriser/extract-token.ts";
import { makeConnectEvent } from "../../../local/gateway/sample-events.ts";

const TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
const OTHER = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ5In0.c2lnbmF0dXJl";

function rejectionFor(event: ReturnType<typeof makeConnectEvent>, param = "auth"): Rejection {
  try {
    extractToken(event, param);
  } catch (err) {
    expect(err).to.be.instanceOf(Rejection);
    return err as Rejection;
  }
  throw new Error("extractToken accepted the request");
}

function reasonFor(event: ReturnType<typeof makeConnectEvent>, param = "auth"): string {
  return rejectionFor(event, param).reason;
}

describe("token extraction", () => {
  it("reads the token from the auth query parameter", () => {
    expect(extractToken(makeConnectEvent({ query: { auth: TOKEN } }), "auth")).to.deep.equal({
      token: TOKEN,
      source: "query",
    });
  });

  it("reads the query parameter named by configuration", () => {
    expect(extractToken(makeConnectEvent({ query: { token: TOKEN } }), "token").token).to.equal(TOKEN);
    expect(reasonFor(makeConnectEvent({ query: { token: TOKEN } }))).to.equal("missing_token");
  });

  it("reads an Authorization Bearer header, whatever the header's case", () => {
    const event = makeConnectEvent({ headers: { authorization: `bearer ${TOKEN}` } });
    expect(extractToken(event, "auth")).to.deep.equal({ token: TOKEN, source: "authorization" });
  });

  it("reads the token after `bearer` in Sec-WebSocket-Protocol", () => {
    const event = makeConnectEvent({ headers: { "Sec-WebSocket-Protocol": `bearer, ${TOKEN}` } });
    expect(extractToken(event, "auth")).to.deep.equal({ token: TOKEN, source: "protocol" });
  });

  it("takes the entry after the first `bearer` only, whatever follows it", () => {
    const event = makeConnectEvent({ headers: { "Sec-WebSocket-Protocol": `bearer, ${TOKEN}, bearer, other.to.ken` } });
    expect(extractToken(event, "auth")).to.deep.equal({ token: TOKEN, source: "protocol" });
  });

  it("ignores subprotocols without the bearer marker", () => {
    expect(reasonFor(makeConnectEvent({ headers: { "Sec-WebSocket-Protocol": `chat, ${TOKEN}` } }))).to.equal(
      "missing_token",
    );
  });

  it("accepts the same token sent twice, in two places", () => {
    const event = makeConnectEvent({ query: { auth: TOKEN }, headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(extractToken(event, "auth").source).to.equal("query");
  });

  it("refuses two different tokens rather than guessing which one counts", () => {
    expect(
      reasonFor(makeConnectEvent({ query: { auth: TOKEN }, headers: { Authorization: `Bearer ${OTHER}` } })),
    ).to.equal("ambiguous_token");
    expect(reasonFor(makeConnectEvent({ multiQuery: { auth: [TOKEN, OTHER] }, query: { auth: OTHER } }))).to.equal(
      "ambiguous_token",
    );
  });

  it("refuses a request with no token at all", () => {
    expect(reasonFor(makeConnectEvent())).to.equal("missing_token");
    expect(reasonFor(makeConnectEvent({ query: { auth: "" } }))).to.equal("missing_token");
    expect(reasonFor(makeConnectEvent({ headers: { Authorization: "Basic dXNlcjpwdw==" } }))).to.equal("missing_token");
  });

  it(`refuses a token longer than ${MAX_TOKEN_LENGTH} characters before parsing it`, () => {
    const long = `${"a".repeat(MAX_TOKEN_LENGTH)}.b.c`;
    expect(reasonFor(makeConnectEvent({ query: { auth: long } }))).to.equal("malformed_token");
  });

  it("prefers the Authorization header's source over the subprotocol's for the same token", () => {
    const event = makeConnectEvent({
      headers: { Authorization: `Bearer ${TOKEN}`, "Sec-WebSocket-Protocol": `bearer, ${TOKEN}` },
    });
    expect(extractToken(event, "auth")).to.deep.equal({ token: TOKEN, source: "authorization" });
  });

  it("refuses a subprotocol token that differs from the Authorization header's", () => {
    const event = makeConnectEvent({
      headers: { Authorization: `Bearer ${TOKEN}`, "Sec-WebSocket-Protocol": `bearer, ${OTHER}` },
    });
    expect(reasonFor(event)).to.equal("ambiguous_token");
  });

  it("accepts spaces or tabs around the token in an Authorization header, and nothing else", () => {
    for (const value of [`Bearer\t${TOKEN}`, `Bearer   ${TOKEN} \t`, `BEARER ${TOKEN}`]) {
      expect(extractToken(makeConnectEvent({ headers: { Authorization: value } }), "auth").token, value).to.equal(
        TOKEN,
      );
    }
    for (const value of [
      `Bearer ${TOKEN} extra`,
      `xBearer ${TOKEN}`,
      `Bearer${TOKEN}`,
      "Bearer ",
      `Bearer\n${TOKEN}`,
    ]) {
      expect(reasonFor(makeConnectEvent({ headers: { Authorization: value } })), value).to.equal("missing_token");
    }
  });

  it("sees every value of a repeated header, so a second token there is refused", () => {
    const event = {
      ...makeConnectEvent({ headers: { Authorization: `Bearer ${OTHER}` } }),
      multiValueHeaders: { Authorization: [`Bearer ${TOKEN}`, `Bearer ${OTHER}`] },
    };
    expect(reasonFor(event)).to.equal("ambiguous_token");
  });

  it("reads the single-value headers when the multi-value map has no list for them", () => {
    const headers = { Authorization: `Bearer ${TOKEN}` };
    for (const multiValueHeaders of [null, {}, { Authorization: `Bearer ${TOKEN}` }, { Authorization: [] }]) {
      const event = { ...makeConnectEvent({ headers }), multiValueHeaders } as never;
      expect(extractToken(event, "auth"), JSON.stringify(multiValueHeaders)).to.deep.equal({
        token: TOKEN,
        source: "authorization",
      });
    }
  });

  it("reads only the headers named, not others of the same length", () => {
    const event = makeConnectEvent({
      headers: {
        Authorization: `Bearer ${TOKEN}`,
        Authorisation: `Bearer ${OTHER}`,
        "Sec-WebSocket-Accepted": `bearer, ${OTHER}`,
      },
    });
    expect(extractToken(event, "auth")).to.deep.equal({ token: TOKEN, source: "authorization" });
  });

  it("never reads a header from the prototype, so a polluted Object.prototype adds no token", () => {
    const multiValueHeaders = Object.create({ authorization: [`Bearer ${OTHER}`] }) as Record<string, string[]>;
    multiValueHeaders.Authorization = [`Bearer ${TOKEN}`];
    const event = { ...makeConnectEvent({ headers: { Authorization: `Bearer ${TOKEN}` } }), multiValueHeaders };
    expect(extractToken(event, "auth")).to.deep.equal({ token: TOKEN, source: "authorization" });
  });

  it("reads the single-value query parameter when the multi-value list is missing or empty", () => {
    for (const multiQuery of [{}, { auth: [] }] as Record<string, string[]>[]) {
      const event = makeConnectEvent({ query: { auth: TOKEN }, multiQuery });
      expect(extractToken(event, "auth"), JSON.stringify(multiQuery)).to.deep.equal({ token: TOKEN, source: "query" });
    }
  });

  it("finds no token after a bearer marker that ends the subprotocol list", () => {
    expect(reasonFor(makeConnectEvent({ headers: { "Sec-WebSocket-Protocol": "chat, bearer" } }))).to.equal(
      "missing_token",
    );
    expect(reasonFor(makeConnectEvent({ headers: { "Sec-WebSocket-Protocol": "bearer, , " } }))).to.equal(
      "missing_token",
    );
  });

  it(`accepts a token of exactly ${MAX_TOKEN_LENGTH} characters`, () => {
    const longest = "a".repeat(MAX_TOKEN_LENGTH);
    expect(extractToken(makeConnectEvent({ query: { auth: longest } }), "auth").token).to.equal(longest);
  });

  it("says in each rejection what was wrong, without the token", () => {
    const missing = rejectionFor(makeConnectEvent());
    expect(missing.message).to.match(/no token/);
    const ambiguous = rejectionFor(makeConnectEvent({ multiQuery: { auth: [TOKEN, OTHER] } }));
    expect(ambiguous.message).to.match(/different token/);
    expect(ambiguous.message).not.to.include(TOKEN);
    const long = "a".repeat(MAX_TOKEN_LENGTH + 1);
    const tooLong = rejectionFor(makeConnectEvent({ query: { auth: long } }));
    expect(tooLong.message).to.include(String(MAX_TOKEN_LENGTH));
    expect(tooLong.message).not.to.include(long);
  });

  it("copes with events lacking headers and query maps", () => {
    const event = {
      ...makeConnectEvent(),
      headers: null,
      multiValueHeaders: null,
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
    };
    expect(reasonFor(event as never)).to.equal("missing_token");
  });
});
