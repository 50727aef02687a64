// The local gateway (make dev's stack, built zips in Lambda-like containers): $connect handshakes per second
// through the authoriser and connect functions, and message round trips with 1, 100 and 1,000 open connections.
import { WebSocket } from "ws";
import { DEFAULT_GATEWAY_CONFIG } from "../local/gateway/config.ts";
import { startLocalStack } from "../local/stack.ts";
import { quantile } from "./lib/stats.ts";

export interface GatewayResult {
  readonly handshakes: {
    readonly count: number;
    readonly concurrency: number;
    readonly perSecond: number;
    readonly p50Ms: number;
    readonly p99Ms: number;
  };
  readonly roundTrips: ReadonlyArray<{
    readonly open: number;
    readonly messages: number;
    readonly p50Ms: number;
    readonly p99Ms: number;
    readonly burstP50Ms: number;
    readonly burstP99Ms: number;
    /** Burst messages Lambda throttled past the concurrency cap (API Gateway answers "Internal server error"). */
    readonly burstThrottled: number;
  }>;
  readonly concurrencyCap: number;
}

/** A WebSocket once its handshake is accepted; the refusal as an error. */
export function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) => reject(new Error(`handshake refused: ${res.statusCode}`)));
  });
}

const THROTTLED = "Internal server error";

/** Milliseconds to the reply, or "throttled" when the message function was over its concurrency cap. */
function roundTrip(ws: WebSocket, index: number): Promise<number | "throttled"> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    ws.once("message", (data) => {
      const reply = JSON.parse(String(data)) as { type?: string; message?: string };
      if (reply.type === "reply") resolve(performance.now() - started);
      else if (reply.message === THROTTLED) resolve("throttled");
      else reject(new Error(`unexpected reply ${String(data)}`));
    });
    ws.send(JSON.stringify({ action: "ping", index }));
  });
}

/** Run `tasks` with at most `limit` in flight. */
async function pool<T>(count: number, limit: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async () => {
      while (next < count) {
        const index = next++;
        results[index] = await task(index);
      }
    }),
  );
  return results;
}

export async function measureGateway(options: {
  handshakes: number;
  messages: number;
  openCounts: readonly number[];
}): Promise<GatewayResult> {
  // A burst of 1,000 messages is 1,000 registry reads queued at one local moto: the default 10 s cap is too short.
  const stack = await startLocalStack({
    config: { ...DEFAULT_GATEWAY_CONFIG, port: 0, lambdaTimeoutMs: 120_000 },
    onLog: () => undefined,
  });
  const sockets: WebSocket[] = [];
  try {
    const token = stack.issuer.mint({ username: "bench", groups: ["bench"] });
    const url = `${stack.gateway.url}?${stack.tokenQueryParam}=${encodeURIComponent(token)}`;

    // Handshakes: each one runs the authoriser and the connect function.
    const concurrency = 10;
    const started = performance.now();
    const latencies = await pool(options.handshakes, concurrency, async () => {
      const t = performance.now();
      sockets.push(await open(url));
      return performance.now() - t;
    });
    const elapsedS = (performance.now() - started) / 1000;
    const handshakes = {
      count: options.handshakes,
      concurrency,
      perSecond: options.handshakes / elapsedS,
      p50Ms: quantile(latencies, 0.5),
      p99Ms: quantile(latencies, 0.99),
    };
    for (const ws of sockets.splice(0)) ws.terminate();

    const roundTrips: Array<GatewayResult["roundTrips"][number]> = [];
    for (const count of options.openCounts) {
      while (sockets.length < count)
        sockets.push(...(await pool(Math.min(50, count - sockets.length), 10, () => open(url))));
      // Sequential round trips, spread over the open connections, while the others stay open and idle; the
      // first half-batch only warms the path (JIT, sockets).
      for (let i = 0; i < options.messages / 2; i += 1) await roundTrip(sockets[i % sockets.length] as WebSocket, i);
      const sequential: number[] = [];
      for (let i = 0; i < options.messages; i += 1) {
        const ms = await roundTrip(sockets[i % sockets.length] as WebSocket, i);
        if (ms === "throttled") throw new Error("a sequential message was throttled: nothing else was running");
        sequential.push(ms);
      }
      // Burst: every open connection sends one message at once; past the process cap an invocation waits for a
      // container (unreserved, as Terraform deploys by default); only RESERVED_CONCURRENCY throttles.
      const outcomes = await Promise.all(sockets.map((ws, i) => roundTrip(ws, i)));
      const burst = outcomes.filter((outcome): outcome is number => outcome !== "throttled");
      roundTrips.push({
        open: count,
        messages: options.messages,
        p50Ms: quantile(sequential, 0.5),
        p99Ms: quantile(sequential, 0.99),
        burstP50Ms: quantile(burst, 0.5),
        burstP99Ms: quantile(burst, 0.99),
        burstThrottled: outcomes.length - burst.length,
      });
    }
    return { handshakes, roundTrips, concurrencyCap: stack.gateway.options.config.lambdaConcurrency };
  } finally {
    for (const ws of sockets) ws.terminate();
    await stack.close();
  }
}
