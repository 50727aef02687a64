// One LambdaHost per function the stack names, each loaded from the zip `make build` wrote.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { LambdaHost } from "./host.ts";
import { type ApiDescription, apiFunctionNames } from "../api-description.ts";

export const DIST_DIR = join(import.meta.dirname, "..", "..", "dist");

export class MissingZipError extends Error {
  readonly missing: readonly string[];
  constructor(missing: readonly string[]) {
    super(`missing ${missing.join(", ")}: run \`make build\` first (or \`make dev\`, which builds)`);
    this.name = "MissingZipError";
    this.missing = missing;
  }
}

export interface FunctionHostsOptions {
  readonly api: ApiDescription;
  readonly distDir?: string;
  /** Values for the variables api.json lists per function; a variable with no value is left unset. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly timeoutMs: number;
  /** Containers per function at most (a local process cap; past it invocations wait); default DEFAULT_MAX_CONCURRENCY. */
  readonly maxConcurrency?: number;
  /** Reserved concurrency by function name, as Terraform's reserved_concurrency: past it, throttled. */
  readonly reservedConcurrency?: Readonly<Record<string, number>>;
  readonly onLog?: (line: string, name: string) => void;
}

/** Each function gets exactly the variables api.json gives it, as Terraform sets them. */
export function functionEnv(
  api: ApiDescription,
  name: string,
  values: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of api.functions[name]?.env ?? []) {
    const value = values[variable];
    if (value !== undefined && value !== "") env[variable] = value;
  }
  return env;
}

/** Hosts for every function of the stack; throws MissingZipError naming each zip not built. */
export function createFunctionHosts(options: FunctionHostsOptions): Record<string, LambdaHost> {
  const distDir = options.distDir ?? DIST_DIR;
  const names = apiFunctionNames(options.api);
  const missing = names.map((name) => join(distDir, `${name}.zip`)).filter((path) => !existsSync(path));
  if (missing.length > 0) throw new MissingZipError(missing);
  return Object.fromEntries(
    names.map((name) => [
      name,
      new LambdaHost({
        name,
        zipPath: join(distDir, `${name}.zip`),
        env: functionEnv(options.api, name, options.env),
        timeoutMs: options.timeoutMs,
        ...(options.maxConcurrency === undefined ? {} : { maxConcurrency: options.maxConcurrency }),
        ...(options.reservedConcurrency?.[name] === undefined
          ? {}
          : { reservedConcurrency: options.reservedConcurrency[name] }),
        ...(options.onLog ? { onLog: options.onLog } : {}),
      }),
    ]),
  );
}

export async function stopFunctionHosts(hosts: Readonly<Record<string, LambdaHost>>): Promise<void> {
  await Promise.all(Object.values(hosts).map((host) => host.stop()));
}
