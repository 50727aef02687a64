import type { APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { createServer } from "node:net";
import { LambdaHost, type InvokeResult } from "../../../local/lambda/host.ts";
import { distZip } from "../../support/dist.ts";
import { ledger } from "./ledger.ts";

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A loopback port nothing listens on (yet): bound by the OS, then released. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The built authoriser zip in a child process as Lambda runs it, its log lines going to the suite's ledger. */
export function startAuthoriserZip(env: Record<string, string>, caCertPath?: string): LambdaHost {
  return new LambdaHost({
    name: "authoriser",
    zipPath: distZip("authoriser"),
    env,
    ...(caCertPath ? { platformEnv: { NODE_EXTRA_CA_CERTS: caCertPath } } : {}),
    onLog: ledger.collect,
    timeoutMs: 15_000,
  });
}

export interface TimedResult {
  readonly result: InvokeResult;
  readonly ms: number;
}

export async function timedInvoke(host: LambdaHost, event: APIGatewayRequestAuthorizerEvent): Promise<TimedResult> {
  const started = performance.now();
  const result = await host.invoke(event);
  return { result, ms: performance.now() - started };
}

export const UNAUTHORIZED_RESULT = { ok: false, errorType: "Error", errorMessage: "Unauthorized" } as const;
