import { expect } from "chai";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  createDynamoDb,
  DYNAMODB_ATTEMPTS,
  DYNAMODB_DEADLINE_MS,
  DynamoDbError,
  dynamoDbDeadlineMs,
  LOOPBACK_DEADLINE_MS,
  readError,
} from "../../../functions/shared/dynamodb.ts";
import {
  backOffPauses,
  CUT_DEADLINE_MS,
  DEADLINE_CUTS,
  FIXED_RANDOM,
  withScriptedDate,
} from "../../support/back-off.ts";

// DynamoDB's retry and deadline policy against a loopback server that answers as we script it; DynamoDB's own
// answers come from moto in test/functions/shared/registry.int.test.ts.
type Script = (req: IncomingMessage, res: ServerResponse, body: string) => void;

const answer =
  (status: number, body: unknown): Script =>
  (_req, res) => {
    res.writeHead(status, { "content-type": "application/x-amz-json-1.0" });
    res.end(JSON.stringify(body));
  };
const fault = (type: string, status = 400) =>
  answer(status, { __type: `com.amazonaws.dynamodb.v20120810#${type}`, message: "x" });

describe("DynamoDB client (SigV4 over http1.ts)", () => {
  let server: Server;
  let endpoint: string;
  let script: Script[] = [];
  const received: Array<{ target: string; body: string; method?: string }> = [];
  const saved = { ...process.env };

  before(async () => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: "local", AWS_SECRET_ACCESS_KEY: "local" });
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString();
        received.push({ target: String(req.headers["x-amz-target"]), body, method: req.method as string });
        (script.shift() ?? answer(200, {}))(req, res, body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    process.env = saved;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    received.length = 0;
    script = [];
  });

  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (err: unknown) => err,
    );

  it("has DynamoDB's deadline, or a longer one for a stand-in on loopback", () => {
    expect(dynamoDbDeadlineMs("https://dynamodb.eu-west-1.amazonaws.com")).to.equal(DYNAMODB_DEADLINE_MS);
    expect(dynamoDbDeadlineMs("http://127.0.0.1:5000")).to.equal(LOOPBACK_DEADLINE_MS);
  });

  it("sends the operation as X-Amz-Target and the body as JSON, and parses the answer", async () => {
    script = [answer(200, { Item: { a: { S: "b" } } })];
    expect(await createDynamoDb(endpoint, "eu-west-1").call("GetItem", { TableName: "t" })).to.deep.equal({
      Item: { a: { S: "b" } },
    });
    expect(received).to.deep.equal([
      { target: "DynamoDB_20120810.GetItem", body: '{"TableName":"t"}', method: "POST" },
    ]);
  });

  it("declares the body as DynamoDB's JSON 1.0 and signs that header with the target", async () => {
    let headers: IncomingMessage["headers"] = {};
    script = [
      (req, res, body) => {
        headers = req.headers;
        answer(200, {})(req, res, body);
      },
    ];
    await createDynamoDb(endpoint, "eu-west-1").call("GetItem", {});
    expect(headers["content-type"]).to.equal("application/x-amz-json-1.0");
    expect(headers.authorization).to.match(/SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-target,/);
  });

  describe("back-off (Math.random fixed, Date stopped: pauses are arithmetic, not timings)", () => {
    it("pauses a random share of 50 ms × 2^attempt before each retry", async () => {
      script = [fault("ThrottlingException"), fault("ThrottlingException"), answer(200, {})];
      const call = () => createDynamoDb(endpoint, "eu-west-1").call("PutItem", {});
      expect(await backOffPauses(call)).to.deep.equal([FIXED_RANDOM * 50 * 2, FIXED_RANDOM * 50 * 4]);
    });

    for (const [elapsed, attempts] of DEADLINE_CUTS) {
      it(`stops after ${attempts} attempt(s) when a pause would end at the deadline (elapsed ${elapsed.join(", ")} ms)`, async () => {
        const err = await withScriptedDate((setElapsed) => {
          const throttleAt =
            (ms: number): Script =>
            (req, res, body) => {
              setElapsed(ms);
              fault("ThrottlingException")(req, res, body);
            };
          script = [...elapsed.map(throttleAt), throttleAt(CUT_DEADLINE_MS)];
          return failure(createDynamoDb(endpoint, "eu-west-1", { deadlineMs: CUT_DEADLINE_MS }).call("PutItem", {}));
        });
        expect(err).to.be.instanceOf(DynamoDbError).and.to.include({ errorType: "ThrottlingException" });
        expect(received).to.have.length(attempts);
      });
    }
  });

  for (const [type, status] of [
    ["ProvisionedThroughputExceededException", 400],
    ["ThrottlingException", 400],
    ["RequestLimitExceeded", 400],
    ["InternalServerError", 500],
    ["ServiceUnavailable", 503],
  ] as const) {
    it(`retries ${type} (${status}) and succeeds when a later attempt does`, async () => {
      script = [fault(type, status), fault(type, status), answer(200, { ok: 1 })];
      expect(await createDynamoDb(endpoint, "eu-west-1").call("PutItem", {})).to.deep.equal({ ok: 1 });
      expect(received).to.have.length(3);
    });
  }

  it(`gives up after ${DYNAMODB_ATTEMPTS} attempts with the last error's type`, async () => {
    script = [
      fault("ThrottlingException"),
      fault("ThrottlingException"),
      fault("InternalServerError", 500),
      answer(200, {}),
    ];
    const err = await failure(createDynamoDb(endpoint, "eu-west-1").call("PutItem", {}));
    expect(err).to.be.instanceOf(DynamoDbError).and.to.include({ status: 500, errorType: "InternalServerError" });
    expect(received).to.have.length(3);
  });

  for (const type of [
    "ValidationException",
    "AccessDeniedException",
    "ResourceNotFoundException",
    "UnrecognizedClientException",
    "ConditionalCheckFailedException",
  ]) {
    it(`never retries ${type}: a configuration or condition error`, async () => {
      script = [fault(type), answer(200, {})];
      const err = await failure(createDynamoDb(endpoint, "eu-west-1").call("UpdateItem", {}));
      expect(err).to.be.instanceOf(DynamoDbError).and.to.include({ status: 400, errorType: type });
      expect(received).to.have.length(1);
    });
  }

  it("retries a 5xx whatever its body, even one that is not DynamoDB's JSON", async () => {
    script = [
      (_req, res) => {
        res.writeHead(500);
        res.end("<html>proxy</html>");
      },
      answer(200, { ok: 3 }),
    ];
    expect(await createDynamoDb(endpoint, "eu-west-1").call("GetItem", {})).to.deep.equal({ ok: 3 });
    expect(received).to.have.length(2);
  });

  it("takes only a 2xx as success", async () => {
    script = [answer(300, { Item: {} })];
    const err = await failure(createDynamoDb(endpoint, "eu-west-1").call("GetItem", {}));
    expect(err).to.be.instanceOf(DynamoDbError).and.to.include({ status: 300, errorType: "UnknownError" });
    expect(received).to.have.length(1);
  });

  it("keeps the item a failed condition was checked against", async () => {
    const item = { connectionId: { S: "c" }, exp: { N: "5" } };
    script = [answer(400, { __type: "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException", Item: item })];
    const err = (await failure(createDynamoDb(endpoint, "eu-west-1").call("UpdateItem", {}))) as DynamoDbError;
    expect(err.item).to.deep.equal(item);
    expect(err.message).to.equal("DynamoDB UpdateItem failed: status 400 (ConditionalCheckFailedException)");
  });

  it("reads the error type of an answer that is not DynamoDB's JSON as UnknownError", () => {
    expect(readError("<html>502</html>")).to.deep.equal({ errorType: "UnknownError", item: undefined });
    expect(readError('{"message":"no type"}')).to.deep.equal({ errorType: "UnknownError", item: undefined });
    expect(readError('{"__type":"Plain","Item":[1]}')).to.deep.equal({ errorType: "Plain", item: undefined });
    expect(readError('{"__type":"Plain","Item":null}')).to.deep.equal({ errorType: "Plain", item: undefined });
    expect(readError('{"__type":"Plain","Item":"x"}')).to.deep.equal({ errorType: "Plain", item: undefined });
  });

  it("retries a connection reset and succeeds when a later attempt does", async () => {
    script = [(req) => req.socket.destroy(), answer(200, { ok: 2 })];
    expect(await createDynamoDb(endpoint, "eu-west-1").call("GetItem", {})).to.deep.equal({ ok: 2 });
    expect(received).to.have.length(2);
  });

  it("ends a call that gets no answer at its deadline, retries included, naming the deadline", async () => {
    script = [() => undefined, () => undefined, () => undefined];
    const started = Date.now();
    const err = await failure(createDynamoDb(endpoint, "eu-west-1", { deadlineMs: 300 }).call("GetItem", {}));
    expect(err).to.be.instanceOf(DynamoDbError).and.to.include({ status: 0, errorType: "DEADLINE" });
    // Generous upper bound for a loaded machine; the point is that it ends, where an idle timeout never would.
    expect(Date.now() - started).to.be.below(5_000);
    expect(received).to.have.length(1);
  });

  it("ends at the deadline an answer that trickles forever (no idle timeout would)", async () => {
    script = [
      (_req, res) => {
        res.writeHead(200, { "content-type": "application/x-amz-json-1.0" });
        const drip = setInterval(() => (res.writableEnded ? clearInterval(drip) : res.write(" ")), 20);
        res.on("close", () => clearInterval(drip));
      },
    ];
    const err = await failure(createDynamoDb(endpoint, "eu-west-1", { deadlineMs: 300 }).call("Query", {}));
    expect(err).to.be.instanceOf(DynamoDbError).and.to.include({ errorType: "DEADLINE" });
  });

  it("does not retry, or even send, without credentials", async () => {
    delete process.env.AWS_ACCESS_KEY_ID;
    try {
      const call = failure(createDynamoDb(endpoint, "eu-west-1").call("GetItem", {}));
      // Credentials back before any back-off could end: a retry would now succeed, and must not happen.
      setImmediate(() => {
        process.env.AWS_ACCESS_KEY_ID = "local";
      });
      const err = await call;
      expect(err).to.be.instanceOf(DynamoDbError).and.to.include({ errorType: "SigningConfigError" });
      expect(received).to.have.length(0);
    } finally {
      process.env.AWS_ACCESS_KEY_ID = "local";
    }
  });

  it("retries a refused connection (nothing listening) up to the attempt limit", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const started = Date.now();
    const err = await failure(createDynamoDb(`http://127.0.0.1:${port}`, "eu-west-1").call("GetItem", {}));
    expect(err).to.be.instanceOf(DynamoDbError).and.to.include({ errorType: "ECONNREFUSED" });
    expect((err as DynamoDbError).cause).to.have.property("mayHaveReached", false);
    expect(Date.now() - started).to.be.below(5_000);
  });
});
