// JWKS behaviour of the built authoriser in Lambda-like containers (one invocation at a time each): fetches per
// cold start, none for a warm container, one per container for a new key (rotation).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type LocalIssuer, makeSigningKey } from "../local/issuer/issuer.ts";
import { LambdaHost } from "../local/lambda/host.ts";
import { makeConnectEvent } from "../local/gateway/sample-events.ts";
import { PLATFORM_ENV, zipPath } from "./lib/fixtures.ts";

export interface JwksRow {
  readonly scenario: string;
  readonly fetches: number;
  readonly expected: number;
  readonly allowed: string;
}

/** A JWKS endpoint that answers after `delayMs`, so that concurrent callers overlap one fetch. */
async function slowJwksEndpoint(
  issuer: LocalIssuer,
  delayMs: number,
): Promise<{ url: string; fetches: () => number; close: () => Promise<void> }> {
  let fetches = 0;
  const server = createServer((req, res) => {
    fetches += 1;
    req.resume();
    setTimeout(() => {
      const body = JSON.stringify(issuer.jwks());
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/${issuer.userPoolId}/.well-known/jwks.json`,
    fetches: () => fetches,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function isAllow(result: Awaited<ReturnType<LambdaHost["invoke"]>>): boolean {
  return (
    result.ok &&
    (result.value as { policyDocument?: { Statement?: Array<{ Effect?: string }> } }).policyDocument?.Statement?.[0]
      ?.Effect === "Allow"
  );
}

export async function measureJwksBehaviour(issuer: LocalIssuer, burst: number): Promise<JwksRow[]> {
  const endpoint = await slowJwksEndpoint(issuer, 200);
  const rows: JwksRow[] = [];
  const originalKeys = [...issuer.keys];
  try {
    for (const seeded of [false, true]) {
      issuer.keys = [...originalKeys];
      const env = {
        USER_POOL_ID: issuer.userPoolId,
        CLIENT_ID: issuer.clientId,
        JWKS_URI: endpoint.url,
        ...(seeded ? { JWKS_JSON: JSON.stringify(issuer.jwks()) } : {}),
      };
      const mode = seeded ? "JWKS_JSON set" : "JWKS_URI only";
      const host = new LambdaHost({
        name: "authoriser",
        zipPath: zipPath("authoriser"),
        env,
        platformEnv: PLATFORM_ENV,
        onLog: () => undefined,
        maxConcurrency: burst,
      });
      try {
        let before = endpoint.fetches();
        await host.warm();
        rows.push({
          scenario: `${mode}: cold start (init)`,
          fetches: endpoint.fetches() - before,
          expected: seeded ? 0 : 1,
          allowed: "",
        });

        before = endpoint.fetches();
        const event = makeConnectEvent({ query: { auth: issuer.mint({ username: "alice" }) } });
        const sequential = [];
        for (let i = 0; i < burst; i += 1) sequential.push(await host.invoke(event));
        rows.push({
          scenario: `${mode}: ${burst} invocations one after another (one warm container)`,
          fetches: endpoint.fetches() - before,
          expected: 0,
          allowed: `${sequential.filter(isAllow).length}/${burst}`,
        });

        // As Lambda does, each concurrent invocation past the warm container gets a new one, which fetches at init.
        before = endpoint.fetches();
        const first = await Promise.all(Array.from({ length: burst }, () => host.invoke(event)));
        rows.push({
          scenario: `${mode}: ${burst} concurrent invocations (${burst - 1} new containers)`,
          fetches: endpoint.fetches() - before,
          expected: seeded ? 0 : burst - 1,
          allowed: `${first.filter(isAllow).length}/${burst}`,
        });

        // A key no container has seen (rotation): each container refetches once (the endpoint takes 200 ms).
        const rotated = makeSigningKey();
        issuer.keys = [...originalKeys, rotated];
        before = endpoint.fetches();
        const newKid = makeConnectEvent({ query: { auth: issuer.mint({ username: "bob", key: rotated }) } });
        const results = await Promise.all(Array.from({ length: burst }, () => host.invoke(newKid)));
        rows.push({
          scenario: `${mode}: ${burst} concurrent invocations with a new kid (${burst} warm containers)`,
          fetches: endpoint.fetches() - before,
          expected: burst,
          allowed: `${results.filter(isAllow).length}/${burst}`,
        });
      } finally {
        await host.stop();
      }
    }
  } finally {
    issuer.keys = originalKeys;
    await endpoint.close();
  }
  return rows;
}
