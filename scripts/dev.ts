// `make dev`: the local issuer, the built zips and the gateway on loopback, until Ctrl-C.
import { writeFileSync } from "node:fs";
import { type GatewayConfig, GatewayConfigError, parseGatewayConfig } from "../local/gateway/config.ts";
import { removeDevState, writeDevState } from "../local/dev-state.ts";
import { MissingZipError } from "../local/lambda/functions.ts";
import { startLocalStack, wscatCommand } from "../local/stack.ts";
import { startMintEndpoint } from "../local/issuer/mint-endpoint.ts";
import { ApiDescriptionError } from "../local/api-description.ts";

const DEV_USER = "alice";

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

const stack = await startLocalStack({
  config,
  env: process.env,
  ...(process.env.TOKEN_LOCATION ? { tokenLocation: process.env.TOKEN_LOCATION.trim() } : {}),
  onLog: (line, name) => process.stderr.write(`[${name}] ${line}\n`),
}).catch((err: unknown) => startupError(err, config.port));
const mint = await startMintEndpoint(stack.issuer);
writeDevState({
  pid: process.pid,
  url: stack.gateway.url,
  mintUrl: mint.url,
  mintSecret: mint.secret,
  tokenLocation: stack.tokenLocation,
  tokenQueryParam: stack.tokenQueryParam,
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

const token = stack.issuer.mint({ username: DEV_USER });
const where = stack.tokenLocation === "protocol" ? "Sec-WebSocket-Protocol: bearer, <token>" : `query parameter "${stack.tokenQueryParam}"`;
const lines = [
  "",
  `Local WebSocket API ready: ${stack.gateway.url}  (token in ${where})`,
  `  Management API  ${stack.gateway.managementEndpoint}/@connections/{connectionId}`,
  `  Issuer (JWKS)   ${stack.issuer.jwksUri}`,
  "",
  `Connect as ${DEV_USER} (token valid 1 hour), then type a message such as {"action":"hello"}:`,
  // npx finds the project's own wscat from any terminal opened in this folder.
  `  npx ${wscatCommand(stack.gateway.url, token, stack.tokenLocation, stack.tokenQueryParam)}`,
  "",
  "Another user's token: make -s token USER=bob GROUPS=admins,editors",
  "Ctrl-C stops.",
  "",
];
writeFileSync(1, `${lines.join("\n")}\n`);
