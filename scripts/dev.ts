// `make dev`: the local issuer, the built zips and the gateway on loopback, until Ctrl-C.
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { ApiDescriptionError, loadApiDescription } from "../local/api-description.ts";
import { devBanner, hostWarning, mintableTokenUse } from "../local/dev-banner.ts";
import { devStatePath, removeDevState, runningDevStates, writeDevState } from "../local/dev-state.ts";
import { type GatewayConfig, parseGatewayConfig } from "../local/gateway/config.ts";
import { startMintEndpoint } from "../local/issuer/mint-endpoint.ts";
import { MissingZipError } from "../local/lambda/functions.ts";
import { PageSessions } from "../local/page/page-sessions.ts";
import { createPageRoutes, type PageSettings } from "../local/page/serve.ts";
import { checkStackSettings, isSettingError } from "../local/settings-check.ts";
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

function portInUse(port: number): string {
  const running = runningDevStates().get(port);
  const holder = running === undefined ? "something else holds it" : `make dev (pid ${running.pid}) runs there`;
  return `port ${port} is in use (${holder}): stop it, or start another stack with PORT (e.g. PORT=${port + 1} make dev)`;
}

function startupError(err: unknown, port: number): never {
  if (isSettingError(err) || err instanceof ApiDescriptionError) fail(err.message, 2);
  if (err instanceof MissingZipError) fail(err.message);
  const code = (err as { code?: string }).code;
  if (code === "EADDRINUSE") fail(portInUse(port));
  if (code === "EADDRNOTAVAIL") fail(`HOST ${process.env.HOST} is not an address of this machine`, 2);
  fail(err instanceof Error ? err.message : String(err));
}

/** A bind that is let go at once: says before the build and moto whether the stack could listen. */
async function checkPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once("error", reject);
    probe.listen(port, host, resolve);
  }).catch((err: unknown) => startupError(err, port));
  await new Promise((resolve) => probe.close(resolve));
}

const tokenUse = process.env.TOKEN_USE?.trim() || DEV_TOKEN_USE;
const tokenLocation = process.env.TOKEN_LOCATION?.trim() || DEV_TOKEN_LOCATION;
let config: GatewayConfig;
try {
  config = parseGatewayConfig(process.env);
  checkStackSettings({ ...process.env, TOKEN_USE: tokenUse }, loadApiDescription(), tokenLocation, config);
} catch (err) {
  startupError(err, 0);
}
await checkPortFree(config.host, config.port);
// `make dev` runs this first, before building: every setting and the port are checked in about a second.
if (process.argv.includes("--check")) process.exit(0);

const requiredGroups = (process.env.REQUIRED_GROUPS ?? "")
  .split(",")
  .map((group) => group.trim())
  .filter((group) => group !== "");
let mintUrl = "";
let mintSecret = "";
let settings: PageSettings | undefined;
let gatewayPort = 0;
const sessions = new PageSessions();
const pageRoutes = createPageRoutes({
  mintUrl: () => mintUrl,
  mintSecret: () => mintSecret,
  sessions,
  settings: () => settings as PageSettings,
  port: () => gatewayPort,
});

const stack = await startLocalStack({
  config,
  env: { ...process.env, TOKEN_USE: tokenUse },
  tokenLocation,
  explainRefusals: true,
  httpRoutes: pageRoutes,
  onLog: (line, name) => process.stderr.write(`[${name}] ${line}\n`),
}).catch((err: unknown) => startupError(err, config.port));
const mint = await startMintEndpoint(stack.issuer);
mintUrl = mint.url;
mintSecret = mint.secret;
gatewayPort = stack.gateway.port;
settings = {
  wsUrl: stack.gateway.url,
  tokenLocation: stack.tokenLocation,
  tokenQueryParam: stack.tokenQueryParam,
  tokenUse,
  requiredGroups,
  user: DEV_USER,
};
const statePath = devStatePath(stack.gateway.port);
writeDevState(
  {
    pid: process.pid,
    url: stack.gateway.url,
    mintUrl: mint.url,
    mintSecret: mint.secret,
    tokenLocation: stack.tokenLocation,
    tokenQueryParam: stack.tokenQueryParam,
    tokenUse,
    requiredGroups,
  },
  statePath,
);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) process.exit(130);
  stopping = true;
  process.stderr.write(`\n${signal}: closing connections and stopping the stack (again to force)\n`);
  removeDevState(statePath);
  await stack.close();
  await mint.close();
  process.exit(0);
}
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("exit", () => removeDevState(statePath));

const warning = hostWarning(config.host, stack.gateway.port);
if (warning !== undefined) process.stderr.write(`\n${warning}\n`);
const httpBase = stack.gateway.url.replace(/^ws:/, "http:").replace(/\/[^/]*$/, "");
writeFileSync(
  1,
  `${devBanner({
    url: stack.gateway.url,
    managementEndpoint: stack.gateway.managementEndpoint,
    jwksUri: stack.issuer.jwksUri,
    pageUrl: `${httpBase}/dev/page?code=${sessions.issueCode()}`,
    tokenLocation: stack.tokenLocation,
    tokenQueryParam: stack.tokenQueryParam,
    tokenUse,
    requiredGroups,
    user: DEV_USER,
    token: stack.issuer.mint({ username: DEV_USER, groups: requiredGroups, tokenUse: mintableTokenUse(tokenUse) }),
  })}\n`,
);
