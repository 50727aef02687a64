import { expect } from "chai";
import { type DynamoDb, DynamoDbError, type Item } from "../../../functions/shared/dynamodb.ts";
import {
  type ConnectionRecord,
  ConnectionRegistry,
  EXPIRY_BUCKET_SECONDS,
  EXPIRY_INDEX,
  expiryBucket,
  MAX_TOKEN_SECONDS,
  refusedRefresh,
  ORIGIN_JTI_INDEX,
  SUB_INDEX,
} from "../../../functions/shared/registry.ts";

// The requests the registry sends and how it reads the answers, with DynamoDB scripted. What those requests do
// (conditions, indexes, ReturnValuesOnConditionCheckFailure) is tested against moto in registry.int.test.ts.
type Answer = Record<string, unknown> | DynamoDbError;

function scripted(...answers: Answer[]): DynamoDb & { sent: Array<[string, Record<string, unknown>]> } {
  const sent: Array<[string, Record<string, unknown>]> = [];
  return {
    sent,
    async call<T>(operation: string, body: Record<string, unknown>): Promise<T> {
      sent.push([operation, body]);
      const next = answers.shift() ?? {};
      if (next instanceof DynamoDbError) throw next;
      return next as T;
    },
  };
}

const config = { tableName: "conns", endpoint: "http://127.0.0.1:1", region: "eu-west-1" };
const conditionFailed = (item?: Item) =>
  new DynamoDbError("UpdateItem", 400, "ConditionalCheckFailedException", item === undefined ? {} : { item });
const record: ConnectionRecord = {
  connectionId: "c1",
  sub: "sub-a",
  username: "a",
  exp: 2_000_000_000,
  connectedAt: 1_999_999_000_000,
  endpoint: "http://127.0.0.1:2/dev",
};
const itemOf = (sub: string, exp: number): Item => ({
  connectionId: { S: "c1" },
  sub: { S: sub },
  exp: { N: String(exp) },
});
const token = { exp: 2_000_000_600, username: "a2", groups: ["g"], scopes: ["s"] };

