// The EventBridge schedule of the local stack: the scheduled functions (the sweeper) every SWEEP_INTERVAL_SECONDS.
import type { InvokeResult } from "./lambda/host.ts";
import { GatewayConfigError } from "./gateway/config.ts";

export const DEFAULT_SWEEP_INTERVAL_SECONDS = 60;

export interface ScheduledFunction {
  invoke(event: unknown): Promise<InvokeResult>;
}

export interface SweepRun {
  readonly startedAt: number;
  readonly endedAt: number;
}

export interface Sweeper {
  /** The latest runs (up to 100), oldest first, in epoch milliseconds: what the bound is measured against. */
  readonly runs: readonly SweepRun[];
  /** One run now (after the one in flight, if any); resolves with each function's result. */
  sweepNow(): Promise<InvokeResult[]>;
  stop(): Promise<void>;
}

/** SWEEP_INTERVAL_SECONDS: whole seconds from 1 to 3600 (EventBridge's floor is one minute; tests use 1). */
export function parseSweepInterval(env: Readonly<Record<string, string | undefined>>): number {
  const raw = env.SWEEP_INTERVAL_SECONDS?.trim();
  if (raw === undefined || raw === "") return DEFAULT_SWEEP_INTERVAL_SECONDS * 1000;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > 3600)
    throw new GatewayConfigError("SWEEP_INTERVAL_SECONDS", "a whole number from 1 to 3600", raw);
  return value * 1000;
}

/** An EventBridge scheduled event, as Lambda receives it. */
function scheduledEvent(): Record<string, unknown> {
  return {
    version: "0",
    id: crypto.randomUUID(),
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: "123456789012",
    time: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    region: "eu-west-1",
    resources: ["arn:aws:events:eu-west-1:123456789012:rule/local-sweep"],
    detail: {},
  };
}

/** Runs never overlap: a run still going when the timer fires is followed by one more, not joined by a second. */
export function startSweeper(
  functions: readonly ScheduledFunction[],
  intervalMs: number,
  onLog?: (line: string) => void,
): Sweeper {
  let chain: Promise<InvokeResult[]> = Promise.resolve([]);
  let stopped = false;
  const runs: SweepRun[] = [];
  const run = (): Promise<InvokeResult[]> => {
    chain = chain.then(async () => {
      const startedAt = Date.now();
      const results = await Promise.all(functions.map((fn) => fn.invoke(scheduledEvent())));
      runs.push({ startedAt, endedAt: Date.now() });
      if (runs.length > 100) runs.shift();
      for (const result of results) {
        if (!result.ok)
          onLog?.(
            JSON.stringify({
              message: "scheduled run failed",
              errorType: result.errorType,
              errorMessage: result.errorMessage,
            }),
          );
      }
      return results;
    });
    return chain;
  };
  let pending = false;
  const timer = setInterval(() => {
    if (stopped || pending) return;
    pending = true;
    void run().finally(() => (pending = false));
  }, intervalMs);
  timer.unref();
  return {
    runs,
    sweepNow: run,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await chain.catch(() => undefined);
    },
  };
}
