// Per-route authorisation: the groups and scopes a route needs beyond $connect, as functions/api.json's
// `routeAuthorisation` declares them and ROUTE_REQUIREMENTS carries them to each route handler.
import { WsAuthError } from "./errors.ts";
import { isInAnyGroup } from "./groups.ts";
import type { CurrentIdentity } from "./identity.ts";
import { isRecord } from "./is-record.ts";

export const ROUTE_REQUIREMENTS_VARIABLE = "ROUTE_REQUIREMENTS";

/** Routes every connection keeps (to open, to close, to stay signed in): a declaration for one is refused. */
export const UNRESTRICTABLE_ROUTES: readonly string[] = Object.freeze(["$connect", "$disconnect", "refresh"]);

/** What one route needs. Groups: any one of them (as REQUIRED_GROUPS); scopes: every one of them. */
export interface RouteRequirement {
  readonly requiredGroups?: readonly string[];
  readonly requiredScopes?: readonly string[];
}

export type RouteRequirements = ReadonlyMap<string, RouteRequirement>;

export type RouteDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: "no_identity" | "missing_group" | "missing_scope" };

/** What a refused message is answered with; the connection stays open. */
export interface ForbiddenReply {
  readonly type: "error";
  readonly error: "forbidden";
  readonly route: string;
}

/** A bad ROUTE_REQUIREMENTS at init: names the variable and what is wrong, never a crash on the first message. */
export class RouteRequirementsError extends WsAuthError {
  readonly variable = ROUTE_REQUIREMENTS_VARIABLE;
  constructor(detail: string, options?: ErrorOptions) {
    super(`${ROUTE_REQUIREMENTS_VARIABLE}: ${detail}`, options);
    this.name = "RouteRequirementsError";
  }
}

const FIELDS = ["requiredGroups", "requiredScopes"] as const;

/** A declared list must name something: an empty list or blank name would read as "no check" by mistake. */
function nameList(value: unknown, where: string): readonly string[] {
  const valid = (name: unknown) => typeof name === "string" && name !== "" && name.trim() === name;
  if (!Array.isArray(value) || value.length === 0 || !value.every(valid)) {
    throw new Error(`${where}: expected a non-empty list of names without surrounding spaces`);
  }
  return Object.freeze([...(value as string[])]);
}

/**
 * Route key -> requirement, checked strictly (an unknown field or an empty list is a mistake that would leave a
 * route open, so it is refused, never ignored). Throws a plain Error naming the route; callers say which file or
 * variable it came from.
 */
export function parseRouteRequirements(raw: unknown): RouteRequirements {
  if (!isRecord(raw)) throw new Error("expected an object of route key -> { requiredGroups, requiredScopes }");
  const requirements = new Map<string, RouteRequirement>();
  for (const [route, value] of Object.entries(raw)) {
    if (UNRESTRICTABLE_ROUTES.includes(route)) {
      throw new Error(
        `route "${route}" cannot be restricted: every connection keeps ${UNRESTRICTABLE_ROUTES.join(", ")}`,
      );
    }
    if (!isRecord(value)) throw new Error(`route "${route}": expected { requiredGroups, requiredScopes }`);
    const unknown = Object.keys(value).filter((field) => !(FIELDS as readonly string[]).includes(field));
    if (unknown.length > 0)
      throw new Error(`route "${route}": unknown field ${unknown.join(", ")} (known: ${FIELDS.join(", ")})`);
    if (value.requiredGroups === undefined && value.requiredScopes === undefined) {
      throw new Error(`route "${route}": declares neither requiredGroups nor requiredScopes`);
    }
    requirements.set(
      route,
      Object.freeze({
        ...(value.requiredGroups === undefined
          ? {}
          : { requiredGroups: nameList(value.requiredGroups, `route "${route}" requiredGroups`) }),
        ...(value.requiredScopes === undefined
          ? {}
          : { requiredScopes: nameList(value.requiredScopes, `route "${route}" requiredScopes`) }),
      }),
    );
  }
  return requirements;
}

/** ROUTE_REQUIREMENTS, parsed once at init (one small JSON.parse). Unset or empty: no route has requirements. */
export function parseRouteRequirementsEnv(env: Readonly<Record<string, string | undefined>>): RouteRequirements {
  const raw = env[ROUTE_REQUIREMENTS_VARIABLE]?.trim();
  if (raw === undefined || raw === "") return new Map();
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new RouteRequirementsError("expected JSON (api.json's routeAuthorisation, as Terraform sets it)", {
      cause: err,
    });
  }
  try {
    return parseRouteRequirements(parsed);
  } catch (err) {
    throw new RouteRequirementsError((err as Error).message, { cause: err });
  }
}

/**
 * May this identity use this route? Deny by default: no identity is refused on every route. A route without
 * requirements is open to every connection $connect let in; a declared route needs one of its groups (when it
 * lists groups) and all of its scopes (when it lists scopes).
 */
export function authoriseRoute(
  requirements: RouteRequirements,
  routeKey: string,
  identity: CurrentIdentity | undefined,
): RouteDecision {
  if (identity === undefined) return { allowed: false, reason: "no_identity" };
  const requirement = requirements.get(routeKey);
  if (requirement === undefined) return { allowed: true };
  const { requiredGroups, requiredScopes } = requirement;
  if (requiredGroups !== undefined && !isInAnyGroup(identity.groups, requiredGroups)) {
    return { allowed: false, reason: "missing_group" };
  }
  if (requiredScopes !== undefined && !requiredScopes.every((scope) => identity.scopes.includes(scope))) {
    return { allowed: false, reason: "missing_scope" };
  }
  return { allowed: true };
}

export function forbiddenReply(routeKey: string): ForbiddenReply {
  return { type: "error", error: "forbidden", route: routeKey };
}
