import { expect } from "chai";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { DYNAMODB_ATTEMPTS, DynamoDbError } from "../../../functions/shared/dynamodb.ts";
import { ConnectionRegistry } from "../../../functions/shared/registry.ts";
import { revokeConnections } from "../../../functions/revoke/revoke.ts";
import { captureLogSink } from "../../support/logs.ts";

// The registry's best-effort writes (markClosedBy, unmarkWarned, removeOwned) take a failed condition as "nothing
// to do"; every other failure must reach the caller. moto cannot throttle or fail, so a loopback stand-in answers
// as DynamoDB documents its errors: the status, Content-Type application/x-amz-json-1.0 and a JSON body whose
// `__type` names the error, through the registry's real client (signing, retries and all).

const JSON_1_0 = "application/x-amz-json-1.0";

interface Fault {
  readonly status: number;
  readonly type: string;
  readonly message: string;
  /** Whether the client retries it (throttling and 5xx) up to DYNAMODB_ATTEMPTS. */
  readonly retried: boolean;
}

const THROTTLED: Fault = {
  status: 400,
  type: "ProvisionedThroughputExceededException",
  message:
    "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.",
  retried: true,
};
const INTERNAL: Fault = { status: 500, type: "InternalServerError", message: "Internal server error", retried: true };
const DENIED: Fault = {
  status: 400,
  type: "AccessDeniedException",
  message: "User is not authorized to perform: dynamodb:UpdateItem",
  retried: false,
};
const CONDITION_FAILED: Fault = {
  status: 400,
  type: "ConditionalCheckFailedException",
  message: "The conditional request failed",
  retried: false,
};

function sendFault(res: ServerResponse, fault: Fault): void {
  const body = JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${fault.type}`, message: fault.message });
  res.writeHead(fault.status, {
    "content-type": JSON_1_0,
    "content-length": String(Buffer.byteLength(body)),
    "x-amzn-requestid": "STUBREQUEST0000000000000000000000000000000000000000",
  });
  res.end(body);
}

function sendOk(res: ServerResponse, answer: unknown): void {
  res.writeHead(200, { "content-type": JSON_1_0 });
  res.end(JSON.stringify(answer));
}

/** What the stand-in answers to each attempt of an operation: a fault, or a 200 with this body. */
type Answer = Fault | { readonly ok: unknown };

describe("connection registry, when DynamoDB fails for a reason other than the condition", () => {
  const saved = { ...process.env };
  let server: Server;
  let registry: ConnectionRegistry;
  /** X-Amz-Target of each attempt the stand-in received, without the API version prefix. */
  const attempts: string[] = [];
  /** Per operation, the answers to give in turn; the last one repeats. */
  let script: Record<string, Answer[]> = {};

  before(async () => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: "AKIDSTUB", AWS_SECRET_ACCESS_KEY: "stub" });
    server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        const operation = String(req.headers["x-amz-target"]).replace("DynamoDB_20120810.", "");
        attempts.push(operation);
        const answers = script[operation] ?? [{ ok: {} }];
        const next = (answers.length > 1 ? answers.shift() : answers[0]) as Answer;
        if ("ok" in next) sendOk(res, next.ok);
        else sendFault(res, next);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    registry = new ConnectionRegistry({ tableName: "connections", endpoint, region: "eu-west-1" });
  });
  after(async () => {
    process.env = saved;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    attempts.length = 0;
    script = {};
  });

  const failure = (promise: Promise<unknown>): Promise<unknown> =>
    promise.then(
      (value) => expect.fail(`expected a failure, got ${JSON.stringify(value)}`),
      (err: unknown) => err,
    );

  const calls = [
    { name: "markClosedBy", operation: "UpdateItem", run: () => registry.markClosedBy("c1=", "refresh_refused") },
    { name: "unmarkWarned", operation: "UpdateItem", run: () => registry.unmarkWarned("c1=", 2_000_000_000) },
    { name: "removeOwned", operation: "DeleteItem", run: () => registry.removeOwned("c1=", { sub: "sub-alice" }) },
  ] as const;

  for (const { name, operation, run } of calls) {
    describe(name, () => {
      for (const fault of [THROTTLED, INTERNAL, DENIED]) {
        const tries = fault.retried ? DYNAMODB_ATTEMPTS : 1;
        it(`passes on ${fault.type} (${fault.status}) after ${tries} attempt${tries === 1 ? "" : "s"}`, async () => {
          script[operation] = [fault];
          const err = await failure(run());
          expect(err).to.be.instanceOf(DynamoDbError).and.to.include({ status: fault.status, errorType: fault.type });
          expect(attempts).to.deep.equal(Array(tries).fill(operation));
        });
      }

      it("takes a failed condition as nothing to do, in one attempt", async () => {
        script[operation] = [CONDITION_FAILED];
        expect(await run()).to.equal(undefined);
        expect(attempts).to.deep.equal([operation]);
      });

      it("succeeds when a retry after a throttle succeeds", async () => {
        script[operation] = [THROTTLED, { ok: {} }];
        expect(await run()).to.equal(undefined);
        expect(attempts).to.deep.equal([operation, operation]);
      });
    });
  }

  it("removeOwned answers the removed item when a retry after a 500 succeeds", async () => {
    const item = {
      connectionId: { S: "c1=" },
      sub: { S: "sub-alice" },
      username: { S: "alice" },
      exp: { N: "2000000000" },
      connectedAt: { N: "1999999000000" },
      endpoint: { S: "http://127.0.0.1:1/dev" },
    };
    script.DeleteItem = [INTERNAL, { ok: { Attributes: item } }];
    expect(await registry.removeOwned("c1=", { sub: "sub-alice" })).to.deep.include({
      connectionId: "c1=",
      sub: "sub-alice",
      exp: 2_000_000_000,
    });
  });

  it("so a revoke whose claim stays throttled counts the connection failed and asks to be run again", async () => {
    script.Query = [{ ok: { Items: [{ connectionId: { S: "c1=" } }], Count: 1 } }];
    script.DeleteItem = [THROTTLED];
    const lines: string[] = [];
    const restore = captureLogSink((line) => lines.push(line));
    const result = await revokeConnections({ sub: "sub-alice" }, 10, {
      registry,
      connectionsAt: () => expect.fail("no connection is closed without its claim"),
      remainingMs: () => 60_000,
    }).finally(restore);
    expect(result).to.deep.include({ closed: 0, gone: 0, failed: 1, more: true });
    expect(lines).to.have.length(1);
    expect(JSON.parse(lines[0] as string)).to.include({
      level: "ERROR",
      connectionId: "c1=",
      error: "DynamoDB DeleteItem failed: status 400 (ProvisionedThroughputExceededException)",
    });
    expect(attempts).to.deep.equal(["Query", ...Array(DYNAMODB_ATTEMPTS).fill("DeleteItem")]);
  });
});
