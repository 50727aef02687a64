// How API Gateway turns a REQUEST authoriser's outcome into a handshake answer.
import { type InvokeResult, THROTTLED } from "../lambda/host.ts";
import type { AuthoriserFields, HandshakeRequest } from "./events.ts";
import type { IdentitySource } from "../api-description.ts";

export type Refusal = { readonly allowed: false; readonly status: 401 | 403 | 500; readonly reason: string };
export type Decision = { readonly allowed: true; readonly authorizer: AuthoriserFields } | Refusal;

function identityValue(source: IdentitySource, request: HandshakeRequest): string | undefined {
  if (source.kind === "querystring") return request.queryStringParameters[source.name];
  const wanted = source.name.toLowerCase();
  const entry = Object.entries(request.headers).find(([name]) => name.toLowerCase() === wanted);
  return entry?.[1];
}

/** API Gateway answers 401 without calling the authoriser when any identity source is absent or empty. */
export function findMissingIdentitySource(
  sources: readonly IdentitySource[],
  request: HandshakeRequest,
): IdentitySource | undefined {
  return sources.find((source) => {
    const value = identityValue(source, request);
    return value === undefined || value.trim() === "";
  });
}

function globMatches(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${regex}$`).test(value);
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

type Effect = "Allow" | "Deny" | "none";

/** IAM evaluation for one ARN: an explicit Deny wins, then any Allow, else an implicit deny. */
export function evaluatePolicy(policyDocument: unknown, arn: string): Effect | "invalid" {
  const statements = (policyDocument as { Statement?: unknown } | null)?.Statement;
  if (typeof policyDocument !== "object" || policyDocument === null || statements === undefined) return "invalid";
  let effect: Effect = "none";
  for (const statement of asList(statements)) {
    const { Effect: kind, Action: action, Resource: resource } = (statement ?? {}) as Record<string, unknown>;
    if (kind !== "Allow" && kind !== "Deny") return "invalid";
    const actions = asList(action).filter((item): item is string => typeof item === "string");
    const resources = asList(resource).filter((item): item is string => typeof item === "string");
    const applies =
      actions.some((item) => globMatches(item, "execute-api:Invoke")) &&
      resources.some((item) => globMatches(item, arn));
    if (!applies) continue;
    if (kind === "Deny") return "Deny";
    effect = "Allow";
  }
  return effect;
}

/** Context values must be scalars; API Gateway passes them to integrations as strings. */
function stringifyContext(context: unknown): Record<string, string> | undefined {
  if (context === undefined || context === null) return {};
  if (typeof context !== "object" || Array.isArray(context)) return undefined;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(context)) {
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") return undefined;
    out[key] = String(value);
  }
  return out;
}

/**
 * 401 for `Unauthorized`, 403 for Deny or no principal, 500 for any other failure or a malformed result. A throttled
 * authoriser (Lambda's 429) is a 500 too: API Gateway answers a failed authoriser invocation with its default 5XX.
 */
export function decideAuthorisation(result: InvokeResult, arn: string, latencyMs: number): Decision {
  if (!result.ok) {
    if (result.errorMessage === "Unauthorized")
      return { allowed: false, status: 401, reason: "authoriser said Unauthorized" };
    if (result.errorType === THROTTLED)
      return { allowed: false, status: 500, reason: `authoriser throttled: ${THROTTLED}` };
    return { allowed: false, status: 500, reason: `authoriser failed: ${result.errorType}` };
  }
  const value = result.value as { principalId?: unknown; policyDocument?: unknown; context?: unknown } | null;
  if (typeof value !== "object" || value === null)
    return { allowed: false, status: 500, reason: "authoriser returned no policy" };
  if (typeof value.principalId !== "string" || value.principalId === "")
    return { allowed: false, status: 403, reason: "no principalId" };
  const effect = evaluatePolicy(value.policyDocument, arn);
  if (effect === "invalid") return { allowed: false, status: 500, reason: "malformed policyDocument" };
  if (effect !== "Allow")
    return { allowed: false, status: 403, reason: effect === "Deny" ? "policy denies" : "policy does not allow" };
  const context = stringifyContext(value.context);
  if (context === undefined) return { allowed: false, status: 500, reason: "context holds a non-scalar value" };
  return {
    allowed: true,
    authorizer: Object.freeze({ ...context, principalId: value.principalId, integrationLatency: latencyMs }),
  };
}
