// The connection registry's client alone (SigV4-signed DynamoDB over node:http, as refresh ships it): its init and
// one GetItem give the part of refresh's cold start that the authoriser does not have.
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import { ConnectionRegistry } from "../../../functions/shared/registry.ts";
import { parseRegistryConfig } from "../../../functions/shared/registry-config.ts";

const registry = new ConnectionRegistry(parseRegistryConfig(process.env));

export async function handler(event: APIGatewayProxyWebsocketEventV2): Promise<APIGatewayProxyResultV2> {
  const record = await registry.lookup(event.requestContext.connectionId);
  return { statusCode: record === undefined ? 404 : 200 };
}
