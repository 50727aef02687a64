// functions/api.json is the one description of the API that Terraform also reads: the gateway takes its
// routes, its authoriser and its identity sources from there, never from a copy.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  parseRouteRequirements,
  ROUTE_REQUIREMENTS_VARIABLE,
  type RouteRequirement,
} from "../functions/shared/route-authorisation.ts";
import { isRecord } from "../functions/shared/is-record.ts";

export const API_DESCRIPTION_PATH = join(import.meta.dirname, "..", "functions", "api.json");

export interface ApiAuthoriser {
  readonly function: string;
  readonly route: string;
  /**
   * Identity-source template per token location, e.g. `route.request.querystring.{TOKEN_QUERY_PARAM}`; empty for
   * none (`any`: API Gateway then calls the authoriser on every $connect, which finds the token itself).
   */
  readonly tokenLocations: Readonly<Record<string, string>>;
}

export interface ApiFunction {
  readonly env: readonly string[];
  readonly managesConnections: boolean;
}

export interface ApiDescription {
  readonly routeSelectionExpression: string;
  readonly authoriser: ApiAuthoriser | undefined;
  /** API Gateway route key -> function folder name. */
  readonly routes: Readonly<Record<string, string>>;
  readonly functions: Readonly<Record<string, ApiFunction>>;
  /** Functions run on a timer (EventBridge in AWS, SWEEP_INTERVAL_SECONDS locally), not by a route. */
  readonly scheduled: readonly string[];
  /** Functions invoked directly (`aws lambda invoke`, EventBridge), neither by a route nor a timer: `revoke`. */
  readonly invoked: readonly string[];
  /** Route key -> the groups and scopes it needs beyond $connect (`routeAuthorisation`; absent: none). */
  readonly routeAuthorisation: Readonly<Record<string, RouteRequirement>>;
}

/** Where the gateway looks for one identity source: a header (case-insensitive) or a query parameter. */
export interface IdentitySource {
  readonly kind: "header" | "querystring";
  readonly name: string;
  /** As written in Terraform: `route.request.header.Sec-WebSocket-Protocol`. */
  readonly expression: string;
}

export class ApiDescriptionError extends Error {
  constructor(message: string) {
    super(`functions/api.json: ${message}`);
    this.name = "ApiDescriptionError";
  }
}

function stringRecord(value: unknown, what: string): Record<string, string> {
  if (!isRecord(value) || !Object.values(value).every((item) => typeof item === "string")) {
    throw new ApiDescriptionError(`${what} must be an object of strings`);
  }
  return value as Record<string, string>;
}

export function parseApiDescription(raw: unknown): ApiDescription {
  if (!isRecord(raw)) throw new ApiDescriptionError("expected a JSON object");
  const routes = stringRecord(raw.routes, "routes");
  if (raw.routeSelectionExpression !== "$request.body.action") {
    throw new ApiDescriptionError("routeSelectionExpression: the local gateway supports $request.body.action only");
  }
  const functions: Record<string, ApiFunction> = {};
  for (const [name, value] of Object.entries(isRecord(raw.functions) ? raw.functions : {})) {
    const env =
      isRecord(value) && Array.isArray(value.env)
        ? value.env.filter((item): item is string => typeof item === "string")
        : [];
    functions[name] = Object.freeze({
      env: Object.freeze(env),
      managesConnections: isRecord(value) && value.managesConnections === true,
    });
  }
  let authoriser: ApiAuthoriser | undefined;
  if (raw.authoriser !== undefined) {
    const value = raw.authoriser;
    if (!isRecord(value) || typeof value.function !== "string" || typeof value.route !== "string") {
      throw new ApiDescriptionError("authoriser must have a function and a route");
    }
    authoriser = Object.freeze({
      function: value.function,
      route: value.route,
      tokenLocations: Object.freeze(stringRecord(value.tokenLocations, "authoriser.tokenLocations")),
    });
  }
  const names = (value: unknown): string[] =>
    Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
  const scheduled = names(raw.scheduled);
  const invoked = names(raw.invoked);
  const routeAuthorisation = parseRouteAuthorisation(raw.routeAuthorisation, routes, functions);
  return Object.freeze({
    routeSelectionExpression: raw.routeSelectionExpression,
    authoriser,
    routes: Object.freeze(routes),
    functions: Object.freeze(functions),
    scheduled: Object.freeze(scheduled),
    invoked: Object.freeze(invoked),
    routeAuthorisation,
  });
}

