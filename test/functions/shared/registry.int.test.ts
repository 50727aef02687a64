import { expect } from "chai";
import type { DynamoDb } from "../../../functions/shared/dynamodb.ts";
import { DynamoDbError } from "../../../functions/shared/dynamodb.ts";
import {
  type ConnectionRecord,
  ConnectionRegistry,
  EXPIRY_BUCKET_SECONDS,
  expiryBucket,
  type TokenIdentity,
} from "../../../functions/shared/registry.ts";
import { freshRegistryTable } from "../../local/support/dynamodb.ts";

/** Records each operation sent to the real (moto) DynamoDB underneath. */
function recording(db: DynamoDb): DynamoDb & { operations: string[] } {
  const operations: string[] = [];
  return {
    operations,
    call: (operation, body) => {
      operations.push(operation);
      return db.call(operation, body);
    },
  };
}

function makeRecord(overrides: Partial<ConnectionRecord> = {}): ConnectionRecord {
  return {
    connectionId: "c1=",
    sub: "sub-alice",
    username: "alice",
    exp: 2_000_000_000,
    connectedAt: 1_999_999_000_000,
    endpoint: "http://127.0.0.1:1/dev",
    ...overrides,
  };
}

describe("connection registry, against moto's DynamoDB", function () {
  this.timeout(60_000);
  let registry: ConnectionRegistry;
  let db: ReturnType<typeof recording>;
  let tableName: string;

  beforeEach(async () => {
    const table = await freshRegistryTable();
    tableName = table.tableName;
    db = recording(table.db);
    registry = new ConnectionRegistry({ tableName, endpoint: table.endpoint, region: "eu-west-1" }, db);
  });

  it("stores a connection and reads it back, with its TTL attribute an hour past API Gateway's 2 h cap", async () => {
    await registry.register(makeRecord());
    expect(await registry.lookup("c1=")).to.deep.equal(makeRecord());
    const { Item } = await db.call<{ Item: Record<string, { N?: string }> }>("GetItem", {
      TableName: tableName,
      Key: { connectionId: { S: "c1=" } },
    });
    expect(Number(Item.purgeAt?.N)).to.equal(1_999_999_000 + 7200 + 3600);
    expect(Number(Item.expBucket?.N)).to.equal(expiryBucket(2_000_000_000));
  });

  it("forgets a removed connection", async () => {
    await registry.register(makeRecord());
    await registry.remove("c1=");
    expect(await registry.lookup("c1=")).to.equal(undefined);
  });

  const token = (exp: number, groups: string[] = ["ops"]): TokenIdentity => ({
    exp,
    username: "alice-2",
    groups,
    scopes: ["chat.read"],
  });
  const now = 1_999_999_500;

  it("refreshes a connection of its own user only, storing the new exp and the new token's identity", async () => {
    await registry.register(makeRecord({ groups: ["admin", "ops"] }));
    expect(await registry.refresh("c1=", "sub-bob", token(2_000_009_999), now)).to.deep.equal({
      status: "not_registered",
    });
    expect(await registry.lookup("c1=")).to.deep.equal(makeRecord({ groups: ["admin", "ops"] }));
    expect(await registry.refresh("c1=", "sub-alice", token(2_000_009_999), now)).to.deep.equal({
      status: "refreshed",
      exp: 2_000_009_999,
    });
    expect(await registry.lookup("c1=")).to.deep.equal(
      makeRecord({ exp: 2_000_009_999, username: "alice-2", groups: ["ops"], scopes: ["chat.read"] }),
    );
    expect(await registry.refresh("nobody", "sub-alice", token(2_000_009_999), now)).to.deep.equal({
      status: "not_registered",
    });
  });

  it("never lowers exp: an older or equal token is answered with the stored exp, and its identity is not stored", async () => {
    await registry.register(makeRecord({ groups: ["admin"] }));
    for (const exp of [1_999_999_999, 2_000_000_000]) {
      expect(await registry.refresh("c1=", "sub-alice", token(exp, []), now)).to.deep.equal({
        status: "not_newer",
        exp: 2_000_000_000,
      });
    }
    expect(await registry.lookup("c1=")).to.deep.equal(makeRecord({ groups: ["admin"] }));
  });

  it("refuses to revive a connection whose exp has passed, even with a later token", async () => {
    await registry.register(makeRecord());
    for (const at of [2_000_000_000, 2_000_000_000.5]) {
      expect(await registry.refresh("c1=", "sub-alice", token(2_000_009_999), at)).to.deep.equal({
        status: "expired",
        exp: 2_000_000_000,
      });
    }
    expect((await registry.lookup("c1="))?.exp).to.equal(2_000_000_000);
    expect(await registry.refresh("c1=", "sub-alice", token(2_000_009_999), 1_999_999_999.5)).to.deep.include({
      status: "refreshed",
    });
  });

  it("turns an item of the old shape (no identity fields) into the new shape at its first refresh", async () => {
    await registry.register(makeRecord());
    expect((await registry.lookup("c1="))?.groups).to.equal(undefined);
    await registry.refresh("c1=", "sub-alice", token(2_000_000_001, []), now);
    expect(await registry.lookup("c1=")).to.deep.include({ groups: [], scopes: ["chat.read"] });
  });

  it("keeps every attribute an old function reads, with its old type, on an item of the new shape", async () => {
    // What the functions before identity-in-the-registry read and write: they must keep working side by side.
    await registry.register(makeRecord({ groups: ["a"], scopes: ["s"] }));
    await registry.refresh("c1=", "sub-alice", token(2_000_000_100), now);
    const { Item } = await db.call<{ Item: Record<string, Record<string, unknown>> }>("GetItem", {
      TableName: tableName,
      Key: { connectionId: { S: "c1=" } },
    });
    const types = Object.fromEntries(Object.entries(Item).map(([name, value]) => [name, Object.keys(value)[0]]));
    expect(types).to.deep.equal({
      connectionId: "S",
      sub: "S",
      username: "S",
      exp: "N",
      expBucket: "N",
      connectedAt: "N",
      endpoint: "S",
      purgeAt: "N",
      groups: "L",
      scopes: "L",
    });
    expect(Number(Item.expBucket?.N)).to.equal(expiryBucket(2_000_000_100));
    // The old refresh's update, unconditional on exp, still applies to the new shape.
    await db.call("UpdateItem", {
      TableName: tableName,
      Key: { connectionId: { S: "c1=" } },
      UpdateExpression: "SET #exp = :exp, expBucket = :bucket",
      ConditionExpression: "attribute_exists(connectionId) AND #sub = :sub",
      ExpressionAttributeNames: { "#exp": "exp", "#sub": "sub" },
      ExpressionAttributeValues: {
        ":exp": { N: "2000000200" },
        ":bucket": { N: String(expiryBucket(2_000_000_200)) },
        ":sub": { S: "sub-alice" },
      },
    });
    expect(await registry.lookup("c1=")).to.deep.include({ exp: 2_000_000_200, groups: ["ops"] });
  });

  it("removes an item for the sweeper only while its exp is the one the sweeper read", async () => {
    await registry.register(makeRecord());
    expect(await registry.removeIfExp("c1=", 1_999_999_999)).to.equal(false);
    expect(await registry.lookup("c1=")).to.not.equal(undefined);
    expect(await registry.removeIfExp("c1=", 2_000_000_000)).to.equal(true);
    expect(await registry.lookup("c1=")).to.equal(undefined);
    // Already gone ($disconnect, or a lost answer to this very delete): nothing left to race with.
    expect(await registry.removeIfExp("c1=", 2_000_000_000)).to.equal(true);
  });

  it("restores a removed item, but never over one written since", async () => {
    await registry.restore(makeRecord({ groups: ["g"] }));
    expect(await registry.lookup("c1=")).to.deep.equal(makeRecord({ groups: ["g"] }));
    await registry.restore(makeRecord({ exp: 1 }));
    expect((await registry.lookup("c1="))?.exp).to.equal(2_000_000_000);
  });

  it("finds a user's connections through by-sub, and one session's through by-origin-jti", async () => {
    await registry.register(makeRecord({ connectionId: "a1", originJti: "oj-1" }));
    await registry.register(makeRecord({ connectionId: "a2", originJti: "oj-2" }));
    await registry.register(makeRecord({ connectionId: "a3" }));
    await registry.register(makeRecord({ connectionId: "b1", sub: "sub-bob", originJti: "oj-3" }));
    const ids = async (page: Promise<{ connectionIds: readonly string[] }>) => [...(await page).connectionIds].sort();
    expect(await ids(registry.connectionPage({ sub: "sub-alice" }, 100))).to.deep.equal(["a1", "a2", "a3"]);
    expect(await ids(registry.connectionPage({ originJti: "oj-1" }, 100))).to.deep.equal(["a1"]);
    expect(await ids(registry.connectionPage({ originJti: "nobody" }, 100))).to.deep.equal([]);
    const first = await registry.connectionPage({ sub: "sub-alice" }, 2);
    expect(first.connectionIds).to.have.length(2);
    expect(first.next).to.not.equal(undefined);
  });

  it("stores a token's origin_jti at register, replaces it on refresh, and removes it for a token without one", async () => {
    await registry.register(makeRecord({ exp: 2_000_000_000, originJti: "oj-1" }));
    expect((await registry.lookup("c1="))?.originJti).to.equal("oj-1");
    const token = { username: "alice", groups: [], scopes: [] };
    await registry.refresh("c1=", "sub-alice", { ...token, exp: 2_000_000_100, originJti: "oj-2" }, 1_999_999_000);
    expect((await registry.lookup("c1="))?.originJti).to.equal("oj-2");
    expect((await registry.connectionPage({ originJti: "oj-1" }, 10)).connectionIds).to.deep.equal([]);
    await registry.refresh("c1=", "sub-alice", { ...token, exp: 2_000_000_200 }, 1_999_999_000);
    expect(await registry.lookup("c1=")).to.not.have.property("originJti");
  });

  it("removes a connection for a revocation only while it is still the target's, answering the item", async () => {
    await registry.register(makeRecord({ originJti: "oj-1" }));
    expect(await registry.removeOwned("c1=", { sub: "sub-bob" })).to.equal(undefined);
    expect(await registry.removeOwned("c1=", { originJti: "oj-2" })).to.equal(undefined);
    expect(await registry.lookup("c1=")).to.not.equal(undefined);
    expect(await registry.removeOwned("c1=", { originJti: "oj-1" })).to.deep.equal(makeRecord({ originJti: "oj-1" }));
    expect(await registry.lookup("c1=")).to.equal(undefined);
    expect(await registry.removeOwned("c1=", { originJti: "oj-1" })).to.equal(undefined);
  });

  it("lists exactly the expired connections with one Query per bucket of the lookback, never a Scan", async () => {
    const now = 2_000_000_000;
    await registry.register(makeRecord({ connectionId: "expired-now", exp: now }));
    await registry.register(makeRecord({ connectionId: "expired-earlier", exp: now - 3 * EXPIRY_BUCKET_SECONDS }));
    await registry.register(makeRecord({ connectionId: "same-bucket-later", exp: now + 1 }));
    await registry.register(makeRecord({ connectionId: "valid", exp: now + 3600 }));
    await registry.register(makeRecord({ connectionId: "refreshed", exp: now - 10 }));
    await registry.refresh(
      "refreshed",
      "sub-alice",
      { exp: now + 60, username: "a", groups: [], scopes: [] },
      now - 20,
    );
    db.operations.length = 0;
    const found = [];
    for await (const candidate of registry.expired(now, 7800)) found.push(candidate);
    expect(found.map((candidate) => candidate.connectionId).sort()).to.deep.equal(["expired-earlier", "expired-now"]);
    expect(found.find((candidate) => candidate.connectionId === "expired-now")?.exp).to.equal(now);
    expect(db.operations.every((operation) => operation === "Query")).to.equal(true);
    expect(db.operations).to.have.length(
      expiryBucket(now) / EXPIRY_BUCKET_SECONDS - expiryBucket(now - 7800) / EXPIRY_BUCKET_SECONDS + 1,
    );
  });

  it("marks a warning once per exp, never on an exp a refresh has raised, and an old item without the marker too", async () => {
    const at = 1_999_999_000;
    await registry.register(makeRecord());
    expect(await registry.markWarned("c1=", 1_999_999_999), "not the stored exp").to.equal(undefined);
    expect(await registry.markWarned("c1=", 2_000_000_000)).to.deep.equal({
      ...makeRecord(),
      warnedExp: 2_000_000_000,
    });
    expect(await registry.markWarned("c1=", 2_000_000_000), "already warned for this exp").to.equal(undefined);
    expect((await registry.lookup("c1="))?.warnedExp).to.equal(2_000_000_000);
    // A refresh raises exp: the marker names the old one, so the new exp can be warned.
    await registry.refresh("c1=", "sub-alice", token(2_000_003_600), at);
    expect(await registry.markWarned("c1=", 2_000_000_000), "the index's stale exp").to.equal(undefined);
    expect((await registry.markWarned("c1=", 2_000_003_600))?.warnedExp).to.equal(2_000_003_600);
    expect(await registry.markWarned("gone=", 2_000_000_000), "no item is created").to.equal(undefined);
    expect(await registry.lookup("gone=")).to.equal(undefined);
  });

  it("takes a marker back only while it names that exp", async () => {
    await registry.register(makeRecord());
    await registry.markWarned("c1=", 2_000_000_000);
    await registry.unmarkWarned("c1=", 1_999_999_999);
    expect((await registry.lookup("c1="))?.warnedExp).to.equal(2_000_000_000);
    await registry.unmarkWarned("c1=", 2_000_000_000);
    expect(await registry.lookup("c1=")).to.deep.equal(makeRecord());
    await registry.unmarkWarned("nothing=", 1);
    expect(await registry.lookup("nothing=")).to.equal(undefined);
  });

  it("keeps the marker through the sweeper's restore, and lists warning candidates up to now plus the window", async () => {
    const now = 2_000_000_000;
    await registry.register(makeRecord({ connectionId: "due", exp: now + 120 }));
    await registry.register(makeRecord({ connectionId: "later", exp: now + 121 }));
    await registry.register(makeRecord({ connectionId: "expired", exp: now - 1 }));
    const found = [];
    for await (const candidate of registry.expiring(now, 7800, 120)) found.push(candidate.connectionId);
    expect(found.sort()).to.deep.equal(["due", "expired"]);
    await registry.restore(makeRecord({ connectionId: "back", warnedExp: 5 }));
    expect((await registry.lookup("back"))?.warnedExp).to.equal(5);
  });

  it("counts the live connections with COUNT Queries on the expiry index: exp after now, up to a day ahead", async () => {
    const now = 2_000_000_000;
    const exps = [now - 1, now, now + 1, now + 599, now + 3600, now + 86_000, now + 90_000];
    await Promise.all(exps.map((exp, i) => registry.register(makeRecord({ connectionId: `c${i}`, exp }))));
    db.operations.length = 0;
    const live = await registry.countLive(now);
    expect(live.count).to.equal(4);
    expect(db.operations.every((operation) => operation === "Query")).to.equal(true);
    expect(live.queries).to.equal(db.operations.length);
    expect(live.queries).to.equal(86_400 / EXPIRY_BUCKET_SECONDS + 1);
  });

  it("returns the removed item with who closed it, and nothing for an item already gone", async () => {
    await registry.register(makeRecord());
    await registry.markClosedBy("c1=", "refresh_refused");
    const removed = await registry.remove("c1=");
    expect(removed).to.deep.equal({ ...makeRecord(), closedBy: "refresh_refused" });
    expect(await registry.remove("c1=")).to.equal(undefined);
    await registry.markClosedBy("c1=", "refresh_refused");
    expect(await registry.lookup("c1="), "no item is created").to.equal(undefined);
    await registry.restore(removed ?? makeRecord());
    expect((await registry.lookup("c1="))?.closedBy, "a put-back keeps who closed it").to.equal("refresh_refused");
  });

  it("names DynamoDB's error type when a call fails", async () => {
    const missing = new ConnectionRegistry({ tableName: "no-such-table", endpoint: "unused", region: "eu-west-1" }, db);
    const err = await missing.lookup("x").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(DynamoDbError);
    expect((err as DynamoDbError).errorType).to.equal("ResourceNotFoundException");
  });
});