describe("connection registry requests", () => {
  it("writes the whole item, with the expiry bucket, the TTL and identity lists where given", async () => {
    const db = scripted();
    await new ConnectionRegistry(config, db).register({ ...record, groups: ["x", "y"], scopes: [] });
    expect(db.sent).to.deep.equal([
      [
        "PutItem",
        {
          TableName: "conns",
          Item: {
            connectionId: { S: "c1" },
            sub: { S: "sub-a" },
            username: { S: "a" },
            exp: { N: "2000000000" },
            expBucket: { N: String(expiryBucket(2_000_000_000)) },
            connectedAt: { N: "1999999000000" },
            endpoint: { S: "http://127.0.0.1:2/dev" },
            purgeAt: { N: String(1_999_999_000 + 7200 + 3600) },
            groups: { L: [{ S: "x" }, { S: "y" }] },
            scopes: { L: [] },
          },
        },
      ],
    ]);
  });

  it("reads with a strongly consistent GetItem, and reads old-shape and odd items without inventing identity", async () => {
    const db = scripted(
      {
        Item: {
          connectionId: { S: "c1" },
          sub: { S: "s" },
          exp: { S: "oops" },
          groups: { L: [{ S: "a" }, { N: "1" }] },
        },
      },
      {},
    );
    const registry = new ConnectionRegistry(config, db);
    const read = await registry.lookup("c1");
    expect(read).to.deep.include({ connectionId: "c1", sub: "s", username: "", endpoint: "", groups: ["a"] });
    expect(read?.exp).to.be.NaN;
    expect(read).to.not.have.property("scopes");
    expect(await registry.lookup("c2")).to.equal(undefined);
    expect(db.sent[0]).to.deep.equal([
      "GetItem",
      { TableName: "conns", Key: { connectionId: { S: "c1" } }, ConsistentRead: true },
    ]);
  });

  it("stores a refresh's origin_jti in the same UpdateItem", async () => {
    const db = scripted();
    await new ConnectionRegistry(config, db).refresh("c1", "sub-a", { ...token, originJti: "oj-9" }, 1_999_999_999);
    const body = db.sent[0]?.[1] as { UpdateExpression: string; ExpressionAttributeValues: Record<string, unknown> };
    expect(body.UpdateExpression).to.match(/, originJti = :originJti$/);
    expect(body.ExpressionAttributeValues[":originJti"]).to.deep.equal({ S: "oj-9" });
  });

  it("removes by key, and reads back the item as it was, with who was closing it", async () => {
    const db = scripted({}, { Attributes: { ...itemOf("sub-a", 5), closedBy: { S: "refresh_refused" } } });
    const registry = new ConnectionRegistry(config, db);
    expect(await registry.remove("c1"), "already gone").to.equal(undefined);
    expect(await registry.remove("c1")).to.deep.include({ connectionId: "c1", exp: 5, closedBy: "refresh_refused" });
    expect(db.sent[0]).to.deep.equal([
      "DeleteItem",
      { TableName: "conns", Key: { connectionId: { S: "c1" } }, ReturnValues: "ALL_OLD" },
    ]);
    expect(registry.tableName).to.equal("conns");
  });

  it("says who closes a connection only on an item that exists, and takes a missing one as done", async () => {
    const db = scripted(conditionFailed());
    await new ConnectionRegistry(config, db).markClosedBy("c1", "refresh_refused");
    expect(db.sent).to.deep.equal([
      [
        "UpdateItem",
        {
          TableName: "conns",
          Key: { connectionId: { S: "c1" } },
          UpdateExpression: "SET #closedBy = :reason",
          ConditionExpression: "attribute_exists(connectionId)",
          ExpressionAttributeNames: { "#closedBy": "closedBy" },
          ExpressionAttributeValues: { ":reason": { S: "refresh_refused" } },
        },
      ],
    ]);
  });

  it("refreshes in one UpdateItem conditional on the user, an unexpired exp and a higher new exp", async () => {
    const db = scripted();
    expect(await new ConnectionRegistry(config, db).refresh("c1", "sub-a", token, 1_999_999_999.5)).to.deep.equal({
      status: "refreshed",
      exp: 2_000_000_600,
    });
    expect(db.sent).to.deep.equal([
      [
        "UpdateItem",
        {
          TableName: "conns",
          Key: { connectionId: { S: "c1" } },
          UpdateExpression:
            "SET #exp = :exp, expBucket = :bucket, username = :username, #groups = :groups, scopes = :scopes REMOVE originJti",
          ConditionExpression: "#sub = :sub AND #exp > :now AND #exp < :exp",
          ExpressionAttributeNames: { "#exp": "exp", "#sub": "sub", "#groups": "groups" },
          ExpressionAttributeValues: {
            ":exp": { N: "2000000600" },
            ":bucket": { N: String(expiryBucket(2_000_000_600)) },
            ":username": { S: "a2" },
            ":groups": { L: [{ S: "g" }] },
            ":scopes": { L: [{ S: "s" }] },
            ":sub": { S: "sub-a" },
            ":now": { N: "1999999999.5" },
          },
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        },
      ],
    ]);
  });

  it("tells why a refresh's condition failed from the item it was checked against", async () => {
    const now = 2_000_000_000;
    const cases: Array<[Item | undefined, unknown]> = [
      [undefined, { status: "not_registered" }],
      [itemOf("sub-b", now + 60), { status: "not_registered" }],
      [itemOf("sub-a", now), { status: "expired", exp: now }],
      [itemOf("sub-a", now - 1), { status: "expired", exp: now - 1 }],
      [itemOf("sub-a", now + 900), { status: "not_newer", exp: now + 900 }],
    ];
    for (const [item, outcome] of cases) {
      const db = scripted(conditionFailed(item));
      expect(
        await new ConnectionRegistry(config, db).refresh("c1", "sub-a", token, now),
        JSON.stringify(item),
      ).to.deep.equal(outcome);
      expect(refusedRefresh(item, "sub-a", now)).to.deep.equal(outcome);
    }
  });

  it("passes on any failure other than a failed condition", async () => {
    const throttled = new DynamoDbError("UpdateItem", 400, "ThrottlingException");
    for (const call of [
      (r: ConnectionRegistry) => r.refresh("c1", "sub-a", token, 0),
      (r: ConnectionRegistry) => r.removeIfExp("c1", 1),
      (r: ConnectionRegistry) => r.restore(record),
    ]) {
      const err = await call(new ConnectionRegistry(config, scripted(throttled))).catch((e: unknown) => e);
      expect(err).to.equal(throttled);
    }
  });

  it("claims an item for the sweeper with a DeleteItem conditional on the exp it read", async () => {
    const db = scripted({}, conditionFailed(itemOf("sub-a", 7)), conditionFailed());
    const registry = new ConnectionRegistry(config, db);
    expect(await registry.removeIfExp("c1", 5)).to.equal(true);
    expect(await registry.removeIfExp("c1", 5)).to.equal(false);
    expect(await registry.removeIfExp("c1", 5)).to.equal(true);
    expect(db.sent[0]).to.deep.equal([
      "DeleteItem",
      {
        TableName: "conns",
        Key: { connectionId: { S: "c1" } },
        ConditionExpression: "#exp = :exp",
        ExpressionAttributeNames: { "#exp": "exp" },
        ExpressionAttributeValues: { ":exp": { N: "5" } },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      },
    ]);
  });

  it("restores an item only where none exists, and takes a failed condition as done", async () => {
    const db = scripted({}, conditionFailed());
    const registry = new ConnectionRegistry(config, db);
    await registry.restore(record);
    await registry.restore(record);
    expect(db.sent[0]?.[1]).to.deep.include({ ConditionExpression: "attribute_not_exists(connectionId)" });
    expect(db.sent[0]?.[1].Item).to.not.have.property("groups");
  });

  it("queries each expiry bucket of the lookback for exp at or before now, following pages", async () => {
    const now = 2_000_000_000;
    const lookback = 2 * EXPIRY_BUCKET_SECONDS;
    const buckets = (expiryBucket(now) - expiryBucket(now - lookback)) / EXPIRY_BUCKET_SECONDS + 1;
    const key = { connectionId: { S: "p" } };
    const db = scripted(
      { Items: [{ connectionId: { S: "a" }, exp: { N: "10" } }], LastEvaluatedKey: key },
      { Items: [{ connectionId: { S: "b" }, exp: { N: "11" } }] },
    );
    const found = [];
    for await (const candidate of new ConnectionRegistry(config, db).expired(now + 0.7, lookback))
      found.push(candidate);
    expect(found).to.deep.equal([
      { connectionId: "a", exp: 10 },
      { connectionId: "b", exp: 11 },
    ]);
    expect(db.sent).to.have.length(buckets + 1);
    expect(db.sent[0]).to.deep.equal([
      "Query",
      {
        TableName: "conns",
        IndexName: EXPIRY_INDEX,
        KeyConditionExpression: "expBucket = :bucket AND #exp <= :until",
        ExpressionAttributeNames: { "#exp": "exp" },
        ExpressionAttributeValues: {
          ":bucket": { N: String(expiryBucket(now - lookback)) },
          ":until": { N: String(now) },
        },
      },
    ]);
    expect(db.sent[1]?.[1]).to.deep.include({ ExclusiveStartKey: key });
    expect(db.sent.at(-1)?.[1].ExpressionAttributeValues).to.deep.include({
      ":bucket": { N: String(expiryBucket(now)) },
    });
  });

  it("queries the current bucket too when now is exactly its start", async () => {
    const now = expiryBucket(2_000_000_000);
    const db = scripted();
    for await (const _ of new ConnectionRegistry(config, db).expired(now, EXPIRY_BUCKET_SECONDS)) expect.fail("none");
    expect(
      db.sent.map(([, body]) => (body.ExpressionAttributeValues as Record<string, { N: string }>)[":bucket"]?.N),
    ).to.deep.equal([String(now - EXPIRY_BUCKET_SECONDS), String(now)]);
  });

  it("queries up to now plus the warning window, in the same Query per bucket as the expired ones", async () => {
    const now = expiryBucket(2_000_000_000) + 590;
    const db = scripted();
    for await (const _ of new ConnectionRegistry(config, db).expiring(now + 0.4, 0, 120)) expect.fail("none");
    expect(db.sent.map(([, body]) => body.ExpressionAttributeValues)).to.deep.equal([
      { ":bucket": { N: String(expiryBucket(now)) }, ":until": { N: String(now + 120) } },
      { ":bucket": { N: String(expiryBucket(now) + EXPIRY_BUCKET_SECONDS) }, ":until": { N: String(now + 120) } },
    ]);
  });

  it("marks a warning only on the exp it was read at, once, and reads the item back as written", async () => {
    const db = scripted({
      Attributes: { ...itemOf("sub-a", 2_000_000_000), endpoint: { S: "http://e" }, warnedExp: { N: "2000000000" } },
    });
    const written = await new ConnectionRegistry(config, db).markWarned("c1", 2_000_000_000);
    expect(written).to.deep.include({ connectionId: "c1", exp: 2_000_000_000, endpoint: "http://e" });
    expect(written?.warnedExp).to.equal(2_000_000_000);
    expect(db.sent).to.deep.equal([
      [
        "UpdateItem",
        {
          TableName: "conns",
          Key: { connectionId: { S: "c1" } },
          UpdateExpression: "SET #warned = :exp",
          ConditionExpression: "#exp = :exp AND (attribute_not_exists(#warned) OR #warned <> :exp)",
          ExpressionAttributeNames: { "#exp": "exp", "#warned": "warnedExp" },
          ExpressionAttributeValues: { ":exp": { N: "2000000000" } },
          ReturnValues: "ALL_NEW",
        },
      ],
    ]);
  });

  it("answers undefined for a warning already marked, and passes any other failure on", async () => {
    expect(await new ConnectionRegistry(config, scripted(conditionFailed())).markWarned("c1", 5)).to.equal(undefined);
    const throttled = new DynamoDbError("UpdateItem", 400, "ThrottlingException");
    let caught: unknown;
    await new ConnectionRegistry(config, scripted(throttled)).markWarned("c1", 5).catch((err: unknown) => {
      caught = err;
    });
    expect(caught).to.equal(throttled);
  });

  it("removes the marker only while it still names that exp", async () => {
    const db = scripted(conditionFailed());
    await new ConnectionRegistry(config, db).unmarkWarned("c1", 7);
    expect(db.sent[0]?.[1]).to.deep.include({
      UpdateExpression: "REMOVE #warned",
      ConditionExpression: "#warned = :exp",
      ExpressionAttributeValues: { ":exp": { N: "7" } },
    });
  });

  it("counts live connections with a COUNT Query per bucket up to the horizon, following pages", async () => {
    const now = expiryBucket(2_000_000_000) + 10;
    const key = { connectionId: { S: "p" } };
    const db = scripted({ Count: 3, LastEvaluatedKey: key }, { Count: 4 }, { Count: 5 });
    const live = await new ConnectionRegistry(config, db).countLive(now + 0.9);
    const buckets = MAX_TOKEN_SECONDS / EXPIRY_BUCKET_SECONDS + 1;
    expect(live).to.deep.equal({ count: 12, queries: buckets + 1 });
    expect(db.sent[0]).to.deep.equal([
      "Query",
      {
        TableName: "conns",
        IndexName: EXPIRY_INDEX,
        KeyConditionExpression: "expBucket = :bucket AND #exp > :now",
        ExpressionAttributeNames: { "#exp": "exp" },
        ExpressionAttributeValues: { ":bucket": { N: String(expiryBucket(now)) }, ":now": { N: String(now) } },
        Select: "COUNT",
      },
    ]);
    expect(db.sent[1]?.[1]).to.deep.include({ ExclusiveStartKey: key });
    expect(db.sent.at(-1)?.[1].ExpressionAttributeValues).to.deep.include({
      ":bucket": { N: String(expiryBucket(now + MAX_TOKEN_SECONDS)) },
    });
  });

  it("counts the bucket that starts exactly at the horizon: a token expiring then is live", async () => {
    const now = expiryBucket(2_000_000_000);
    const db = scripted({ Count: 1 }, { Count: 2 });
    expect(await new ConnectionRegistry(config, db).countLive(now, EXPIRY_BUCKET_SECONDS)).to.deep.equal({
      count: 3,
      queries: 2,
    });
    expect(db.sent.map(([, body]) => body.ExpressionAttributeValues)).to.deep.equal([
      { ":bucket": { N: String(now) }, ":now": { N: String(now) } },
      { ":bucket": { N: String(now + EXPIRY_BUCKET_SECONDS) }, ":now": { N: String(now) } },
    ]);
  });

  it("reads a page that names no items as no connections", async () => {
    const db = scripted({});
    expect(await new ConnectionRegistry(config, db).connectionPage({ sub: "sub-a" }, 5)).to.deep.equal({
      connectionIds: [],
    });
  });

  it("reads one page of a user's connections through by-sub, at most the limit, with where the next starts", async () => {
    const key = { connectionId: { S: "p" } };
    const db = scripted({ Items: [{ connectionId: { S: "a" } }], LastEvaluatedKey: key }, { Items: [] });
    const registry = new ConnectionRegistry(config, db);
    expect(await registry.connectionPage({ sub: "sub-a" }, 7)).to.deep.equal({ connectionIds: ["a"], next: key });
    expect(db.sent[0]).to.deep.equal([
      "Query",
      {
        TableName: "conns",
        IndexName: SUB_INDEX,
        KeyConditionExpression: "#key = :value",
        ExpressionAttributeNames: { "#key": "sub" },
        ExpressionAttributeValues: { ":value": { S: "sub-a" } },
        Limit: 7,
      },
    ]);
    expect(await registry.connectionPage({ sub: "sub-a" }, 7, key)).to.deep.equal({ connectionIds: [] });
    expect(db.sent[1]?.[1]).to.deep.include({ ExclusiveStartKey: key });
  });

  it("reads one sign-in session's connections through by-origin-jti", async () => {
    const db = scripted({ Items: [{ connectionId: { S: "s" } }] });
    expect(await new ConnectionRegistry(config, db).connectionPage({ originJti: "oj-1" }, 5)).to.deep.equal({
      connectionIds: ["s"],
    });
    expect(db.sent[0]?.[1]).to.deep.include({
      IndexName: ORIGIN_JTI_INDEX,
      ExpressionAttributeNames: { "#key": "originJti" },
      ExpressionAttributeValues: { ":value": { S: "oj-1" } },
    });
  });
});
