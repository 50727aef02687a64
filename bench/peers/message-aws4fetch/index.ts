// Peer: the message handler on aws4fetch (bench only).
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import { handleMessage } from "../../../functions/message/handle-message.ts";
import { ConnectionRegistry } from "../../../functions/shared/registry.ts";
import { parseRegistryConfig } from "../../../functions/shared/registry-config.ts";
import { peerManagementEndpoint } from "../management-endpoint.ts";
import { connectionsFor } from "./management-api.ts";

// The same registry read as ours, so the peers differ only in the Management API client.
const registry = new ConnectionRegistry(parseRegistryConfig(process.env));

export async function handler(event: APIGatewayProxyWebsocketEventV2): Promise<APIGatewayProxyResultV2> {
  const { domainName, stage } = event.requestContext;
  return handleMessage(event, connectionsFor(peerManagementEndpoint(domainName, stage)), registry);
}
