import { expect } from "chai";
import { Rejection } from "../../../functions/authoriser/errors.ts";
import { extractToken, MAX_TOKEN_LENGTH } from "../../../functions/authoriser/extract-token.ts";
import { makeConnectEvent } from "../../../local/gateway/sample-events.ts";

const TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
const OTHER = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ5In0.c2lnbmF0dXJl";

function reasonFor(event: ReturnType<typeof makeConnectEvent>, param = "auth"): string {
  try {
    extractToken(event, param);
  } catch (err) {
    expect(err).to.be.instanceOf(Rejection);
    return (err as Rejection).reason;
  }
  throw new Error("extractToken accepted the request");
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
