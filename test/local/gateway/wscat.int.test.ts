// The same journeys with wscat itself: a real client nobody here wrote.
import { expect } from "chai";
import { runWscat } from "./support/clients.ts";
import { startTestStack, type TestStack } from "./support/stack.ts";

describe("gateway with the wscat client", () => {
  let stack: TestStack;

  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack?.close();
  });

  it("connects with a good token, sends a message and prints the reply naming the user", async () => {
    const run = await runWscat([
      "-c",
      stack.urlWithToken(stack.issuer.mint({ username: "wendy", groups: ["ops"] })),
      "-x",
      '{"action":"hello"}',
      "-w",
      "2",
    ]);
    const reply = JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "{}") as {
      from?: { username?: string; groups?: string[] };
      action?: string;
    };
    expect(reply).to.deep.include({ action: "hello" });
    expect(reply.from).to.deep.include({ username: "wendy", groups: ["ops"] });
  });

  it("connects with the token as a subprotocol (`-s bearer -s <token>`) on a stack that reads it there", async () => {
    const protocolStack = await startTestStack({ tokenLocation: "protocol" });
    try {
      const run = await runWscat([
        "-c",
        protocolStack.gateway.url,
        "-s",
        "bearer",
        "-s",
        protocolStack.issuer.mint({ username: "pat" }),
        "-x",
        "hi",
        "-w",
        "2",
      ]);
      expect(run.stdout).to.include('"username":"pat"');
    } finally {
      await protocolStack.close();
    }
  });

  it("is refused with 401 for an expired token and never connects", async () => {
    const run = await runWscat([
      "-c",
      stack.urlWithToken(stack.issuer.mint({ username: "old", expiresIn: -5 })),
      "-x",
      "hi",
      "-w",
      "1",
    ]);
    expect(run.code).to.not.equal(0);
    expect(run.stdout + run.stderr).to.include("401");
    expect(run.stdout).to.not.include("reply");
  });

  it("is refused with 401 when no token is sent", async () => {
    const run = await runWscat(["-c", stack.gateway.url, "-x", "hi", "-w", "1"]);
    expect(run.code).to.not.equal(0);
    expect(run.stdout + run.stderr).to.include("401");
  });
});
