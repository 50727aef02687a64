// Peer: the connect handler with its registry write through @aws-sdk/client-dynamodb (bench only).
import type { APIGatewayProxyResultV2 } from "aws-lambda";
import { type ConnectEvent, handleConnect } from "../../../functions/connect/handle-connect.ts";
import { ConnectionRegistry } from "../../../functions/shared/registry.ts";
import { parseRegistryConfig } from "../../../functions/shared/registry-config.ts";
import { createSdkDynamoDb } from "./dynamodb.ts";

const config = parseRegistryConfig(process.env);
const registry = new ConnectionRegistry(config, createSdkDynamoDb(config.endpoint, config.region));

export async function handler(event: ConnectEvent): Promise<APIGatewayProxyResultV2> {
  return handleConnect(event, registry);
}
