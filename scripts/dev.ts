// `make dev`: the local issuer, the built zips and the gateway on loopback, until Ctrl-C.
import { writeFileSync } from "node:fs";
import { ApiDescriptionError } from "../local/api-description.ts";
import { devBanner, hostWarning, mintableTokenUse } from "../local/dev-banner.ts";
import { removeDevState, writeDevState } from "../local/dev-state.ts";
import { type GatewayConfig, GatewayConfigError, parseGatewayConfig } from "../local/gateway/config.ts";
import { startMintEndpoint } from "../local/issuer/mint-endpoint.ts";
import { MissingZipError } from "../local/lambda/functions.ts";
import { createPageRoutes, type PageSettings } from "../local/page/serve.ts";
import { startLocalStack } from "../local/stack.ts";

const DEV_USER = "alice";
/** `any` serves wscat's query line and a browser's subprotocol from one stack (Terraform's token_location = "any"). */
const DEV_TOKEN_LOCATION = "any";
/** `any` lets `make token TOKEN_USE=access` work against the default stack as well as the ID tokens it prints. */
const DEV_TOKEN_USE = "any";

function fail(message: string, code = 1): never {
  process.stderr.write(`make dev: ${message}\n`);
  process.exit(code);
}

function startupError(err: unknown, port: number): never {
  if (err instanceof GatewayConfigError || err instanceof ApiDescriptionError) fail(err.message, 2);
  if (err instanceof MissingZipError) fail(err.message);
  const code = (err as { code?: string }).code;
  if (code === "EADDRINUSE") fail(`port ${port} is in use: stop what holds it or set PORT (e.g. PORT=3002 make dev)`);
  if (code === "EADDRNOTAVAIL") fail(`HOST ${process.env.HOST} is not an address of this machine`, 2);
  fail(err instanceof Error ? err.message : String(err));
}

let config: GatewayConfig;
try {
  config = parseGatewayConfig(process.env);
} catch (err) {
  startupError(err, 0);
}

const tokenUse = process.env.TOKEN_USE?.trim() || DEV_TOKEN_USE;
const requiredGroups = (process.env.REQUIRED_GROUPS ?? "")
  .split(",")
  .map((group) => group.trim())
  .filter((group) => group !== "");
let mintUrl = "";
let settings: PageSettings | undefined;
let gatewayPort = 0;
const pageRoutes = createPageRoutes({
  mintUrl: () => mintUrl,
  settings: () => settings as PageSettings,
  port: () => gatewayPort,
});

const stack = await startLocalStack({
  config,
  env: { ...process.env, TOKEN_USE: tokenUse },
  tokenLocation: process.env.TOKEN_LOCATION?.trim() || DEV_TOKEN_LOCATION,
  explainRefusals: true,
  httpRoutes: pageRoutes,
  onLog: (line, name) => process.stderr.write(`[${name}] ${line}\n`),
}).catch((err: unknown) => startupError(err, config.port));
const mint = await startMintEndpoint(stack.issuer);
mintUrl = mint.url;
gatewayPort = stack.gateway.port;
settings = {
  wsUrl: stack.gateway.url,
  tokenLocation: stack.tokenLocation,
  tokenQueryParam: stack.tokenQueryParam,
  tokenUse,
  requiredGroups,
  user: DEV_USER,
};
writeDevState({
  pid: process.pid,
  url: stack.gateway.url,
  mintUrl: mint.url,
  mintSecret: mint.secret,
  tokenLocation: stack.tokenLocation,
  tokenQueryParam: stack.tokenQueryParam,
  tokenUse,
  requiredGroups,
});

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) process.exit(130);
  stopping = true;
  process.stderr.write(`\n${signal}: closing connections and stopping the stack (again to force)\n`);
  removeDevState();
  await stack.close();
  await mint.close();
  process.exit(0);
}
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("exit", () => removeDevState());

const warning = hostWarning(config.host, stack.gateway.port);
if (warning !== undefined) process.stderr.write(`\n${warning}\n`);
const httpBase = stack.gateway.url.replace(/^ws:/, "http:").replace(/\/[^/]*$/, "");
writeFileSync(
  1,
  `${devBanner({
    url: stack.gateway.url,
    managementEndpoint: stack.gateway.managementEndpoint,
    jwksUri: stack.issuer.jwksUri,
    pageUrl: `${httpBase}/#key=${mint.secret}`,
    tokenLocation: stack.tokenLocation,
    tokenQueryParam: stack.tokenQueryParam,
    tokenUse,
    requiredGroups,
    user: DEV_USER,
    token: stack.issuer.mint({ username: DEV_USER, groups: requiredGroups, tokenUse: mintableTokenUse(tokenUse) }),
  })}\n`,
);
