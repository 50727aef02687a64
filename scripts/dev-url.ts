// `make dev-url`: a fresh one-time link to the running `make dev`'s browser page (the banner's link works once).
import { findRunningStack } from "../local/dev-state.ts";

function fail(message: string): never {
  process.stderr.write(`make dev-url: ${message}\n`);
  process.exit(1);
}

const state = findRunningStack("make dev-url");
if (typeof state === "string") fail(state);
// The page is served on the gateway's port, over HTTP, at the host the stack's URL names.
const base = new URL(state.url.replace(/^ws/, "http")).origin;
let response: Response;
try {
  response = await fetch(`${base}/dev/page-code`, {
    method: "POST",
    headers: { authorization: `Bearer ${state.mintSecret}` },
    signal: AbortSignal.timeout(5000),
  });
} catch {
  fail(`the dev stack (pid ${state.pid}) does not answer: is \`make dev\` still running?`);
}
const body = (await response.json().catch(() => ({}))) as { code?: string; error?: string };
if (!response.ok || body.code === undefined) fail(body.error ?? `no link: HTTP ${response.status}`);
process.stdout.write(`${base}/dev/page?code=${body.code}\n`);
process.stderr.write(
  "Opens the page once, within 10 minutes; the link left in the browser's history then opens nothing.\n",
);
