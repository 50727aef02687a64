import { type AttributeValue, createDynamoDb, type DynamoDb, DynamoDbError, type Item } from "./dynamodb.ts";
import type { RegistryConfig } from "./registry-config.ts";

/**
 * The connection registry: one item per open WebSocket connection, keyed by `connectionId`.
 *
 * - `by-sub` (GSI: sub, connectionId; keys only) finds a user's connections.
 * - `by-origin-jti` (GSI: originJti, connectionId; keys only, sparse: only items with an `originJti`) finds one
 *   sign-in session's connections, for the revoke function.
 * - `by-expiry` (GSI: expBucket, exp; keys only) lets the sweeper read only what has expired: `expBucket` is `exp`
 *   rounded down to EXPIRY_BUCKET_SECONDS, so one sweep is one Query per bucket of the lookback window with
 *   `exp <= now`, never a Scan.
 * - `purgeAt` is the TTL attribute: no connection outlives API Gateway's 2 h cap, so an item still there an hour
 *   after that lost its $disconnect; DynamoDB removes it.
 */
export const SUB_INDEX = "by-sub";
export const EXPIRY_INDEX = "by-expiry";
export const ORIGIN_JTI_INDEX = "by-origin-jti";
export const TTL_ATTRIBUTE = "purgeAt";
export const EXPIRY_BUCKET_SECONDS = 600;
/** API Gateway closes every WebSocket connection after 2 hours. */
export const MAX_CONNECTION_SECONDS = 7200;
const PURGE_GRACE_SECONDS = 3600;

/**
 * One registry item. `groups` and `scopes` are the identity of the connection's latest token: $connect writes
 * `groups` (and `scopes` when the authoriser's context carries them), each refresh rewrites `username`, `groups`
 * and `scopes` with its new token's. Items written before these fields existed (and by an old $connect while old
 * and new functions run side by side) lack them: the handlers then read the authoriser's context instead.
 */
export interface ConnectionRecord {
  readonly connectionId: string;
  readonly sub: string;
  readonly username: string;
  /** Token expiry, seconds since the epoch: only ever raised (by a refresh), never lowered. */
  readonly exp: number;
  /** Milliseconds since the epoch, as API Gateway gives it. */
  readonly connectedAt: number;
  /** The Management API of the API the connection belongs to, for the sweeper (which has no event to read it from). */
  readonly endpoint: string;
  /** The latest token's groups; absent on an item of the old shape. */
  readonly groups?: readonly string[];
  /** The latest token's scopes; absent on an item of the old shape, and before the first refresh when $connect had none. */
  readonly scopes?: readonly string[];
  /** Cognito's `origin_jti` of the latest token (one per sign-in session); absent when the token had none. */
  readonly originJti?: string;
}

/** What a refresh writes: the new token's expiry and identity. */
export interface TokenIdentity {
  readonly exp: number;
  readonly username: string;
  readonly groups: readonly string[];
  readonly scopes: readonly string[];
  /** The new token's `origin_jti`; none removes the stored one (the connection then matches no session). */
  readonly originJti?: string;
}

/**
 * - `refreshed`: the new `exp` (and identity) stored;
 * - `not_newer`: the stored `exp` is at or above the new one, and stays (with the identity it came with);
 * - `expired`: the stored `exp` had passed: a refresh cannot revive a connection;
 * - `not_registered`: no item for this connection and user.
 */
export type RefreshOutcome =
  | { readonly status: "refreshed" | "not_newer" | "expired"; readonly exp: number }
  | { readonly status: "not_registered" };

/** Whose connections a revocation closes: all of a user's, or one sign-in session's (Cognito's `origin_jti`). */
export type RevocationTarget = { readonly sub: string } | { readonly originJti: string };

export interface ConnectionPage {
  readonly connectionIds: readonly string[];
  /** Where the next page starts; absent on the last page. */
  readonly next?: Item;
}

export interface ExpiryCandidate {
  readonly connectionId: string;
  readonly exp: number;
}

export function expiryBucket(exp: number): number {
  return Math.floor(exp / EXPIRY_BUCKET_SECONDS) * EXPIRY_BUCKET_SECONDS;
}

