// The dev stack for tests: free port, quiet logs (kept for assertions), every invocation recorded.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeZip } from "../../../../scripts/lib/write-zip.ts";
import { type GatewayConfig, parseGatewayConfig } from "../../../../local/gateway/config.ts";
import { DIST_DIR } from "../../../../local/lambda/functions.ts";
import { type LocalStack, type LocalStackOptions, startLocalStack } from "../../../../local/stack.ts";
import type { Invocation } from "../../../../local/gateway/server.ts";
import { loadApiDescription, parseApiDescription, type ApiDescription } from "../../../../local/api-description.ts";
import { sharedDynamoDbEndpoint } from "../../support/dynamodb.ts";

export interface TestStack extends LocalStack {
  readonly invocations: Invocation[];
  readonly logs: string[];
  invocationsOf(functionName: string): Invocation[];
  /** The gateway URL with a token in the query parameter. */
  urlWithToken(token: string): string;
}

export interface TestStackOptions {
  readonly config?: Partial<GatewayConfig>;
  readonly env?: Record<string, string>;
  readonly tokenLocation?: string;
  readonly api?: ApiDescription;
  readonly distDir?: string;
  readonly httpRoutes?: LocalStackOptions["httpRoutes"];
}

export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const invocations: Invocation[] = [];
  const logs: string[] = [];
  const local = await startLocalStack({
    config: parseGatewayConfig({ PORT: "0" }, options.config),
    dynamodbEndpoint: await sharedDynamoDbEndpoint(),
    env: options.env ?? {},
    ...(options.tokenLocation === undefined ? {} : { tokenLocation: options.tokenLocation }),
    ...(options.api === undefined ? {} : { api: options.api }),
    ...(options.distDir === undefined ? {} : { distDir: options.distDir }),
    ...(options.httpRoutes === undefined ? {} : { httpRoutes: options.httpRoutes }),
    onLog: (line, name) => {
      if (logs.length < 10_000) logs.push(`[${name}] ${line}`);
      if (process.env.GATEWAY_TEST_LOGS) process.stderr.write(`[${name}] ${line}\n`);
    },
    onInvocation: (invocation) => invocations.push(invocation),
  });
  return {
    ...local,
    close: () => local.close(),
    invocations,
    logs,
    invocationsOf: (functionName) => invocations.filter((invocation) => invocation.functionName === functionName),
    urlWithToken: (token) => `${local.gateway.url}?${local.tokenQueryParam}=${encodeURIComponent(token)}`,
  };
}

/** Handlers that misbehave, each becoming one tiny zip. */
export const MISBEHAVING_HANDLERS = {
  throws: 'export const handler = async () => { throw new TypeError("handler blew up"); };',
  hangs: "export const handler = () => new Promise(() => {});",
  junk: 'export const handler = async () => "definitely not a proxy response";',
  "junk-authoriser":
    'export const handler = async () => ({ principalId: { not: "a string" }, policyDocument: "allow please" });',
  "failing-authoriser": 'export const handler = async () => { throw new Error("database down"); };',
  "unscoped-authoriser":
    'export const handler = async () => ({ principalId: "u1", policyDocument: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:eu-west-1:123456789012:otherapi/dev/$connect" }] } });',
} as const;

/** A temp dist dir holding the built zips plus one zip per misbehaving handler; remove it with rmSync. */
export function makeDistWithMisbehavingZips(): string {
  const dir = mkdtempSync(join(tmpdir(), "gateway-zips-"));
  for (const name of ["authoriser", "connect", "disconnect", "message", "refresh", "sweeper", "revoke"])
    copyFileSync(join(DIST_DIR, `${name}.zip`), join(dir, `${name}.zip`));
  for (const [name, source] of Object.entries(MISBEHAVING_HANDLERS)) {
    writeFileSync(join(dir, `${name}.zip`), writeZip([{ name: "index.mjs", data: Buffer.from(source) }]));
  }
  return dir;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** api.json with routes and an authoriser function replaced, for a stack that runs misbehaving zips. */
export function makeApiWith(changes: { routes?: Record<string, string>; authoriserFunction?: string }): ApiDescription {
  const base = loadApiDescription();
  return parseApiDescription({
    routeSelectionExpression: base.routeSelectionExpression,
    authoriser: base.authoriser && {
      ...base.authoriser,
      function: changes.authoriserFunction ?? base.authoriser.function,
    },
    routes: { ...base.routes, ...changes.routes },
    functions: {
      ...base.functions,
      ...Object.fromEntries(
        Object.keys(MISBEHAVING_HANDLERS).map((name) => [name, { env: [], managesConnections: false }]),
      ),
    },
  });
}
