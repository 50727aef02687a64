import { createDynamoDb, type DynamoDb, DynamoDbError, type Item } from "./dynamodb.ts";
import type { RegistryConfig } from "./registry-config.ts";

/**
 * The connection registry: one item per open WebSocket connection, keyed by `connectionId`.
 *
 * - `by-sub` (GSI: sub, connectionId; keys only) finds a user's connections.
 * - `by-expiry` (GSI: expBucket, exp; keys only) lets the sweeper read only what has expired: `expBucket` is `exp`
 *   rounded down to EXPIRY_BUCKET_SECONDS, so one sweep is one Query per bucket of the lookback window with
 *   `exp <= now`, never a Scan.
 * - `purgeAt` is the TTL attribute: no connection outlives API Gateway's 2 h cap, so an item still there an hour
 *   after that lost its $disconnect; DynamoDB removes it.
 */
export const SUB_INDEX = "by-sub";
export const EXPIRY_INDEX = "by-expiry";
export const TTL_ATTRIBUTE = "purgeAt";
export const EXPIRY_BUCKET_SECONDS = 600;
/** API Gateway closes every WebSocket connection after 2 hours. */
export const MAX_CONNECTION_SECONDS = 7200;
const PURGE_GRACE_SECONDS = 3600;

export interface ConnectionRecord {
  readonly connectionId: string;
  readonly sub: string;
  readonly username: string;
  /** Token expiry, seconds since the epoch. */
  readonly exp: number;
  /** Milliseconds since the epoch, as API Gateway gives it. */
  readonly connectedAt: number;
  /** The Management API of the API the connection belongs to, for the sweeper (which has no event to read it from). */
  readonly endpoint: string;
}

export interface ExpiryCandidate {
  readonly connectionId: string;
  readonly exp: number;
}

export function expiryBucket(exp: number): number {
  return Math.floor(exp / EXPIRY_BUCKET_SECONDS) * EXPIRY_BUCKET_SECONDS;
}

function toItem(record: ConnectionRecord): Item {
  return {
    connectionId: { S: record.connectionId },
    sub: { S: record.sub },
    username: { S: record.username },
    exp: { N: String(record.exp) },
    expBucket: { N: String(expiryBucket(record.exp)) },
    connectedAt: { N: String(record.connectedAt) },
    endpoint: { S: record.endpoint },
    [TTL_ATTRIBUTE]: {
      N: String(Math.floor(record.connectedAt / 1000) + MAX_CONNECTION_SECONDS + PURGE_GRACE_SECONDS),
    },
  };
}

function text(item: Item, name: string): string {
  const value = item[name];
  return value !== undefined && "S" in value ? value.S : "";
}

function number(item: Item, name: string): number {
  const value = item[name];
  return value !== undefined && "N" in value ? Number(value.N) : Number.NaN;
}

function fromItem(item: Item): ConnectionRecord {
  return {
    connectionId: text(item, "connectionId"),
    sub: text(item, "sub"),
    username: text(item, "username"),
    exp: number(item, "exp"),
    connectedAt: number(item, "connectedAt"),
    endpoint: text(item, "endpoint"),
  };
}

export class ConnectionRegistry {
  private readonly db: DynamoDb;
  private readonly table: string;

  constructor(config: RegistryConfig, db: DynamoDb = createDynamoDb(config.endpoint, config.region)) {
    this.db = db;
    this.table = config.tableName;
  }

  async register(record: ConnectionRecord): Promise<void> {
    await this.db.call("PutItem", { TableName: this.table, Item: toItem(record) });
  }

  /** Strongly consistent: a refresh a moment ago is seen. */
  async lookup(connectionId: string): Promise<ConnectionRecord | undefined> {
    const { Item: item } = await this.db.call<{ Item?: Item }>("GetItem", {
      TableName: this.table,
      Key: { connectionId: { S: connectionId } },
      ConsistentRead: true,
    });
    return item === undefined ? undefined : fromItem(item);
  }

  async remove(connectionId: string): Promise<void> {
    await this.db.call("DeleteItem", { TableName: this.table, Key: { connectionId: { S: connectionId } } });
  }

  /** Set a new expiry on a connection of `sub`; false when there is no such connection of that user. */
  async extend(connectionId: string, sub: string, exp: number): Promise<boolean> {
    try {
      await this.db.call("UpdateItem", {
        TableName: this.table,
        Key: { connectionId: { S: connectionId } },
        UpdateExpression: "SET #exp = :exp, expBucket = :bucket",
        ConditionExpression: "attribute_exists(connectionId) AND #sub = :sub",
        ExpressionAttributeNames: { "#exp": "exp", "#sub": "sub" },
        ExpressionAttributeValues: {
          ":exp": { N: String(exp) },
          ":bucket": { N: String(expiryBucket(exp)) },
          ":sub": { S: sub },
        },
      });
      return true;
    } catch (err) {
      if (err instanceof DynamoDbError && err.errorType === "ConditionalCheckFailedException") return false;
      throw err;
    }
  }

  /**
   * Connections whose `exp` is at or before `nowSeconds`, from the buckets of the last `lookbackSeconds`: one Query
   * per bucket (plus pages), reading only expired keys. Eventually consistent (a GSI): re-check with lookup().
   */
  async *expired(nowSeconds: number, lookbackSeconds: number): AsyncGenerator<ExpiryCandidate> {
    for (
      let bucket = expiryBucket(nowSeconds - lookbackSeconds);
      bucket <= nowSeconds;
      bucket += EXPIRY_BUCKET_SECONDS
    ) {
      let startKey: Item | undefined;
      do {
        const page: { Items?: Item[]; LastEvaluatedKey?: Item } = await this.db.call("Query", {
          TableName: this.table,
          IndexName: EXPIRY_INDEX,
          KeyConditionExpression: "expBucket = :bucket AND #exp <= :now",
          ExpressionAttributeNames: { "#exp": "exp" },
          ExpressionAttributeValues: {
            ":bucket": { N: String(bucket) },
            ":now": { N: String(Math.floor(nowSeconds)) },
          },
          ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
        });
        for (const item of page.Items ?? [])
          yield { connectionId: text(item, "connectionId"), exp: number(item, "exp") };
        startKey = page.LastEvaluatedKey;
      } while (startKey !== undefined);
    }
  }

  /** The ids of a user's open connections (eventually consistent: a GSI). */
  async connectionsOf(sub: string): Promise<string[]> {
    const ids: string[] = [];
    let startKey: Item | undefined;
    do {
      const page: { Items?: Item[]; LastEvaluatedKey?: Item } = await this.db.call("Query", {
        TableName: this.table,
        IndexName: SUB_INDEX,
        KeyConditionExpression: "#sub = :sub",
        ExpressionAttributeNames: { "#sub": "sub" },
        ExpressionAttributeValues: { ":sub": { S: sub } },
        ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
      });
      for (const item of page.Items ?? []) ids.push(text(item, "connectionId"));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return ids;
  }
}
