// One moto per test process, shared by every stack and registry test (each uses its own table): moto takes about
// a second to start, and the gateway suites start dozens of stacks.
import { createDynamoDb, type DynamoDb } from "../../../functions/shared/dynamodb.ts";
import { MotoProcess } from "../../../local/moto.ts";
import { LOCAL_REGION, type LocalRegistry, startLocalRegistry } from "../../../local/registry-table.ts";

let shared: Promise<MotoProcess> | undefined;

/** The endpoint of the test run's moto, started (and installed, on a fresh machine) on first use. */
export async function sharedDynamoDbEndpoint(): Promise<string> {
  shared ??= MotoProcess.start(() => undefined).then((moto) => moto.shareForProcessLifetime());
  return (await shared).endpoint;
}

/** A fresh registry table in the shared moto. */
export async function freshRegistryTable(): Promise<LocalRegistry & { db: DynamoDb }> {
  const endpoint = await sharedDynamoDbEndpoint();
  const registry = await startLocalRegistry({ endpoint });
  return { ...registry, db: createDynamoDb(endpoint, LOCAL_REGION) };
}

/** The env a function needs to reach `table` in the shared moto. */
export function registryEnv(registry: LocalRegistry): Record<string, string> {
  return {
    CONNECTIONS_TABLE: registry.tableName,
    DYNAMODB_ENDPOINT: registry.endpoint,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
  };
}
