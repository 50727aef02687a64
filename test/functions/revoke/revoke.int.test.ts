// The revoke function's logic against moto's DynamoDB (the registry and its indexes) and moto's Cognito
// (AdminGetUser for the automatic path), with a Management API that records each call in order.
import { expect } from "chai";
import { cognitoDirectory } from "../../../functions/revoke/cognito-user.ts";
import {
  type HandleRevokeDependencies,
  handleRevoke,
  RevocationIncompleteError,
} from "../../../functions/revoke/handle-revoke.ts";
import { RevokeInputError } from "../../../functions/revoke/request.ts";
import { REVOKED_MESSAGE, STOP_MARGIN_MS } from "../../../functions/revoke/revoke.ts";
import type { Connections } from "../../../functions/shared/management-api.ts";
import { type ConnectionRecord, ConnectionRegistry } from "../../../functions/shared/registry.ts";
import { sendSigned } from "../../../functions/shared/signed-request.ts";
import { LOCAL_REGION } from "../../../local/registry-table.ts";
import { freshRegistryTable, sharedDynamoDbEndpoint } from "../../local/support/dynamodb.ts";
import { captureLogSink, LogCollector } from "../../support/logs.ts";
import { makeSignOutEvent } from "./support/events.ts";

const ENDPOINT = "http://127.0.0.1:9/dev";

/** A Management API that records each call in order; `gone` ids answer 410, `broken` ones fail to close. */
function recordingApi(options: { gone?: Set<string>; broken?: Set<string> } = {}) {
  const calls: Array<[string, string, string?]> = [];
  const connectionsAt = (_endpoint: string, _deadlineMs: number): Connections => ({
    post: async (connectionId, data) => {
      calls.push(["POST", connectionId, data]);
      return !options.gone?.has(connectionId);
    },
    close: async (connectionId) => {
      calls.push(["DELETE", connectionId]);
      if (options.broken?.has(connectionId)) throw new Error("DeleteConnection failed: status 500");
      return !options.gone?.has(connectionId);
    },
  });
  return { calls, connectionsAt };
}

function record(connectionId: string, sub: string, originJti?: string): ConnectionRecord {
  return {
    connectionId,
    sub,
    username: sub,
    exp: 2_000_000_000,
    connectedAt: 1_999_990_000_000,
    endpoint: ENDPOINT,
    ...(originJti === undefined ? {} : { originJti }),
  };
}

/** One call of moto's Cognito API, signed as the function signs its own. */
async function cognito<T>(operation: string, body: Record<string, unknown>): Promise<T> {
  const answer = await sendSigned(new URL(await sharedDynamoDbEndpoint()), {
    method: "POST",
    service: "cognito-idp",
    region: LOCAL_REGION,
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": `AWSCognitoIdentityProviderService.${operation}`,
    },
    body: JSON.stringify(body),
    deadlineMs: 10_000,
    maxAnswerBytes: 1024 * 1024,
  });
  if (answer.status !== 200) throw new Error(`${operation}: ${answer.status} ${answer.text}`);
  return JSON.parse(answer.text) as T;
}