/**
 * `routeAuthorisation`, checked as the route handlers check ROUTE_REQUIREMENTS, and against the routes: a
 * declaration is refused unless its route exists and the route's function reads ROUTE_REQUIREMENTS (else the
 * declaration would be silently unenforced).
 */
function parseRouteAuthorisation(
  raw: unknown,
  routes: Readonly<Record<string, string>>,
  functions: Readonly<Record<string, ApiFunction>>,
): Readonly<Record<string, RouteRequirement>> {
  if (raw === undefined) return Object.freeze({});
  let requirements: ReturnType<typeof parseRouteRequirements>;
  try {
    requirements = parseRouteRequirements(raw);
  } catch (err) {
    throw new ApiDescriptionError(`routeAuthorisation: ${(err as Error).message}`);
  }
  for (const route of requirements.keys()) {
    const name = Object.hasOwn(routes, route) ? routes[route] : undefined;
    if (name === undefined) throw new ApiDescriptionError(`routeAuthorisation: route "${route}" is not in routes`);
    if (!functions[name]?.env.includes(ROUTE_REQUIREMENTS_VARIABLE)) {
      throw new ApiDescriptionError(
        `routeAuthorisation: route "${route}" runs ${name}, which does not read ${ROUTE_REQUIREMENTS_VARIABLE}`,
      );
    }
  }
  return Object.freeze(Object.fromEntries(requirements));
}

/** ROUTE_REQUIREMENTS as Terraform sets it from api.json: unset when no route declares anything. */
export function routeRequirementsValue(api: ApiDescription): string | undefined {
  return Object.keys(api.routeAuthorisation).length === 0 ? undefined : JSON.stringify(api.routeAuthorisation);
}

export function loadApiDescription(path: string = API_DESCRIPTION_PATH): ApiDescription {
  return parseApiDescription(JSON.parse(readFileSync(path, "utf8")));
}

/** Every function of the stack: the authoriser, each route's integration, the scheduled and the invoked ones. */
export function apiFunctionNames(api: ApiDescription): string[] {
  const names = new Set([...Object.values(api.routes), ...api.scheduled, ...api.invoked]);
  if (api.authoriser) names.add(api.authoriser.function);
  return [...names].sort();
}

const SOURCE = /^route\.request\.(header|querystring)\.([A-Za-z0-9_.~-]+)$/;

/** The identity sources of one token location, with `{VAR}` placeholders filled as Terraform fills them. */
export function identitySources(
  api: ApiDescription,
  location: string,
  vars: Readonly<Record<string, string>>,
): IdentitySource[] {
  const template = api.authoriser?.tokenLocations[location];
  if (template === undefined) {
    const known = Object.keys(api.authoriser?.tokenLocations ?? {}).join(", ");
    throw new ApiDescriptionError(`no token location "${location}" (known: ${known || "none"})`);
  }
  if (template.trim() === "") return [];
  return template.split(",").map((part) => {
    const expression = part.trim().replace(/\{([A-Z_]+)\}/g, (_whole, name: string) => {
      const value = vars[name];
      if (value === undefined) throw new ApiDescriptionError(`token location "${location}" needs ${name}`);
      return value;
    });
    const match = SOURCE.exec(expression);
    if (!match)
      throw new ApiDescriptionError(`identity source "${expression}" is not route.request.header|querystring.<name>`);
    return Object.freeze({ kind: match[1] as "header" | "querystring", name: match[2] as string, expression });
  });
}
