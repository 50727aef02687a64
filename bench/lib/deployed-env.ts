// The environment Terraform gives each function, read from terraform/ (not repeated here): what the
// lambda-function module adds to every function (NODE_OPTIONS, say), and the variables the root module sets per
// function, with the Terraform defaults where a variable has one. Values only a deployment knows (the pool id, the
// table name, the keys) come from the bench's own fixtures.
import { parse } from "@cdktf/hcl2json";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

type Locals = Record<string, unknown>;

async function parseDir(dir: string): Promise<{ locals: Locals; defaults: Record<string, unknown> }> {
  const locals: Locals = {};
  const defaults: Record<string, unknown> = {};
  for (const file of readdirSync(dir).filter((name) => name.endsWith(".tf"))) {
    const parsed = (await parse(file, readFileSync(join(dir, file), "utf8"))) as {
      locals?: Locals[];
      variable?: Record<string, Array<{ default?: unknown }>>;
    };
    for (const block of parsed.locals ?? []) Object.assign(locals, block);
    for (const [name, blocks] of Object.entries(parsed.variable ?? {})) defaults[name] = blocks[0]?.default ?? null;
  }
  return { locals, defaults };
}

export interface DeployedEnvironment {
  /** Set by modules/lambda-function on every function (literal values only). */
  readonly moduleEnv: Readonly<Record<string, string>>;
  /** Per function: the variables the root module sets, with Terraform's default or the fixture's value. */
  forFunction(name: string, fixture: Readonly<Record<string, string>>): Record<string, string>;
}

/** Reads `<terraformDir>/modules/lambda-function` and `<terraformDir>` (the root module). */
export async function readDeployedEnvironment(terraformDir: string): Promise<DeployedEnvironment> {
  const moduleDir = join(terraformDir, "modules", "lambda-function");
  if (!existsSync(moduleDir)) throw new Error(`bench: no ${moduleDir} to read the deployed environment from`);
  const lambdaModule = await parseDir(moduleDir);
  const moduleEnv: Record<string, string> = {};
  for (const match of String(lambdaModule.locals.environment ?? "").matchAll(/\b([A-Z][A-Z0-9_]*)\s*=\s*"([^"]*)"/g))
    moduleEnv[match[1] as string] = match[2] as string;

  const root = await parseDir(terraformDir);
  const perFunction = root.locals.function_environment as Record<string, string> | undefined;
  if (perFunction === undefined) throw new Error("bench: terraform/ has no local.function_environment");
  return {
    moduleEnv,
    forFunction(name, fixture) {
      const expression = perFunction[name];
      if (expression === undefined) throw new Error(`bench: local.function_environment has no ${name}`);
      const env: Record<string, string> = { ...moduleEnv };
      for (const [, local] of expression.matchAll(/local\.(\w+)/g)) {
        const variables = root.locals[local as string] as Record<string, string> | undefined;
        for (const [variable, value] of Object.entries(variables ?? {})) {
          const byDefault = /^\$\{(?:tostring\()?var\.(\w+)\)?\}$/.exec(value);
          const fallback = byDefault ? root.defaults[byDefault[1] as string] : null;
          const chosen =
            fixture[variable] ?? (fallback === null || fallback === undefined ? undefined : String(fallback));
          if (chosen !== undefined) env[variable] = chosen;
        }
      }
      return env;
    },
  };
}
