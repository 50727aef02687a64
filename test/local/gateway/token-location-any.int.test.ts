// Token location `any`: no identity source, so every $connect reaches the authoriser, which finds the token in the
// query or the subprotocol and refuses a missing one itself.
import { expect } from "chai";
import { identitySources, loadApiDescription } from "../../../local/api-description.ts";
import { closeAll, connect, nextMessage, openSocket } from "./support/clients.ts";
import { startTestStack, type TestStack } from "./support/stack.ts";

describe("token location any (functions/api.json, local/gateway)", function () {
  this.timeout(30_000);
  let stack: TestStack;

  before(async () => {
    stack = await startTestStack({ tokenLocation: "any" });
  });
  after(async () => {
    await stack?.close();
  });

  it("has no identity source, where query and protocol have one each", () => {
    const described = loadApiDescription();
    expect(identitySources(described, "any", { TOKEN_QUERY_PARAM: "auth" })).to.deep.equal([]);
    expect(identitySources(described, "query", { TOKEN_QUERY_PARAM: "auth" })).to.have.length(1);
    expect(identitySources(described, "protocol", { TOKEN_QUERY_PARAM: "auth" })).to.have.length(1);
  });

  it("accepts the token in the query and in the subprotocol on one stack", async () => {
    const token = stack.issuer.mint({ username: "alice" });
    const byQuery = await connect(stack.urlWithToken(token));
    const byProtocol = await connect(stack.gateway.url, { protocols: ["bearer", token] });
    expect(byProtocol.protocol, "the bearer subprotocol is echoed, never the token").to.equal("bearer");
    for (const ws of [byQuery, byProtocol]) {
      ws.send('{"action":"hello"}');
      expect(JSON.stringify(await nextMessage(ws))).to.include('"username":"alice"');
    }
    await closeAll([byQuery, byProtocol]);
  });

  it("calls the authoriser for a tokenless handshake, which refuses it with 401", async () => {
    const before = stack.invocationsOf("authoriser").length;
    const handshake = await openSocket(stack.gateway.url);
    expect(handshake.opened).to.equal(false);
    expect(handshake.opened === false && handshake.status).to.equal(401);
    expect(stack.invocationsOf("authoriser").length, "no identity source: API Gateway invokes the authoriser").to.equal(
      before + 1,
    );
  });
});
