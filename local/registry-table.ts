// The connection registry's table as terraform/modules/connection-registry declares it, created in the local
// DynamoDB (moto) for `make dev` and the tests. test/terraform checks that the two agree.
import { randomBytes } from "node:crypto";
import { createDynamoDb, type DynamoDb } from "../functions/shared/dynamodb.ts";
import { EXPIRY_INDEX, ORIGIN_JTI_INDEX, SUB_INDEX, TTL_ATTRIBUTE } from "../functions/shared/registry.ts";
import { MotoProcess } from "./moto.ts";

export const LOCAL_REGION = "eu-west-1";

export const REGISTRY_TABLE_DEFINITION = {
  BillingMode: "PAY_PER_REQUEST",
  AttributeDefinitions: [
    { AttributeName: "connectionId", AttributeType: "S" },
    { AttributeName: "sub", AttributeType: "S" },
    { AttributeName: "expBucket", AttributeType: "N" },
    { AttributeName: "exp", AttributeType: "N" },
    { AttributeName: "originJti", AttributeType: "S" },
  ],
  KeySchema: [{ AttributeName: "connectionId", KeyType: "HASH" }],
  GlobalSecondaryIndexes: [
    {
      IndexName: SUB_INDEX,
      KeySchema: [
        { AttributeName: "sub", KeyType: "HASH" },
        { AttributeName: "connectionId", KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: "KEYS_ONLY" },
    },
    {
      IndexName: ORIGIN_JTI_INDEX,
      KeySchema: [
        { AttributeName: "originJti", KeyType: "HASH" },
        { AttributeName: "connectionId", KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: "KEYS_ONLY" },
    },
    {
      IndexName: EXPIRY_INDEX,
      KeySchema: [
        { AttributeName: "expBucket", KeyType: "HASH" },
        { AttributeName: "exp", KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: "KEYS_ONLY" },
    },
  ],
} as const;

/** The registry's variables for the functions: table and endpoint. */
export interface LocalRegistry {
  readonly tableName: string;
  readonly endpoint: string;
  readonly db: DynamoDb;
  /** Stops moto when this registry started it; a caller's endpoint is left running. */
  close(): Promise<void>;
}

/** Moto credentials are not checked; the signing code still needs some. */
const LOCAL_CREDENTIALS = { AWS_ACCESS_KEY_ID: "local", AWS_SECRET_ACCESS_KEY: "local" };

export async function createRegistryTable(db: DynamoDb, tableName: string): Promise<void> {
  await db.call("CreateTable", { TableName: tableName, ...REGISTRY_TABLE_DEFINITION });
  await db.call("UpdateTimeToLive", {
    TableName: tableName,
    TimeToLiveSpecification: { Enabled: true, AttributeName: TTL_ATTRIBUTE },
  });
}

/**
 * A fresh registry table in the DynamoDB at `endpoint` (moto started here when none is given), under a unique name
 * so that stacks sharing one moto never see each other's connections.
 */
export async function startLocalRegistry(
  options: { endpoint?: string | undefined; tableName?: string } = {},
): Promise<LocalRegistry> {
  for (const [name, value] of Object.entries(LOCAL_CREDENTIALS)) process.env[name] ??= value;
  const moto = options.endpoint === undefined ? await MotoProcess.start() : undefined;
  // A crash of the caller must not leave moto running.
  if (moto !== undefined) process.once("exit", () => moto.kill());
  const endpoint = options.endpoint ?? (moto as MotoProcess).endpoint;
  const db = createDynamoDb(endpoint, LOCAL_REGION);
  const tableName = options.tableName ?? `wsauth-connections-${randomBytes(4).toString("hex")}`;
  try {
    await createRegistryTable(db, tableName);
  } catch (err) {
    await moto?.stop();
    throw err;
  }
  return { tableName, endpoint, db, close: async () => void (await moto?.stop()) };
}
