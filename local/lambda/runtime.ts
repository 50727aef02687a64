// One Lambda "container": extract the zip, run init once, then serve the invocations host.ts sends over IPC,
// one at a time as Lambda does (host.ts never sends a second before the first has answered).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { readZip } from "./read-zip.ts";

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

interface InvokeMessage {
  type: "invoke";
  id: number;
  event: unknown;
  context: Record<string, unknown>;
}

function send(message: unknown): void {
  process.send?.(message);
}

function describe(err: unknown): { errorType: string; errorMessage: string } {
  return err instanceof Error
    ? { errorType: err.name, errorMessage: err.message }
    : { errorType: "Error", errorMessage: String(err) };
}

const zipPath = process.argv[2];
if (zipPath === undefined) throw new Error("usage: runtime.ts <function.zip>");
const taskRoot = mkdtempSync(join(tmpdir(), "lambda-task-"));
process.on("exit", () => rmSync(taskRoot, { recursive: true, force: true }));
for (const entry of readZip(readFileSync(zipPath))) {
  const target = join(taskRoot, entry.name);
  if (!target.startsWith(`${taskRoot}/`)) throw new Error(`zip entry escapes the task root: ${entry.name}`);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, entry.data);
}
process.chdir(taskRoot);

let handler: Handler | undefined;
const initStart = performance.now();
try {
  const module = (await import(pathToFileURL(join(taskRoot, "index.mjs")).href)) as { handler?: unknown };
  if (typeof module.handler !== "function") throw new Error("index.mjs does not export handler");
  handler = module.handler as Handler;
} catch (err) {
  // The host reports it in one line (a config error names its variable); rethrown, Node would print the
  // minified source line and a stack of ours first.
  send({ type: "initError", ...describe(err) });
  process.exitCode = 1;
  process.disconnect?.();
}
if (handler !== undefined) serve(handler);

function serve(handler: Handler): void {
  send({ type: "ready", initMs: performance.now() - initStart });
  process.on("message", onInvoke(handler));
  process.on("disconnect", () => process.exit(0));
}

function onInvoke(handler: Handler): (message: InvokeMessage) => void {
  return (message) => {
    if (message?.type !== "invoke") return;
    const context = {
      ...message.context,
      getRemainingTimeInMillis: () => Math.max(0, Number(message.context.deadlineMs) - Date.now()),
    };
    Promise.resolve()
      .then(() => handler(message.event, context))
      .then(
        (value) => send({ type: "result", id: message.id, ok: true, value: value ?? null }),
        (err: unknown) => send({ type: "result", id: message.id, ok: false, ...describe(err) }),
      );
  };
}
