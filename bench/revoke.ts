// The direct path of revocation on the local stack: how long the revoke zip takes to close every connection of one
// user (1,000 by default) among other users' connections, each told `revoked` before its close. Loopback only.
import type { WebSocket } from "ws";
import { DEFAULT_GATEWAY_CONFIG } from "../local/gateway/config.ts";
import { startLocalStack } from "../local/stack.ts";
import { open } from "./gateway.ts";

export interface RevokeBenchResult {
  readonly connections: number;
  readonly others: number;
  /** Invokes until the answer said no `more`. */
  readonly invocations: number;
  readonly closed: number;
  /** From the first invoke to the last of the user's sockets closing. */
  readonly allClosedMs: number;
  /** The revoke function's own time (the invokes, summed). */
  readonly invokeMs: number;
}

async function openMany(url: string, count: number): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  while (sockets.length < count)
    sockets.push(...(await Promise.all(Array.from({ length: Math.min(10, count - sockets.length) }, () => open(url)))));
  return sockets;
}

export async function measureRevoke(options: { connections: number; others: number }): Promise<RevokeBenchResult> {
  const stack = await startLocalStack({
    config: { ...DEFAULT_GATEWAY_CONFIG, port: 0, lambdaTimeoutMs: 120_000 },
    onLog: () => undefined,
  });
  const sockets: WebSocket[] = [];
  try {
    const urlFor = (username: string) =>
      `${stack.gateway.url}?${stack.tokenQueryParam}=${encodeURIComponent(stack.issuer.mint({ username }))}`;
    const mine = await openMany(urlFor("revoked-user"), options.connections);
    sockets.push(...mine, ...(await openMany(urlFor("other-user"), options.others)));
    let open = mine.length;
    let told = 0;
    const allClosed = new Promise<number>((resolve) => {
      for (const ws of mine) {
        ws.once("message", (data) => {
          if (String(data) === '{"type":"revoked"}') told += 1;
        });
        ws.once("close", () => {
          open -= 1;
          if (open === 0) resolve(performance.now());
        });
      }
    });
    const sub = stack.issuer.subFor("revoked-user");
    const started = performance.now();
    let invocations = 0;
    let closed = 0;
    let invokeMs = 0;
    for (let more = true; more; ) {
      const t = performance.now();
      const answer = await stack.hosts.revoke?.invoke({ sub, requestedBy: "make bench" });
      invokeMs += performance.now() - t;
      invocations += 1;
      if (!answer?.ok) throw new Error(`revoke failed: ${JSON.stringify(answer)}`);
      const value = answer.value as { closed: number; more: boolean };
      closed += value.closed;
      more = value.more;
      if (invocations > 10) throw new Error("revoke still answers more after 10 invocations");
    }
    const allClosedMs = (await allClosed) - started;
    if (told !== mine.length) throw new Error(`${mine.length - told} connections closed without being told revoked`);
    return { connections: mine.length, others: options.others, invocations, closed, allClosedMs, invokeMs };
  } finally {
    for (const ws of sockets) ws.terminate();
    await stack.close();
  }
}
