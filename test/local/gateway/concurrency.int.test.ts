// Lambda's concurrency model through the gateway: an unreserved function scales (here: waits for a container past
// the local process cap), a function with reserved concurrency is throttled past it.
import { expect } from "chai";
import type { WebSocket } from "ws";
import { closeAll, connect } from "./support/clients.ts";
import { startTestStack, type TestStack } from "./support/stack.ts";

const MESSAGES = 100;

/** Sends MESSAGES at once on one connection and collects as many answers. */
async function burst(ws: WebSocket, timeoutMs = 60_000): Promise<Record<string, unknown>[]> {
  const answers: Record<string, unknown>[] = [];
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${answers.length} of ${MESSAGES} answers`)), timeoutMs);
    ws.on("message", (data) => {
      answers.push(JSON.parse(String(data)) as Record<string, unknown>);
      if (answers.length === MESSAGES) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  for (let i = 0; i < MESSAGES; i += 1) ws.send(JSON.stringify({ action: "burst", i }));
  await done;
  return answers;
}

describe("gateway concurrency, as Lambda's defaults", function () {
  this.timeout(120_000);
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it("answers all 100 simultaneous messages of one client past the process cap: unreserved, it waits, never throttles", async () => {
    stack = await startTestStack({ config: { lambdaConcurrency: 3 } });
    const ws = await connect(stack.urlWithToken(stack.issuer.mint({ username: "bursty" })));
    try {
      const answers = await burst(ws);
      expect(answers.filter((answer) => answer.type === "reply")).to.have.length(MESSAGES);
      const message = stack.hosts.message;
      expect({ throttles: message?.throttles, peak: message?.peakContainers }).to.deep.equal({ throttles: 0, peak: 3 });
      expect(message?.waits).to.be.above(0);
      expect(stack.logs.filter((line) => line.includes("waiting for a free container"))).to.have.length(
        message?.waits as number,
      );
    } finally {
      await closeAll([ws]);
    }
  });

  it("throttles past RESERVED_CONCURRENCY, as Lambda does, and the client gets API Gateway's Internal server error", async () => {
    stack = await startTestStack({ config: { reservedConcurrency: { message: 2 } } });
    const ws = await connect(stack.urlWithToken(stack.issuer.mint({ username: "reserved" })));
    try {
      const answers = await burst(ws);
      const refused = answers.filter((answer) => answer.message === "Internal server error").length;
      const message = stack.hosts.message;
      expect(refused).to.be.above(0).and.equal(message?.throttles);
      expect(message?.waits).to.equal(0);
      expect(message?.peakContainers).to.be.at.most(2);
      expect(stack.logs.filter((line) => line.includes("throttled (TooManyRequestsException)"))).to.have.length(
        refused,
      );
    } finally {
      await closeAll([ws]);
    }
  });
});
