// functions/stack.json is the one description of the API that Terraform also reads: the gateway takes its
// routes, its authoriser and its identity sources from there, never from a copy.
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const STACK_PATH = join(import.meta.dirname, "..", "..", "functions", "stack.json");

export interface StackAuthoriser {
  readonly function: string;
  readonly route: string;
  /**
   * Identity-source template per token location, e.g. `route.request.querystring.{TOKEN_QUERY_PARAM}`; empty for
   * none (`any`: API Gateway then calls the authoriser on every $connect, which finds the token itself).
   */
  readonly tokenLocations: Readonly<Record<string, string>>;
}

export interface StackFunction {
  readonly env: readonly string[];
  readonly managesConnections: boolean;
}

export interface Stack {
  readonly routeSelectionExpression: string;
  readonly authoriser: StackAuthoriser | undefined;
  /** API Gateway route key -> function folder name. */
  readonly routes: Readonly<Record<string, string>>;
  readonly functions: Readonly<Record<string, StackFunction>>;
}

/** Where the gateway looks for one identity source: a header (case-insensitive) or a query parameter. */
export interface IdentitySource {
  readonly kind: "header" | "querystring";
  readonly name: string;
  /** As written in Terraform: `route.request.header.Sec-WebSocket-Protocol`. */
  readonly expression: string;
}

export class StackError extends Error {
  constructor(message: string) {
    super(`functions/stack.json: ${message}`);
    this.name = "StackError";
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringRecord(value: unknown, what: string): Record<string, string> {
  if (!isRecord(value) || !Object.values(value).every((item) => typeof item === "string")) {
    throw new StackError(`${what} must be an object of strings`);
  }
  return value as Record<string, string>;
}

export function parseStack(raw: unknown): Stack {
  if (!isRecord(raw)) throw new StackError("expected a JSON object");
  const routes = stringRecord(raw.routes, "routes");
  if (raw.routeSelectionExpression !== "$request.body.action") {
    throw new StackError("routeSelectionExpression: the local gateway supports $request.body.action only");
  }
  const functions: Record<string, StackFunction> = {};
  for (const [name, value] of Object.entries(isRecord(raw.functions) ? raw.functions : {})) {
    const env = isRecord(value) && Array.isArray(value.env) ? value.env.filter((item): item is string => typeof item === "string") : [];
    functions[name] = Object.freeze({ env: Object.freeze(env), managesConnections: isRecord(value) && value.managesConnections === true });
  }
  let authoriser: StackAuthoriser | undefined;
  if (raw.authoriser !== undefined) {
    const value = raw.authoriser;
    if (!isRecord(value) || typeof value.function !== "string" || typeof value.route !== "string") {
      throw new StackError("authoriser must have a function and a route");
    }
    authoriser = Object.freeze({
      function: value.function,
      route: value.route,
      tokenLocations: Object.freeze(stringRecord(value.tokenLocations, "authoriser.tokenLocations")),
    });
  }
  return Object.freeze({
    routeSelectionExpression: raw.routeSelectionExpression,
    authoriser,
    routes: Object.freeze(routes),
    functions: Object.freeze(functions),
  });
}

export function loadStack(path: string = STACK_PATH): Stack {
  return parseStack(JSON.parse(readFileSync(path, "utf8")));
}

/** Every function the stack invokes: the authoriser and each route's integration. */
export function stackFunctionNames(stack: Stack): string[] {
  const names = new Set(Object.values(stack.routes));
  if (stack.authoriser) names.add(stack.authoriser.function);
  return [...names].sort();
}

const SOURCE = /^route\.request\.(header|querystring)\.([A-Za-z0-9_.~-]+)$/;

/** The identity sources of one token location, with `{VAR}` placeholders filled as Terraform fills them. */
export function identitySources(stack: Stack, location: string, vars: Readonly<Record<string, string>>): IdentitySource[] {
  const template = stack.authoriser?.tokenLocations[location];
  if (template === undefined) {
    const known = Object.keys(stack.authoriser?.tokenLocations ?? {}).join(", ");
    throw new StackError(`no token location "${location}" (known: ${known || "none"})`);
  }
  if (template.trim() === "") return [];
  return template.split(",").map((part) => {
    const expression = part.trim().replace(/\{([A-Z_]+)\}/g, (whole, name: string) => {
      const value = vars[name];
      if (value === undefined) throw new StackError(`token location "${location}" needs ${name}`);
      return value;
    });
    const match = SOURCE.exec(expression);
    if (!match) throw new StackError(`identity source "${expression}" is not route.request.header|querystring.<name>`);
    return Object.freeze({ kind: match[1] as "header" | "querystring", name: match[2] as string, expression });
  });
}
