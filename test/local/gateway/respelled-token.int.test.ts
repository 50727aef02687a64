// Issue 15's respelling, end to end: a valid token with one character replaced by a non-ASCII character of the same
// low byte (which Node's base64url decoder and a latin1 rebuild both read as the original) is percent-encoded into
// `?auth=`, decoded by the gateway as API Gateway does, and must be refused by the built authoriser zip.
// The subprotocol cannot carry it: browsers and the ws client send only RFC 7230 token characters (ASCII) there, and
// a header sent as raw bytes reaches the gateway as latin1, one character per byte, so the only character with the
// low byte of `O` is `O`. The decoder refuses a respelling wherever the token came from (segments.test.ts).
import { expect } from "chai";
import { closeAll, openSocket } from "./support/clients.ts";
import { startTestStack, type TestStack } from "./support/stack.ts";

/** The character at `index` replaced by one of the same low byte: U+01xx (U+012B for `+`) or U+4Exx (U+4E4F for `O`). */
function respell(token: string, index: number, high: 0x0100 | 0x4e00): string {
  const replacement = String.fromCharCode(high | token.charCodeAt(index));
  return `${token.slice(0, index)}${replacement}${token.slice(index + 1)}`;
}

/** First, middle, next-to-last and last character of each of the three segments. */
function positions(token: string): number[] {
  const [header = "", payload = ""] = token.split(".");
  const starts = [0, header.length + 1, header.length + payload.length + 2];
  const ends = [header.length, header.length + 1 + payload.length, token.length];
  return starts.flatMap((start, i) => {
    const end = ends[i] as number;
    return [start, Math.floor((start + end) / 2), end - 2, end - 1];
  });
}

describe("a respelled token through the local gateway and the built authoriser zip", function () {
  this.timeout(120_000);
  let stack: TestStack;

  before(async () => {
    stack = await startTestStack({ env: { REQUIRED_GROUPS: "" } });
  });
  after(async () => {
    await stack?.close();
  });

  it("opens with the token as issued (the control)", async () => {
    const handshake = await openSocket(stack.urlWithToken(stack.issuer.mint({ username: "alice" })));
    expect(handshake.opened).to.equal(true);
    if (handshake.opened) await closeAll([handshake.ws]);
  });

  it("refuses every respelling with 401 as malformed_token, and never opens the connection", async () => {
    const token = stack.issuer.mint({ username: "alice" });
    const connectsBefore = stack.invocationsOf("connect").length;
    const cases = positions(token).flatMap((index) => [respell(token, index, 0x4e00), respell(token, index, 0x0100)]);
    expect(cases).to.have.length(24);
    for (const respelled of cases) {
      const index = [...respelled].findIndex((char, i) => char !== token[i]);
      const what = `U+${respelled.charCodeAt(index).toString(16).toUpperCase()} at ${index}`;
      const authorisedBefore = stack.invocationsOf("authoriser").length;
      const handshake = await openSocket(stack.urlWithToken(respelled));
      if (handshake.opened) await closeAll([handshake.ws]);
      expect(handshake.opened, what).to.equal(false);
      expect(handshake.opened === false && handshake.status, what).to.equal(401);
      const invocation = stack.invocationsOf("authoriser").slice(authorisedBefore);
      expect(invocation, what).to.have.length(1);
      // The gateway handed the authoriser the respelled token itself, not a re-encoded or cleaned one.
      const event = invocation[0]?.event as { queryStringParameters: Record<string, string> };
      expect(event.queryStringParameters.auth === respelled, what).to.equal(true);
    }
    expect(stack.invocationsOf("connect")).to.have.length(connectsBefore);
    expect(stack.gateway.openConnections.size).to.equal(0);
    const refusals = stack.logs.filter((line) => line.includes('"connection refused"'));
    expect(refusals.filter((line) => line.includes('"reason":"malformed_token"'))).to.have.length(cases.length);
  });
});
