// `make token USER=alice GROUPS=a,b`: a token from the running `make dev` issuer, on stdout.
import { DEV_STATE_PATH, readDevState } from "../local/dev-state.ts";
import { wscatCommand } from "../local/stack.ts";

function fail(message: string): never {
  process.stderr.write(`make token: ${message}\n`);
  process.exit(1);
}

const state = readDevState();
if (state === undefined) fail(`no running dev stack found (${DEV_STATE_PATH}): start \`make dev\` in another terminal first`);

const expiresRaw = process.env.EXPIRES_IN?.trim() || "3600";
if (!/^-?\d+$/.test(expiresRaw)) fail(`EXPIRES_IN: expected whole seconds, got ${JSON.stringify(expiresRaw)}`);
const request = {
  username: process.env.USER?.trim() || "alice",
  groups: (process.env.GROUPS ?? "").split(",").map((group) => group.trim()).filter((group) => group !== ""),
  tokenUse: process.env.TOKEN_USE?.trim() || "id",
  expiresIn: Number(expiresRaw),
};

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
process.stderr.write(`npx ${wscatCommand(state.url, body.token, state.tokenLocation, state.tokenQueryParam)}\n`);
