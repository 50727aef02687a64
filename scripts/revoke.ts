// `make revoke TOKEN_USER=alice`: closes every connection of that user on the running `make dev`, through the same
// revoke zip that runs in AWS (the stack invokes it in its local Lambda host), and prints the function's answer.
import { findRunningStack } from "../local/dev-state.ts";
import { parseMintRequest } from "../local/issuer/mint-endpoint.ts";

function fail(message: string): never {
  process.stderr.write(`make revoke: ${message}\n`);
  process.exit(1);
}

const found = findRunningStack("make revoke");
if (typeof found === "string") fail(found);
const checked = parseMintRequest({ username: process.env.TOKEN_USER?.trim() || "alice" });
if (typeof checked === "string") fail(checked.replace(/^username:/, "TOKEN_USER:"));

let response: Response;
try {
  response = await fetch(new URL("/revoke", found.mintUrl), {
    method: "POST",
    headers: { authorization: `Bearer ${found.mintSecret}`, "content-type": "application/json" },
    body: JSON.stringify({ username: checked.username }),
    signal: AbortSignal.timeout(30_000),
  });
} catch {
  fail(`the dev stack (pid ${found.pid}) does not answer: is \`make dev\` still running?`);
}
const body = (await response.json().catch(() => ({}))) as {
  sub?: string;
  error?: string;
  result?: { ok: boolean; value?: unknown; errorType?: string; errorMessage?: string };
};
if (!response.ok || body.result === undefined) fail(body.error ?? `revoke failed with HTTP ${response.status}`);
if (!body.result.ok) fail(`${body.result.errorType}: ${body.result.errorMessage}`);
process.stdout.write(`${JSON.stringify(body.result.value)}\n`);
process.stderr.write(`make revoke: ${checked.username} (sub ${body.sub})\n`);
