// moto's server on loopback: the DynamoDB the connection registry uses in `make dev` and the tests (a DynamoDB we
// did not write). Installed on first use by scripts/moto.sh into the tools cache.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { promisify } from "node:util";

const MOTO_SCRIPT = join(import.meta.dirname, "..", "scripts", "moto.sh");
const READY_WITHIN_MS = 30_000;

/** moto_server's main, plus a thread that exits the process when stdin (a pipe from the parent) reaches EOF. */
const EXIT_WITH_PARENT = [
  "import os, sys, threading",
  "from moto.server import main",
  "def exit_with_parent():",
  "    while sys.stdin.buffer.read(65536):",
  "        pass",
  "    os._exit(0)",
  "threading.Thread(target=exit_with_parent, daemon=True).start()",
  "main(sys.argv[1:])",
].join("\n");

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export class MotoProcess {
  readonly endpoint: string;
  private readonly child: ChildProcess;
  private readonly output: string[] = [];

  private constructor(endpoint: string, child: ChildProcess) {
    this.endpoint = endpoint;
    this.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      stream?.on("data", (chunk: Buffer) => {
        if (this.output.length < 200) this.output.push(chunk.toString());
      });
    }
  }

  /** Install moto if needed (progress on stderr), start it on a free loopback port, wait until it answers. */
  static async start(onProgress: (line: string) => void = (line) => process.stderr.write(line)): Promise<MotoProcess> {
    const install = promisify(execFile)(MOTO_SCRIPT, [], { timeout: 600_000 });
    install.child.stderr?.on("data", (chunk: Buffer) => onProgress(chunk.toString()));
    const { stdout } = await install;
    const binary = stdout.trim().split("\n").at(-1) as string;
    const port = await freePort();
    // moto's own Python runs the server behind a watch on stdin: EOF means this process is gone, however it died
    // (SIGKILL included, where no exit hook runs and a process group is not signalled).
    const python = join(dirname(binary), "python");
    const child = spawn(python, ["-c", EXIT_WITH_PARENT, "-H", "127.0.0.1", "-p", String(port)], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    const moto = new MotoProcess(`http://127.0.0.1:${port}`, child);
    const deadline = Date.now() + READY_WITHIN_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`moto_server exited: ${moto.output.join("").slice(-2000)}`);
      try {
        if ((await fetch(`${moto.endpoint}/moto-api/`, { signal: AbortSignal.timeout(1_000) })).status < 500)
          return moto;
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    await moto.stop();
    throw new Error(`moto_server did not answer within ${READY_WITHIN_MS} ms`);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }

  /** A moto shared by a whole test run: it no longer holds the process open, and dies with it. */
  shareForProcessLifetime(): this {
    this.child.unref();
    for (const stream of [this.child.stdin, this.child.stdout, this.child.stderr])
      (stream as unknown as { unref?: () => void } | null)?.unref?.();
    process.once("exit", () => this.kill());
    return this;
  }

  /** For process-exit hooks, where nothing can be awaited. */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }
}
