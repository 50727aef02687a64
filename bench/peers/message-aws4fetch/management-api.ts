// The Management API client on aws4fetch (WebCrypto signing, fetch), kept for the bench comparison.
import { AwsClient } from "aws4fetch";
import type { Connections } from "../../../functions/shared/management-api.ts";

/** Lambda puts the function role's credentials and the region in the environment of every container. */
function clientFromEnvironment(env: Record<string, string | undefined> = process.env): AwsClient {
  const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION } = env;
  if (!AWS_ACCESS_KEY_ID || !AWS_SECRET_ACCESS_KEY || !AWS_REGION) {
    throw new Error("AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION must be set (Lambda sets them)");
  }
  // Two retries on 5xx and 429 with jittered back-off: the AWS SDK's standard three attempts.
  return new AwsClient({
    accessKeyId: AWS_ACCESS_KEY_ID,
    secretAccessKey: AWS_SECRET_ACCESS_KEY,
    ...(AWS_SESSION_TOKEN ? { sessionToken: AWS_SESSION_TOKEN } : {}),
    region: AWS_REGION,
    service: "execute-api",
    retries: 2,
  });
}

let client: AwsClient | undefined;

async function unlessGone(operation: string, url: string, init: RequestInit): Promise<boolean> {
  client ??= clientFromEnvironment();
  const response = await client.fetch(url, init);
  // Drain the body either way so the keep-alive socket is reused.
  await response.arrayBuffer();
  if (response.ok) return true;
  if (response.status === 410) return false;
  throw new Error(`${operation} failed: status ${response.status}`);
}

/** SigV4-signed calls to `{endpoint}/@connections/{id}`; one signer and fetch's socket pool for the container. */
export function connectionsFor(endpoint: string): Connections {
  const url = (connectionId: string): string => `${endpoint}/@connections/${encodeURIComponent(connectionId)}`;
  return {
    post: (connectionId, data) =>
      unlessGone("PostToConnection", url(connectionId), {
        method: "POST",
        body: data,
        headers: { "content-type": "application/json" },
      }),
    close: (connectionId) => unlessGone("DeleteConnection", url(connectionId), { method: "DELETE" }),
  };
}