describe("revoke, against moto's DynamoDB and Cognito", function () {
  this.timeout(60_000);
  let registry: ConnectionRegistry;
  let api: ReturnType<typeof recordingApi>;
  const logs = new LogCollector();
  let releaseLogs: () => void;
  const noDirectory = { subOf: async () => expect.fail("no user lookup on the direct path") };

  const deps = (overrides: Partial<HandleRevokeDependencies> = {}): HandleRevokeDependencies => ({
    registry,
    directory: noDirectory,
    userPoolId: undefined,
    connectionsAt: api.connectionsAt,
    remainingMs: () => 60_000,
    awsRequestId: "req-1",
    ...overrides,
  });

  const ids = async (sub: string) => [...(await registry.connectionPage({ sub }, 100)).connectionIds].sort();

  beforeEach(async () => {
    const table = await freshRegistryTable();
    registry = new ConnectionRegistry(
      { tableName: table.tableName, endpoint: table.endpoint, region: LOCAL_REGION },
      table.db,
    );
    api = recordingApi();
    logs.lines.length = 0;
    releaseLogs = captureLogSink(logs.collect);
  });
  afterEach(() => releaseLogs());

  it("tells each of a user's connections `revoked`, then closes it, then forgets it; no one else's is touched", async () => {
    for (const id of ["a1", "a2", "a3"]) await registry.register(record(id, "sub-alice", `oj-${id}`));
    for (let i = 0; i < 20; i += 1) await registry.register(record(`b${i}`, `sub-other-${i % 4}`));
    const result = await handleRevoke({ sub: "sub-alice", requestedBy: "ops:jane" }, deps());
    expect(result).to.deep.equal({ closed: 3, gone: 0, failed: 0, more: false });
    for (const id of ["a1", "a2", "a3"]) {
      const mine = api.calls.filter((call) => call[1] === id);
      expect(mine, id).to.deep.equal([
        ["POST", id, REVOKED_MESSAGE],
        ["DELETE", id],
      ]);
    }
    expect(api.calls).to.have.length(6);
    expect(await ids("sub-alice")).to.deep.equal([]);
    for (let i = 0; i < 4; i += 1) expect(await ids(`sub-other-${i}`)).to.have.length(5);
  });

  it("is idempotent: a second revoke finds nothing and answers 0", async () => {
    await registry.register(record("a1", "sub-alice"));
    await handleRevoke({ sub: "sub-alice" }, deps());
    api.calls.length = 0;
    expect(await handleRevoke({ sub: "sub-alice" }, deps())).to.deep.equal({
      closed: 0,
      gone: 0,
      failed: 0,
      more: false,
    });
    expect(api.calls).to.deep.equal([]);
  });

  it("closes one sign-in session's connections by origin_jti, and not the same user's other sessions", async () => {
    await registry.register(record("phone", "sub-alice", "oj-phone"));
    await registry.register(record("laptop-1", "sub-alice", "oj-laptop"));
    await registry.register(record("laptop-2", "sub-alice", "oj-laptop"));
    await registry.register(record("old-shape", "sub-alice"));
    expect(await handleRevoke({ origin_jti: "oj-laptop" }, deps())).to.deep.include({ closed: 2, more: false });
    expect(
      api.calls
        .filter(([method]) => method === "DELETE")
        .map(([, id]) => id)
        .sort(),
    ).to.deep.equal(["laptop-1", "laptop-2"]);
    expect(await ids("sub-alice")).to.deep.equal(["old-shape", "phone"]);
  });

  it("never closes a connection the index still lists under a session it has left by a refresh", async () => {
    await registry.register(record("c1", "sub-alice", "oj-old"));
    await registry.refresh(
      "c1",
      "sub-alice",
      { exp: 2_000_000_100, username: "alice", groups: [], scopes: [], originJti: "oj-new" },
      1_999_999_000,
    );
    // The index may lag the refresh; the conditional delete reads the item itself.
    const stale = {
      ...registry,
      connectionPage: async () => ({ connectionIds: ["c1"] }),
    } as unknown as ConnectionRegistry;
    stale.removeOwned = registry.removeOwned.bind(registry);
    stale.restore = registry.restore.bind(registry);
    expect(await handleRevoke({ origin_jti: "oj-old" }, deps({ registry: stale }))).to.deep.include({ closed: 0 });
    expect(api.calls).to.deep.equal([]);
    expect(await registry.lookup("c1")).to.not.equal(undefined);
  });

  it("counts a connection already gone at API Gateway, and removes its item", async () => {
    await registry.register(record("gone", "sub-alice"));
    await registry.register(record("open", "sub-alice"));
    api = recordingApi({ gone: new Set(["gone"]) });
    const counted: number[] = [];
    const result = await handleRevoke({ sub: "sub-alice" }, deps({ onClosed: (n) => counted.push(n) }));
    expect(result).to.deep.equal({ closed: 1, gone: 1, failed: 0, more: false });
    expect(counted, "both ended here: the gone one's $disconnect will find no item").to.deep.equal([2]);
    expect(await registry.lookup("gone")).to.equal(undefined);
  });

  it("puts back the item of a connection it could not close, and answers more so that a retry finds it", async () => {
    await registry.register(record("stuck", "sub-alice"));
    await registry.register(record("fine", "sub-alice"));
    api = recordingApi({ broken: new Set(["stuck"]) });
    expect(await handleRevoke({ sub: "sub-alice" }, deps())).to.deep.equal({
      closed: 1,
      gone: 0,
      failed: 1,
      more: true,
    });
    expect(await registry.lookup("stuck")).to.deep.equal(record("stuck", "sub-alice"));
    expect(await registry.lookup("fine")).to.equal(undefined);
  });

  it("does at most `limit` connections per invocation, answering more until none is left", async () => {
    for (let i = 0; i < 5; i += 1) await registry.register(record(`a${i}`, "sub-alice"));
    expect(await handleRevoke({ sub: "sub-alice", limit: 2 }, deps())).to.deep.include({ closed: 2, more: true });
    expect(await handleRevoke({ sub: "sub-alice", limit: 2 }, deps())).to.deep.include({ closed: 2, more: true });
    expect(await handleRevoke({ sub: "sub-alice", limit: 2 }, deps())).to.deep.include({ closed: 1, more: false });
    expect(await ids("sub-alice")).to.deep.equal([]);
  });

  it("claims nothing once less than the stop margin is left of the invocation, and answers more", async () => {
    await registry.register(record("a1", "sub-alice"));
    const late = deps({ remainingMs: () => STOP_MARGIN_MS - 1 });
    expect(await handleRevoke({ sub: "sub-alice" }, late)).to.deep.equal({ closed: 0, gone: 0, failed: 0, more: true });
    expect(await registry.lookup("a1")).to.not.equal(undefined);
  });

  it("writes one audit line per invocation: who asked, whose, which were closed, how many", async () => {
    await registry.register(record("a1", "sub-alice"));
    await handleRevoke({ sub: "sub-alice", requestedBy: "ops:jane" }, deps());
    const audit = logs.parsed().filter((line) => line.message === "revocation");
    expect(audit).to.have.length(1);
    expect(audit[0]).to.deep.include({
      level: "INFO",
      awsRequestId: "req-1",
      path: "direct",
      requestedBy: "ops:jane",
      sub: "sub-alice",
      closed: 1,
      gone: 0,
      failed: 0,
      more: false,
      connectionIds: ["a1"],
    });
  });

  it("refuses a bad payload with a RevokeInputError and a WARN line, touching nothing", async () => {
    await registry.register(record("a1", "sub-alice"));
    let caught: unknown;
    try {
      await handleRevoke({ user: "alice" }, deps());
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(RevokeInputError);
    expect((caught as Error).message).to.match(/unknown field\(s\) user/);
    expect(logs.parsed().filter((line) => line.message === "revocation refused")).to.have.length(1);
    expect(await registry.lookup("a1")).to.not.equal(undefined);
  });

  describe("the automatic path: AdminUserGlobalSignOut from CloudTrail, through moto's Cognito", () => {
    let userPoolId: string;
    let aliceSub: string;

    before(async () => {
      const { UserPool } = await cognito<{ UserPool: { Id: string } }>("CreateUserPool", { PoolName: "revoke-test" });
      userPoolId = UserPool.Id;
      const { User } = await cognito<{ User: { Attributes: Array<{ Name: string; Value: string }> } }>(
        "AdminCreateUser",
        { UserPoolId: userPoolId, Username: "alice" },
      );
      aliceSub = User.Attributes.find((attribute) => attribute.Name === "sub")?.Value as string;
    });

    const directory = async () => cognitoDirectory(await sharedDynamoDbEndpoint(), LOCAL_REGION);

    it("maps the event's Username to the user's sub with AdminGetUser, and closes that user's connections", async () => {
      await registry.register(record("a1", aliceSub));
      await registry.register(record("b1", "sub-bob"));
      const event = makeSignOutEvent({ userPoolId, username: "alice" });
      const result = await handleRevoke(event, deps({ directory: await directory(), userPoolId }));
      expect(result).to.deep.equal({ closed: 1, gone: 0, failed: 0, more: false });
      expect(await registry.lookup("b1")).to.not.equal(undefined);
      const [audit] = logs.parsed().filter((line) => line.message === "revocation");
      expect(audit).to.deep.include({
        path: "sign_out",
        username: "alice",
        sub: aliceSub,
        requestedBy: "arn:aws:iam::123456789012:role/support-desk",
        eventId: "3f2a5d7e-0000-4000-8000-000000000001",
      });
    });

    it("answers 0 for a user the pool no longer has", async () => {
      const event = makeSignOutEvent({ userPoolId, username: "deleted-since" });
      expect(await handleRevoke(event, deps({ directory: await directory(), userPoolId }))).to.deep.equal({
        closed: 0,
        gone: 0,
        failed: 0,
        more: false,
      });
    });

    it("refuses a sign-out in another pool than USER_POOL_ID's, or any when it is unset", async () => {
      const event = makeSignOutEvent({ userPoolId, username: "alice" });
      for (const configured of ["eu-west-1_Other", undefined]) {
        let caught: unknown;
        try {
          await handleRevoke(event, deps({ directory: await directory(), userPoolId: configured }));
        } catch (err) {
          caught = err;
        }
        expect(caught, String(configured)).to.be.instanceOf(RevokeInputError);
      }
    });

    it("throws when connections remain, so that Lambda's async retry of the event goes on with them", async () => {
      await registry.register(record("a1", aliceSub));
      const event = makeSignOutEvent({ userPoolId, username: "alice" });
      const late = deps({ directory: await directory(), userPoolId, remainingMs: () => 0 });
      let caught: unknown;
      try {
        await handleRevoke(event, late);
      } catch (err) {
        caught = err;
      }
      expect(caught).to.be.instanceOf(RevocationIncompleteError);
      expect(await registry.lookup("a1")).to.not.equal(undefined);
    });
  });
});
