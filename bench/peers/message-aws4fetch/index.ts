// Peer: the message handler on aws4fetch (bench only).
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import { handleMessage } from "../../../functions/message/handle-message.ts";
import { peerManagementEndpoint } from "../management-endpoint.ts";
import { connectionsFor } from "./management-api.ts";

export async function handler(event: APIGatewayProxyWebsocketEventV2): Promise<APIGatewayProxyResultV2> {
  const { domainName, stage } = event.requestContext;
  return handleMessage(event, connectionsFor(peerManagementEndpoint(domainName, stage)));
}
