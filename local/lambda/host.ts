import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { createInterface } from "node:readline";

export type InvokeResult = { ok: true; value: unknown } | { ok: false; errorType: string; errorMessage: string };

/**
 * Containers per function when none is configured: a cap on local processes, not a Lambda limit. Lambda's own
 * ceiling is the account's 1,000; locally each container is a Node process (about 70 MB resident, the message zip
 * measured), so the default is small, and an invocation past it waits for a free container.
 */
export const DEFAULT_MAX_CONCURRENCY = 10;

/** What Lambda answers (HTTP 429) to a synchronous invocation past the function's reserved concurrency. */
export const THROTTLED = "TooManyRequestsException";

export interface LambdaHostOptions {
  /** Function name, used in logs and as AWS_LAMBDA_FUNCTION_NAME. */
  readonly name: string;
  readonly zipPath: string;
  /** The function's configured environment (as Terraform would set it). */
  readonly env?: Record<string, string>;
  /** Per-invocation timeout; a hung handler's container is killed and never reused. */
  readonly timeoutMs?: number;
  /** At most this many containers at once (local processes); an invocation past it waits for a free one. */
  readonly maxConcurrency?: number;
  /**
   * The function's reserved concurrency (Terraform's reserved_concurrency): at most this many at once, and an
   * invocation past it is throttled (TooManyRequestsException), as Lambda does; it replaces maxConcurrency.
   * Unset, the function is unreserved: in AWS it scales, so here it waits instead of being throttled.
   */
  readonly reservedConcurrency?: number;
  /** Every line the function writes; default: prefixed with the function name, to stderr. */
  readonly onLog?: (line: string, name: string) => void;
  /** Extra variables of the "platform" (NODE_EXTRA_CA_CERTS in tests); not part of the function's config. */
  readonly platformEnv?: Record<string, string>;
}

/** One execution environment: a child Node process that runs init once, then one invocation at a time. */
interface Container {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  busy: boolean;
  /** The invocation it is running, settled by its result, its timeout or the container's exit. */
  current: ((result: InvokeResult) => void) | undefined;
}

const RUNTIME = join(import.meta.dirname, "runtime.ts");

/**
 * A local stand-in for one Lambda function, following Lambda's model: each container (a child Node process
 * that loads the zip and runs init once) serves one invocation at a time; an invocation that finds no idle
 * container gets a new one (a cold start), up to `maxConcurrency`; past it the invocation is throttled with
 * TooManyRequestsException. A crash or timeout ends the container; it is never reused.
 */
export class LambdaHost {
  readonly options: LambdaHostOptions;
  readonly maxConcurrency: number;
  readonly reservedConcurrency: number | undefined;
  /** Containers started so far (each one a cold start). */
  coldStarts = 0;
  /** Invocations refused because the reserved concurrency was in use. */
  throttles = 0;
  /** Invocations that waited for a free container (unreserved, every allowed container busy). */
  waits = 0;
  /** The most containers alive at once. */
  peakContainers = 0;
  lastInitMs = 0;
  private readonly containers = new Set<Container>();
  /** Invocations waiting for a container, oldest first; each is handed one, or undefined when the host stops. */
  private readonly waiting: ((container: Container | undefined) => void)[] = [];
  private nextId = 1;
  private stopped = false;

  constructor(options: LambdaHostOptions) {
    this.options = options;
    this.reservedConcurrency = options.reservedConcurrency;
    if (
      this.reservedConcurrency !== undefined &&
      !(Number.isInteger(this.reservedConcurrency) && this.reservedConcurrency >= 0)
    )
      throw new RangeError(
        `${options.name}: reservedConcurrency must be a whole number of at least 0, got ${this.reservedConcurrency}`,
      );
    this.maxConcurrency = this.reservedConcurrency ?? options.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY;
    if (
      this.reservedConcurrency === undefined &&
      !(Number.isInteger(this.maxConcurrency) && this.maxConcurrency >= 1)
    ) {
      throw new RangeError(
        `${options.name}: maxConcurrency must be a whole number of at least 1, got ${this.maxConcurrency}`,
      );
    }
  }

  /** Containers alive now, busy or idle. */
  get containerCount(): number {
    return this.containers.size;
  }

  private log(line: string): void {
    if (this.options.onLog) this.options.onLog(line, this.options.name);
    else process.stderr.write(`[${this.options.name}] ${line}\n`);
  }

  /** A line of the host itself (not of the function), as the platform's own lines are in CloudWatch. */
  private report(message: string): void {
    this.log(
      JSON.stringify({ timestamp: new Date().toISOString(), level: "WARN", message, function: this.options.name }),
    );
  }

  /** Hands free capacity (an idle container, or room for a new one) to the invocations waiting, oldest first. */
  private dispatch(): void {
    while (this.waiting.length > 0 && !this.stopped) {
      const container = this.claim();
      if (container === undefined) return;
      this.waiting.shift()?.(container);
    }
  }