function list(values: readonly string[]): AttributeValue {
  return { L: values.map((value) => ({ S: value })) };
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
    ...(record.groups === undefined ? {} : { groups: list(record.groups) }),
    ...(record.scopes === undefined ? {} : { scopes: list(record.scopes) }),
    ...(record.originJti === undefined ? {} : { originJti: { S: record.originJti } }),
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

/** A list of strings, or undefined when the item has no such list (the old shape). */
function strings(item: Item, name: string): readonly string[] | undefined {
  const value = item[name];
  if (value === undefined || !("L" in value)) return undefined;
  return Object.freeze(value.L.flatMap((entry) => ("S" in entry ? [entry.S] : [])));
}

function fromItem(item: Item): ConnectionRecord {
  const groups = strings(item, "groups");
  const scopes = strings(item, "scopes");
  const originJti = text(item, "originJti");
  return {
    connectionId: text(item, "connectionId"),
    sub: text(item, "sub"),
    username: text(item, "username"),
    exp: number(item, "exp"),
    connectedAt: number(item, "connectedAt"),
    endpoint: text(item, "endpoint"),
    ...(groups === undefined ? {} : { groups }),
    ...(scopes === undefined ? {} : { scopes }),
    ...(originJti === "" ? {} : { originJti }),
  };
}

/** Why a refresh's condition failed, read from the item it was checked against (none: no such connection). */
export function refusedRefresh(item: Item | undefined, sub: string, nowSeconds: number): RefreshOutcome {
  if (item === undefined || text(item, "sub") !== sub) return { status: "not_registered" };
  const stored = number(item, "exp");
  return { status: stored > nowSeconds ? "not_newer" : "expired", exp: stored };
}

function isConditionFailure(err: unknown): err is DynamoDbError {
  return err instanceof DynamoDbError && err.errorType === "ConditionalCheckFailedException";
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

  /**
   * Store a new token's expiry and identity on a connection of `sub`, in one conditional write: only when the item
   * is that user's, its `exp` has not passed, and the new `exp` is above it. Concurrent refreshes therefore leave
   * the highest `exp`, whatever order they land in; a failed condition returns the item it was checked against
   * (ReturnValuesOnConditionCheckFailure), which says why, with no second read.
   */
  async refresh(connectionId: string, sub: string, token: TokenIdentity, nowSeconds: number): Promise<RefreshOutcome> {
    const setOrigin = token.originJti === undefined ? " REMOVE originJti" : ", originJti = :originJti";
    try {
      await this.db.call("UpdateItem", {
        TableName: this.table,
        Key: { connectionId: { S: connectionId } },
        UpdateExpression: `SET #exp = :exp, expBucket = :bucket, username = :username, #groups = :groups, scopes = :scopes${setOrigin}`,
        ConditionExpression: "#sub = :sub AND #exp > :now AND #exp < :exp",
        ExpressionAttributeNames: { "#exp": "exp", "#sub": "sub", "#groups": "groups" },
        ExpressionAttributeValues: {
          ":exp": { N: String(token.exp) },
          ":bucket": { N: String(expiryBucket(token.exp)) },
          ":username": { S: token.username },
          ":groups": list(token.groups),
          ":scopes": list(token.scopes),
          ":sub": { S: sub },
          ":now": { N: String(nowSeconds) },
          ...(token.originJti === undefined ? {} : { ":originJti": { S: token.originJti } }),
        },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      });
      return { status: "refreshed", exp: token.exp };
    } catch (err) {
      if (isConditionFailure(err)) return refusedRefresh(err.item, sub, nowSeconds);
      throw err;
    }
  }

  /**
   * The sweeper's claim on an expired connection: remove its item only if `exp` is still the one the sweeper read.
   * False when a refresh moved it since (the refresh wins, the connection stays); true when removed, or already
   * gone ($disconnect, or this call's own earlier attempt whose answer was lost).
   */
  async removeIfExp(connectionId: string, exp: number): Promise<boolean> {
    try {
      await this.db.call("DeleteItem", {
        TableName: this.table,
        Key: { connectionId: { S: connectionId } },
        ConditionExpression: "#exp = :exp",
        ExpressionAttributeNames: { "#exp": "exp" },
        ExpressionAttributeValues: { ":exp": { N: String(exp) } },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      });
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return err.item === undefined;
      throw err;
    }
  }

  /** Put back an item the sweeper removed but could not close, unless one exists again: the next sweep retries. */
  async restore(record: ConnectionRecord): Promise<void> {
    try {
      await this.db.call("PutItem", {
        TableName: this.table,
        Item: toItem(record),
        ConditionExpression: "attribute_not_exists(connectionId)",
      });
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
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

  /**
   * One page (at most `limit` keys) of the connections a revocation names: a user's (`by-sub`) or one sign-in
   * session's (`by-origin-jti`). Eventually consistent (a GSI): act through removeOwned(), which checks the item.
   */
  async connectionPage(target: RevocationTarget, limit: number, startKey?: Item): Promise<ConnectionPage> {
    const [index, attribute, value] =
      "sub" in target ? [SUB_INDEX, "sub", target.sub] : [ORIGIN_JTI_INDEX, "originJti", target.originJti];
    const page: { Items?: Item[]; LastEvaluatedKey?: Item } = await this.db.call("Query", {
      TableName: this.table,
      IndexName: index,
      KeyConditionExpression: "#key = :value",
      ExpressionAttributeNames: { "#key": attribute },
      ExpressionAttributeValues: { ":value": { S: value } },
      Limit: limit,
      ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
    });
    return {
      connectionIds: (page.Items ?? []).map((item) => text(item, "connectionId")),
      ...(page.LastEvaluatedKey === undefined ? {} : { next: page.LastEvaluatedKey }),
    };
  }

  /**
   * The revoke function's claim on a connection: remove its item only while it still belongs to the target (the
   * index may lag a refresh that moved it to another session), and answer the removed item. Undefined when the
   * item is gone or no longer the target's: then nothing is done to the connection.
   */
  async removeOwned(connectionId: string, target: RevocationTarget): Promise<ConnectionRecord | undefined> {
    const [attribute, value] = "sub" in target ? ["sub", target.sub] : ["originJti", target.originJti];
    try {
      const answer: { Attributes?: Item } = await this.db.call("DeleteItem", {
        TableName: this.table,
        Key: { connectionId: { S: connectionId } },
        ConditionExpression: "#owner = :owner",
        ExpressionAttributeNames: { "#owner": attribute },
        ExpressionAttributeValues: { ":owner": { S: value } },
        ReturnValues: "ALL_OLD",
      });
      return answer.Attributes === undefined ? undefined : fromItem(answer.Attributes);
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw err;
    }
  }
}
