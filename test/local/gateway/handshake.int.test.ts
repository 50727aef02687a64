import { expect } from "chai";
import { closeAll, connect, eventually, openSocket } from "./support/clients.ts";
import {
  makeDistWithMisbehavingZips,
  makeApiWith,
  removeDir,
  startTestStack,
  type TestStack,
} from "./support/stack.ts";

describe("gateway handshake ($connect)", () => {
  let stack: TestStack;

  before(async () => {
    stack = await startTestStack({ env: { REQUIRED_GROUPS: "" } });
  });
  after(async () => {
    await stack?.close();
  });

  it("accepts a valid token in the query parameter and runs the $connect integration with the caller's identity", async () => {
    const ws = await connect(stack.urlWithToken(stack.issuer.mint({ username: "alice", groups: ["admins"] })));
    try {
      const connectEvent = stack.invocationsOf("connect").at(-1)?.event as {
        requestContext: { authorizer: Record<string, unknown> };
      };
      expect(connectEvent.requestContext.authorizer).to.include({
        username: "alice",
        groups: '["admins"]',
        principalId: stack.issuer.subFor("alice"),
      });
    } finally {
      await closeAll([ws]);
    }
  });

  it("sends the authoriser the REQUEST event API Gateway builds for a WebSocket $connect", async () => {
    const ws = await connect(`${stack.urlWithToken(stack.issuer.mint({ username: "alice" }))}&lang=en&lang=fr`, {
      headers: { "X-Custom": "yes" },
    });
    try {
      const event = stack.invocationsOf("authoriser").at(-1)?.event as Record<string, any>;
      expect(event.type).to.equal("REQUEST");
      expect(event.methodArn).to.match(/^arn:aws:execute-api:eu-west-1:123456789012:\w+\/dev\/\$connect$/);
      expect(event.headers).to.include({ "X-Custom": "yes", "X-Forwarded-Proto": "http" });
      expect(event.multiValueQueryStringParameters.lang).to.deep.equal(["en", "fr"]);
      expect(event.queryStringParameters.lang).to.equal("fr");
      expect(event.stageVariables).to.deep.equal({});
      expect(event.requestContext).to.include({
        routeKey: "$connect",
        eventType: "CONNECT",
        messageDirection: "IN",
        stage: "dev",
      });
      expect(event.requestContext.domainName).to.equal(stack.gateway.domainName);
      expect(event.requestContext.identity.sourceIp).to.equal("127.0.0.1");
      for (const field of [
        "extendedRequestId",
        "requestTime",
        "connectedAt",
        "requestTimeEpoch",
        "requestId",
        "connectionId",
        "apiId",
      ]) {
        expect(event.requestContext, field).to.have.property(field);
      }
    } finally {
      await closeAll([ws]);
    }
  });

  it("answers 401 to an invalid token and completes no connection", async () => {
    const connectsBefore = stack.invocationsOf("connect").length;
    const forged = stack.issuer.mint({ username: "mallory" }).replace(/\.[^.]+$/, ".AAAA");
    const handshake = await openSocket(stack.urlWithToken(forged));
    expect(handshake).to.deep.include({ opened: false, status: 401 });
    expect(stack.invocationsOf("connect")).to.have.length(connectsBefore);
    expect(stack.gateway.openConnections.size).to.equal(0);
  });

  it("answers 401 to an expired token", async () => {
    const handshake = await openSocket(stack.urlWithToken(stack.issuer.mint({ username: "alice", expiresIn: -60 })));
    expect(handshake).to.deep.include({ opened: false, status: 401 });
  });

  it("answers 401 without invoking the authoriser when the identity source is missing", async () => {
    const authorisationsBefore = stack.invocationsOf("authoriser").length;
    const handshake = await openSocket(stack.gateway.url, {
      headers: { Authorization: `Bearer ${stack.issuer.mint({ username: "alice" })}` },
    });
    expect(handshake).to.deep.include({ opened: false, status: 401 });
    expect(stack.invocationsOf("authoriser")).to.have.length(authorisationsBefore);
  });

  it("answers 404 for a path that is not the stage", async () => {
    const handshake = await openSocket(`ws://${stack.gateway.domainName}/prod?auth=x`);
    expect(handshake).to.deep.include({ opened: false, status: 404 });
  });

  it("echoes no subprotocol when the $connect integration returns none, so a client offering one fails as it would on AWS", async () => {
    const token = stack.issuer.mint({ username: "alice" });
    const attempt = openSocket(stack.urlWithToken(token), { protocols: ["chat"] });
    const outcome = await attempt.then(
      (handshake) => {
        if (!handshake.opened) return `refused ${handshake.status}`;
        handshake.ws.terminate();
        return "opened";
      },
      (err: Error) => err.message,
    );
    expect(outcome).to.match(/no subprotocol/i);
  });
});

