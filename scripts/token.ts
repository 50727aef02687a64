// `make token TOKEN_USER=alice TOKEN_GROUPS=a,b`: a token from the running `make dev` issuer, on stdout. Unless told
// otherwise it mints what the running stack accepts: its TOKEN_USE and its REQUIRED_GROUPS.
import { mintableTokenUse } from "../local/dev-banner.ts";
import { findRunningStack } from "../local/dev-state.ts";
import { parseMintRequest } from "../local/issuer/mint-endpoint.ts";
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

/** The mint endpoint's field names, as the variables `make token` reads them from. */
const VARIABLE_OF: Readonly<Record<string, string>> = {
  username: "TOKEN_USER",
  groups: "TOKEN_GROUPS",
  tokenUse: "TOKEN_USE",
  expiresIn: "EXPIRES_IN",
};

function inVariableTerms(problem: string): string {
  return problem.replace(/^(\w+):/, (whole, field: string) => (VARIABLE_OF[field] ? `${VARIABLE_OF[field]}:` : whole));
}

const found = findRunningStack("make token");
if (typeof found === "string") fail(found);
const state = found;
const expiresRaw = process.env.EXPIRES_IN?.trim() || "3600";
if (!/^-?\d+$/.test(expiresRaw)) fail(`EXPIRES_IN: expected whole seconds, got ${JSON.stringify(expiresRaw)}`);
const stackTokenUse = state.tokenUse ?? "id";
const stackGroups = state.requiredGroups ?? [];
const askedTokenUse = process.env.TOKEN_USE?.trim() || undefined;
const askedGroups = process.env.TOKEN_GROUPS === undefined ? undefined : list(process.env.TOKEN_GROUPS);
const checked = parseMintRequest({
  username: process.env.TOKEN_USER?.trim() || "alice",
  groups: askedGroups ?? [...stackGroups],
  tokenUse: askedTokenUse ?? mintableTokenUse(stackTokenUse),
  expiresIn: Number(expiresRaw),
});
// Checked here as well as by the endpoint, so that the error names the variable you set.
if (typeof checked === "string") fail(inVariableTerms(checked));
const request = checked;

// Minted as asked, but said plainly when the running stack will refuse it.
if (stackTokenUse !== "any" && request.tokenUse !== stackTokenUse) {
  process.stderr.write(
    `make token: warning: the running stack accepts TOKEN_USE=${stackTokenUse} only; this ${request.tokenUse} token will get 401\n`,
  );
}
if (stackGroups.length > 0 && !(request.groups ?? []).some((group) => stackGroups.includes(group))) {
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
if (!response.ok || body.token === undefined)
  fail(body.error === undefined ? `mint failed with HTTP ${response.status}` : inVariableTerms(body.error));
process.stdout.write(`${body.token}\n`);
const location = state.tokenLocation === "any" ? "query" : state.tokenLocation;
process.stderr.write(`npx ${wscatCommand(state.url, body.token, location, state.tokenQueryParam)}\n`);