  private start(): Container {
    this.coldStarts += 1;
    const child = spawn(process.execPath, [RUNTIME, this.options.zipPath], {
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        TZ: "UTC",
        AWS_REGION: "eu-west-1",
        AWS_DEFAULT_REGION: "eu-west-1",
        AWS_ACCESS_KEY_ID: "local",
        AWS_SECRET_ACCESS_KEY: "local",
        AWS_LAMBDA_FUNCTION_NAME: this.options.name,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "256",
        ...this.options.platformEnv,
        ...this.options.env,
      },
    });
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream }).on("line", (line) => this.log(line));
    }
    let container: Container | undefined;
    const ready = new Promise<void>((resolve, reject) => {
      child.on("message", (message: { type: string; initMs?: number } & Record<string, unknown>) => {
        if (message.type === "ready") {
          this.lastInitMs = message.initMs ?? 0;
          resolve();
        } else if (message.type === "initError") {
          reject(
            new Error(
              `${this.options.name} init failed: ${String(message.errorType)}: ${String(message.errorMessage)}`,
            ),
          );
        } else if (message.type === "result") {
          container?.current?.(message as unknown as InvokeResult);
        }
      });
      // A process that cannot start (no node binary, too many processes) fails like a crashed container.
      child.on("error", (err) => {
        if (container) this.containers.delete(container);
        reject(new Error(`${this.options.name} could not start: ${err.message}`));
        container?.current?.({ ok: false, errorType: "Runtime.ExitError", errorMessage: err.message });
      });
      child.on("exit", (code, signal) => {
        if (container) this.containers.delete(container);
        this.dispatch();
        reject(new Error(`${this.options.name} exited during init (code ${code}, signal ${signal})`));
        container?.current?.({
          ok: false,
          errorType: "Runtime.ExitError",
          errorMessage: `exited (code ${code}, signal ${signal})`,
        });
      });
    });
    // Nobody may be waiting yet (warm() is optional); the rejection is read where the container is used.
    ready.catch(() => undefined);
    container = { child, ready, busy: false, current: undefined };
    this.containers.add(container);
    this.peakContainers = Math.max(this.peakContainers, this.containers.size);
    return container;
  }

  /** Forget a container now, not when its exit is seen, so that no invocation is sent to it again. */
  private retire(container: Container): void {
    this.containers.delete(container);
    container.child.kill("SIGKILL");
    this.dispatch();
  }

  /** An idle container, else a new one if the cap allows, else undefined (throttled). Marks it busy. */
  private claim(): Container | undefined {
    let container = [...this.containers].find((candidate) => !candidate.busy);
    if (container === undefined && this.containers.size < this.maxConcurrency) container = this.start();
    if (container !== undefined) container.busy = true;
    return container;
  }

  /** Start one container now (init), instead of on the first invocation; throws if its init fails. */
  async warm(): Promise<void> {
    const container = [...this.containers][0] ?? this.start();
    try {
      await container.ready;
    } catch (err) {
      this.containers.delete(container);
      throw err;
    }
  }

  async invoke(event: unknown): Promise<InvokeResult> {
    let container = this.claim();
    if (container === undefined && this.reservedConcurrency !== undefined) {
      this.throttles += 1;
      const errorMessage = `Rate Exceeded: ${this.options.name} is at its reserved concurrency of ${this.reservedConcurrency}`;
      this.report(`throttled (${THROTTLED}): ${errorMessage}`);
      return { ok: false, errorType: THROTTLED, errorMessage };
    }
    if (container === undefined) {
      this.waits += 1;
      this.report(
        `waiting for a free container: all ${this.maxConcurrency} are busy (the local process cap, LAMBDA_CONCURRENCY); unreserved, the function would scale in AWS`,
      );
      container = await new Promise<Container | undefined>((resolve) => this.waiting.push(resolve));
      if (container === undefined)
        return { ok: false, errorType: "Runtime.ExitError", errorMessage: "the host stopped while waiting" };
    }
    try {
      await container.ready;
    } catch (err) {
      this.containers.delete(container);
      this.dispatch();
      return { ok: false, errorType: "Runtime.InitError", errorMessage: (err as Error).message };
    }
    if (!container.child.connected) {
      this.containers.delete(container);
      this.dispatch();
      return { ok: false, errorType: "Runtime.ExitError", errorMessage: "container is gone" };
    }
    const id = this.nextId++;
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    const result = await new Promise<InvokeResult>((resolve) => {
      const timer = setTimeout(() => {
        finish({ ok: false, errorType: "Sandbox.Timedout", errorMessage: `Task timed out after ${timeoutMs} ms` });
        this.retire(container);
      }, timeoutMs);
      const finish = (outcome: InvokeResult): void => {
        if (container.current !== finish) return;
        container.current = undefined;
        clearTimeout(timer);
        resolve(
          outcome.ok
            ? { ok: true, value: outcome.value }
            : { ok: false, errorType: outcome.errorType, errorMessage: outcome.errorMessage },
        );
      };
      container.current = finish;
      const context = {
        awsRequestId: randomUUID(),
        functionName: this.options.name,
        functionVersion: "$LATEST",
        memoryLimitInMB: "256",
        deadlineMs: Date.now() + timeoutMs,
      };
      container.child.send({ type: "invoke", id, event, context });
    });
    container.busy = false;
    this.dispatch();
    return result;
  }

  /** End every container; a running invocation fails as a crashed runtime would. */
  async stop(): Promise<void> {
    const children = [...this.containers].map((container) => container.child);
    this.containers.clear();
    this.stopped = true;
    for (const waiter of this.waiting.splice(0)) waiter(undefined);
    await Promise.all(
      children.map((child) => {
        if (child.exitCode !== null || child.signalCode !== null) return undefined;
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        return exited;
      }),
    );
  }
}
