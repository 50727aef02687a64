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
/** The sweeper's marker: `reauth_required` was sent for this `exp`. A refresh raises `exp`, so it stops matching. */
export const WARNED_ATTRIBUTE = "warnedExp";
/** Who closed the connection, when a function did (the metrics' close reason); absent for a client's own close. */
export const CLOSED_BY_ATTRIBUTE = "closedBy";
/**
 * How far ahead a live connection's `exp` can lie: Cognito issues tokens valid for at most 24 hours. The gauge
 * counts the buckets up to here; a token from another issuer expiring later is not counted (README, metrics).
 */
export const MAX_TOKEN_SECONDS = 86_400;

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
  /** The `exp` the sweeper last sent `reauth_required` for; absent until the first warning (and on older items). */
  readonly warnedExp?: number;
  /** Set by a function about to close the connection (refresh's refusal), so $disconnect does not count a client close. */
  readonly closedBy?: string;
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

export interface LiveCount {
  /** Registry items whose token has not expired: the open connections, as far as the registry knows. */
  readonly count: number;
  /** Queries it took (one per bucket, plus one per further page). */
  readonly queries: number;
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
    ...(record.warnedExp === undefined ? {} : { [WARNED_ATTRIBUTE]: { N: String(record.warnedExp) } }),
    ...(record.closedBy === undefined ? {} : { [CLOSED_BY_ATTRIBUTE]: { S: record.closedBy } }),
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
  const warnedExp = number(item, WARNED_ATTRIBUTE);
  const closedBy = text(item, CLOSED_BY_ATTRIBUTE);
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
    ...(Number.isNaN(warnedExp) ? {} : { warnedExp }),
    ...(closedBy === "" ? {} : { closedBy }),
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
  /** The table's name: the connection metrics' dimension. */
  readonly tableName: string;

  constructor(config: RegistryConfig, db: DynamoDb = createDynamoDb(config.endpoint, config.region)) {
    this.db = db;
    this.table = config.tableName;
    this.tableName = config.tableName;
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

  /** Remove the item; returns it as it was (undefined: already gone), at no extra cost (ReturnValues). */
  async remove(connectionId: string): Promise<ConnectionRecord | undefined> {
    const { Attributes: item } = await this.db.call<{ Attributes?: Item }>("DeleteItem", {
      TableName: this.table,
      Key: { connectionId: { S: connectionId } },
      ReturnValues: "ALL_OLD",
    });
    return item === undefined ? undefined : fromItem(item);
  }

  /** Say who is closing the connection, before the close, so that $disconnect counts it under that reason. */
  async markClosedBy(connectionId: string, reason: string): Promise<void> {
    try {
      await this.db.call("UpdateItem", {
        TableName: this.table,
        Key: { connectionId: { S: connectionId } },
        UpdateExpression: "SET #closedBy = :reason",
        ConditionExpression: "attribute_exists(connectionId)",
        ExpressionAttributeNames: { "#closedBy": CLOSED_BY_ATTRIBUTE },
        ExpressionAttributeValues: { ":reason": { S: reason } },
      });
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
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
  expired(nowSeconds: number, lookbackSeconds: number): AsyncGenerator<ExpiryCandidate> {
    return this.expiring(nowSeconds, lookbackSeconds, 0);
  }

  /**
   * Connections whose `exp` is at or before `nowSeconds + aheadSeconds`, in `exp` order within each bucket from
   * `nowSeconds - lookbackSeconds` on: the expired ones and those due for a warning, in the same Queries (one per
   * bucket, plus pages). Eventually consistent (a GSI): act on the item only through a conditional write.
   */
  async *expiring(nowSeconds: number, lookbackSeconds: number, aheadSeconds: number): AsyncGenerator<ExpiryCandidate> {
    const until = Math.floor(nowSeconds + aheadSeconds);
    for (let bucket = expiryBucket(nowSeconds - lookbackSeconds); bucket <= until; bucket += EXPIRY_BUCKET_SECONDS) {
      let startKey: Item | undefined;
      do {
        const page: { Items?: Item[]; LastEvaluatedKey?: Item } = await this.db.call("Query", {
          TableName: this.table,
          IndexName: EXPIRY_INDEX,
          KeyConditionExpression: "expBucket = :bucket AND #exp <= :until",
          ExpressionAttributeNames: { "#exp": "exp" },
          ExpressionAttributeValues: {
            ":bucket": { N: String(bucket) },
            ":until": { N: String(until) },
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
   * The sweeper's claim on one warning: record `warnedExp = exp` only if the item's `exp` is still `exp` and no
   * warning was recorded for it. Returns the item as written, or undefined when already warned, refreshed since
   * (the index lags), or gone. An item without the marker (written before it existed) is warned like any other.
   */
  async markWarned(connectionId: string, exp: number): Promise<ConnectionRecord | undefined> {
    try {
      const { Attributes: item } = await this.db.call<{ Attributes?: Item }>("UpdateItem", {
        TableName: this.table,
        Key: { connectionId: { S: connectionId } },
        UpdateExpression: "SET #warned = :exp",
        ConditionExpression: "#exp = :exp AND (attribute_not_exists(#warned) OR #warned <> :exp)",
        ExpressionAttributeNames: { "#exp": "exp", "#warned": WARNED_ATTRIBUTE },
        ExpressionAttributeValues: { ":exp": { N: String(exp) } },
        ReturnValues: "ALL_NEW",
      });
      return item === undefined ? undefined : fromItem(item);
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw err;
    }
  }

  /** Undo markWarned when the warning could not be sent, so that the next sweep tries again; a no-op otherwise. */
  async unmarkWarned(connectionId: string, exp: number): Promise<void> {
    try {
      await this.db.call("UpdateItem", {
        TableName: this.table,
        Key: { connectionId: { S: connectionId } },
        UpdateExpression: "REMOVE #warned",
        ConditionExpression: "#warned = :exp",
        ExpressionAttributeNames: { "#warned": WARNED_ATTRIBUTE },
        ExpressionAttributeValues: { ":exp": { N: String(exp) } },
      });
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  /**
   * The connections whose `exp` is after `nowSeconds`: a `Select: COUNT` Query per bucket up to
   * `nowSeconds + horizonSeconds` (plus pages of 1 MB), which returns no items, only counts. Eventually consistent.
   */
  async countLive(nowSeconds: number, horizonSeconds: number = MAX_TOKEN_SECONDS): Promise<LiveCount> {
    const now = Math.floor(nowSeconds);
    let count = 0;
    let queries = 0;
    for (let bucket = expiryBucket(now); bucket <= now + horizonSeconds; bucket += EXPIRY_BUCKET_SECONDS) {
      let startKey: Item | undefined;
      do {
        const page: { Count?: number; LastEvaluatedKey?: Item } = await this.db.call("Query", {
          TableName: this.table,
          IndexName: EXPIRY_INDEX,
          KeyConditionExpression: "expBucket = :bucket AND #exp > :now",
          ExpressionAttributeNames: { "#exp": "exp" },
          ExpressionAttributeValues: { ":bucket": { N: String(bucket) }, ":now": { N: String(now) } },
          Select: "COUNT",
          ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
        });
        queries += 1;
        count += page.Count ?? 0;
        startKey = page.LastEvaluatedKey;
      } while (startKey !== undefined);
    }
    return { count, queries };
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