describe("gateway handshake with the token in Sec-WebSocket-Protocol", () => {
  let stack: TestStack;

  before(async () => {
    stack = await startTestStack({ tokenLocation: "protocol" });
  });
  after(async () => {
    await stack?.close();
  });

  it("accepts `bearer, <token>` and echoes the `bearer` subprotocol the $connect integration returns", async () => {
    const ws = await connect(stack.gateway.url, { protocols: ["bearer", stack.issuer.mint({ username: "carol" })] });
    try {
      expect(ws.protocol).to.equal("bearer");
    } finally {
      await closeAll([ws]);
    }
  });

  it("answers 401 to a token in the query string, which is not this stack's identity source", async () => {
    const authorisationsBefore = stack.invocationsOf("authoriser").length;
    const handshake = await openSocket(`${stack.gateway.url}?auth=${stack.issuer.mint({ username: "carol" })}`);
    expect(handshake).to.deep.include({ opened: false, status: 401 });
    expect(stack.invocationsOf("authoriser")).to.have.length(authorisationsBefore);
  });
});

describe("gateway handshake with required groups", () => {
  let stack: TestStack;

  before(async () => {
    stack = await startTestStack({ env: { REQUIRED_GROUPS: "admins" } });
  });
  after(async () => {
    await stack?.close();
  });

  it("answers 403 when the authoriser denies a valid token outside the required groups", async () => {
    const handshake = await openSocket(stack.urlWithToken(stack.issuer.mint({ username: "bob", groups: ["viewers"] })));
    expect(handshake).to.deep.include({ opened: false, status: 403 });
  });

  it("accepts a member of a required group", async () => {
    const ws = await connect(stack.urlWithToken(stack.issuer.mint({ username: "ann", groups: ["admins"] })));
    await closeAll([ws]);
  });
});

describe("gateway handshake with a misbehaving authoriser", () => {
  let dist: string;
  const stacks: TestStack[] = [];

  before(() => {
    dist = makeDistWithMisbehavingZips();
  });
  after(async () => {
    await Promise.all(stacks.map((stack) => stack.close()));
    removeDir(dist);
  });

  async function stackWithAuthoriser(name: string, config = {}): Promise<TestStack> {
    const stack = await startTestStack({ api: makeApiWith({ authoriserFunction: name }), distDir: dist, config });
    stacks.push(stack);
    return stack;
  }

  it("answers 500 when the authoriser throws anything but Unauthorized", async () => {
    const stack = await stackWithAuthoriser("failing-authoriser");
    expect(await openSocket(stack.urlWithToken("a.b.c"))).to.deep.include({ opened: false, status: 500 });
  });

  it("answers 403 when the authoriser's result has no string principalId", async () => {
    const stack = await stackWithAuthoriser("junk-authoriser");
    expect(await openSocket(stack.urlWithToken("a.b.c"))).to.deep.include({ opened: false, status: 403 });
  });

  it("answers 403 when the policy allows another API's ARN only", async () => {
    const stack = await stackWithAuthoriser("unscoped-authoriser");
    expect(await openSocket(stack.urlWithToken("a.b.c"))).to.deep.include({ opened: false, status: 403 });
  });

  it("answers 500 when the authoriser hangs past its timeout, and still answers the next handshake", async () => {
    const stack = await stackWithAuthoriser("hangs", { lambdaTimeoutMs: 800 });
    const started = Date.now();
    expect(await openSocket(stack.urlWithToken("a.b.c"))).to.deep.include({ opened: false, status: 500 });
    expect(Date.now() - started).to.be.within(700, 5000);
    await eventually(() => stack.invocationsOf("hangs").length === 1, 2000, "timed-out invocation recorded");
    expect(stack.invocationsOf("hangs")[0]?.result).to.deep.include({ ok: false, errorType: "Sandbox.Timedout" });
    expect(await openSocket(stack.urlWithToken("a.b.c"))).to.deep.include({ opened: false, status: 500 });
  });
});
