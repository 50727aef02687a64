// Issue 15's refresh race through the local gateway and the built refresh zip, against moto's DynamoDB: one
// connection sends 200 `refresh` messages at once, with tokens whose `exp` rises and are sent shuffled. The
// registry must end on the highest `exp`, and no reply may claim one above it. (At the handler level:
// test/functions/refresh/refresh-race.int.test.ts.)
import { expect } from "chai";
import { WebSocket } from "ws";
import { ConnectionRegistry } from "../../../functions/shared/registry.ts";
import { closeAll, connect } from "./support/clients.ts";
import { startTestStack, type TestStack } from "./support/stack.ts";

const REFRESHES = 200;

describe("200 concurrent refreshes through the local gateway", function () {
  this.timeout(180_000);
  let stack: TestStack;

  before(async () => {
    // Six refresh containers at a time: the races of many, within what a shared 2-core machine can host.
    stack = await startTestStack({ config: { lambdaConcurrency: 6 } });
  });
  after(async () => {
    await stack?.close();
  });

  it("leave the registry on the highest exp, and no reply claims an exp above it", async () => {
    const ws = await connect(stack.urlWithToken(stack.issuer.mint({ username: "alice", expiresIn: 300 })));
    try {
      const [connection] = [...stack.gateway.openConnections.all()];
      const connectionId = connection?.facts.connectionId as string;
      const registry = new ConnectionRegistry(
        { tableName: stack.registry.tableName, endpoint: stack.registry.endpoint, region: "eu-west-1" },
        stack.registry.db,
      );
      const before = await registry.lookup(connectionId);
      expect(before?.exp, "the registered exp").to.be.a("number");

      // Distinct lifetimes, all longer than the first token's, minted first and sent in a shuffled order.
      const lifetimes = Array.from({ length: REFRESHES }, (_, i) => 600 + i * 7);
      for (let i = lifetimes.length - 1; i > 0; i -= 1) {
        const j = Math.floor(Math.random() * (i + 1));
        [lifetimes[i], lifetimes[j]] = [lifetimes[j] as number, lifetimes[i] as number];
      }
      const tokens = lifetimes.map((expiresIn) => stack.issuer.mint({ username: "alice", expiresIn }));
      const exps = tokens.map(
        (token) => JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()).exp,
      );
      const highest = Math.max(...exps);

      const replies: Array<Record<string, unknown>> = [];
      const allReplies = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${replies.length} of ${REFRESHES} replies`)), 150_000);
        ws.on("message", (data) => {
          replies.push(JSON.parse(String(data)) as Record<string, unknown>);
          if (replies.length === REFRESHES) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      for (const token of tokens) ws.send(JSON.stringify({ action: "refresh", token }));
      await allReplies;

      const stored = await registry.lookup(connectionId);
      expect(stored?.exp).to.equal(highest);
      expect(stored?.username).to.equal("alice");
      expect(replies.filter((reply) => reply.type !== "refreshed")).to.deep.equal([]);
      const told = replies.map((reply) => reply.exp as number);
      for (const exp of told) {
        expect(exps, "every reply names the exp of a token sent").to.include(exp);
        expect(exp).to.be.at.most(highest);
      }
      expect(Math.max(...told), "the highest exp was confirmed").to.equal(highest);
      expect(ws.readyState, "the connection stays open").to.equal(WebSocket.OPEN);
      expect(stack.invocationsOf("refresh")).to.have.length(REFRESHES);
    } finally {
      await closeAll([ws]);
    }
  });
});
