// `make token TOKEN_USER=alice TOKEN_GROUPS=a,b`: a token from the running `make dev` issuer, on stdout. Unless told
// otherwise it mints what the running stack accepts: its TOKEN_USE and its REQUIRED_GROUPS.
import { mintableTokenUse } from "../local/dev-banner.ts";
import { DEV_STATE_PATH, readDevState } from "../local/dev-state.ts";
import { wscatCommand } from "../local/stack.ts";

function fail(message: string): never {
  process.stderr.write(`make token: ${message}\n`);
  process.exit(1);
}

function list(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

const state = readDevState();
if (state === undefined)
  fail(`no running dev stack found (${DEV_STATE_PATH}): start \`make dev\` in another terminal first`);

const expiresRaw = process.env.EXPIRES_IN?.trim() || "3600";
if (!/^-?\d+$/.test(expiresRaw)) fail(`EXPIRES_IN: expected whole seconds, got ${JSON.stringify(expiresRaw)}`);
const stackTokenUse = state.tokenUse ?? "id";
const stackGroups = state.requiredGroups ?? [];
const askedTokenUse = process.env.TOKEN_USE?.trim() || undefined;
const askedGroups = process.env.TOKEN_GROUPS === undefined ? undefined : list(process.env.TOKEN_GROUPS);
const request = {
  username: process.env.TOKEN_USER?.trim() || "alice",
  groups: askedGroups ?? [...stackGroups],
  tokenUse: askedTokenUse ?? mintableTokenUse(stackTokenUse),
  expiresIn: Number(expiresRaw),
};

// Minted as asked, but said plainly when the running stack will refuse it.
if (stackTokenUse !== "any" && request.tokenUse !== stackTokenUse) {
  process.stderr.write(
    `make token: warning: the running stack accepts TOKEN_USE=${stackTokenUse} only; this ${request.tokenUse} token will get 401\n`,
  );
}
if (stackGroups.length > 0 && !request.groups.some((group) => stackGroups.includes(group))) {
  process.stderr.write(
    `make token: warning: the running stack requires one of REQUIRED_GROUPS=${stackGroups.join(",")}; this token will get 403\n`,
  );
}

let response: Response;
try {
  response = await fetch(state.mintUrl, {
    method: "POST",
    headers: { authorization: `Bearer ${state.mintSecret}`, "content-type": "application/json" },
    body: JSON.stringify(request),
    signal: AbortSignal.timeout(5000),
  });
} catch {
  fail(`the dev stack (pid ${state.pid}) does not answer: is \`make dev\` still running?`);
}
const body = (await response.json().catch(() => ({}))) as { token?: string; error?: string };
if (!response.ok || body.token === undefined) fail(body.error ?? `mint failed with HTTP ${response.status}`);
process.stdout.write(`${body.token}\n`);
const location = state.tokenLocation === "any" ? "query" : state.tokenLocation;
process.stderr.write(`npx ${wscatCommand(state.url, body.token, location, state.tokenQueryParam)}\n`);
