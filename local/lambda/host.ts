import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { createInterface } from "node:readline";

export type InvokeResult =
  | { ok: true; value: unknown }
  | { ok: false; errorType: string; errorMessage: string };

export interface LambdaHostOptions {
  /** Function name, used in logs and as AWS_LAMBDA_FUNCTION_NAME. */
  readonly name: string;
  readonly zipPath: string;
  /** The function's configured environment (as Terraform would set it). */
  readonly env?: Record<string, string>;
  /** Per-invocation timeout; a hung handler is killed and its container replaced on the next call. */
  readonly timeoutMs?: number;
  /** Every line the function writes; default: prefixed with the function name, to stderr. */
  readonly onLog?: (line: string, name: string) => void;
  /** Extra variables of the "platform" (NODE_EXTRA_CA_CERTS in tests); not part of the function's config. */
  readonly platformEnv?: Record<string, string>;
}

interface Pending {
  resolve: (result: InvokeResult) => void;
  timer: NodeJS.Timeout;
  /** The container the invocation went to: only its exit fails the invocation. */
  child: ChildProcess;
}

const RUNTIME = join(import.meta.dirname, "runtime.ts");

/**
 * A local stand-in for one Lambda function: the zip is loaded in a child Node process (the "container"),
 * init runs once, invocations are sent over IPC. A crash or timeout ends the container; the next call starts
 * a new one (a cold start), as Lambda would.
 */
export class LambdaHost {
  readonly options: LambdaHostOptions;
  coldStarts = 0;
  lastInitMs = 0;
  private child: ChildProcess | undefined;
  private ready: Promise<void> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(options: LambdaHostOptions) {
    this.options = options;
  }

  private log(line: string): void {
    if (this.options.onLog) this.options.onLog(line, this.options.name);
    else process.stderr.write(`[${this.options.name}] ${line}\n`);
  }

  private start(): Promise<void> {
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
        NODE_OPTIONS: "--enable-source-maps",
        ...this.options.platformEnv,
        ...this.options.env,
      },
    });
    this.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream }).on("line", (line) => this.log(line));
    }
    const ready = new Promise<void>((resolve, reject) => {
      child.on("message", (message: { type: string; id?: number; initMs?: number } & Record<string, unknown>) => {
        if (message.type === "ready") {
          this.lastInitMs = message.initMs ?? 0;
          resolve();
        } else if (message.type === "initError") {
          reject(new Error(`${this.options.name} init failed: ${String(message.errorType)}: ${String(message.errorMessage)}`));
        } else if (message.type === "result" && message.id !== undefined) {
          this.settle(message.id, message as unknown as InvokeResult);
        }
      });
      child.on("exit", (code, signal) => {
        this.discard(child);
        reject(new Error(`${this.options.name} exited during init (code ${code}, signal ${signal})`));
        for (const [id, pending] of [...this.pending]) {
          if (pending.child !== child) continue;
          this.settle(id, { ok: false, errorType: "Runtime.ExitError", errorMessage: `exited (code ${code}, signal ${signal})` });
        }
      });
    });
    return ready;
  }

  private discard(child: ChildProcess): void {
    if (this.child !== child) return;
    this.child = undefined;
    this.ready = undefined;
  }

  private settle(id: number, result: InvokeResult): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    pending.resolve(result.ok ? { ok: true, value: result.value } : { ok: false, errorType: result.errorType, errorMessage: result.errorMessage });
  }

  /** Start the container now (init), instead of on the first invocation. */
  async warm(): Promise<void> {
    this.ready ??= this.start();
    await this.ready;
  }

  async invoke(event: unknown): Promise<InvokeResult> {
    try {
      await this.warm();
    } catch (err) {
      this.ready = undefined;
      return { ok: false, errorType: "Runtime.InitError", errorMessage: (err as Error).message };
    }
    const child = this.child;
    if (!child?.connected) return { ok: false, errorType: "Runtime.ExitError", errorMessage: "container is gone" };
    const id = this.nextId++;
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    return new Promise<InvokeResult>((resolve) => {
      const timer = setTimeout(() => {
        this.settle(id, { ok: false, errorType: "Sandbox.Timedout", errorMessage: `Task timed out after ${timeoutMs} ms` });
        // Forget the container now, not when its exit is seen: the next call must start a fresh one.
        this.discard(child);
        child.kill("SIGKILL");
      }, timeoutMs);
      this.pending.set(id, { resolve, timer, child });
      const context = {
        awsRequestId: randomUUID(),
        functionName: this.options.name,
        functionVersion: "$LATEST",
        memoryLimitInMB: "256",
        deadlineMs: Date.now() + timeoutMs,
      };
      child.send({ type: "invoke", id, event, context });
    });
  }

  /** End the container; pending invocations fail as a crashed runtime would. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
}
