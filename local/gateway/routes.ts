// Route selection with `$request.body.action`, falling back to `$default` as API Gateway does.

/** The route key of one message, or undefined when neither its action nor `$default` has a route. */
export function selectRoute(body: string, routes: Readonly<Record<string, string>>): string | undefined {
  let action: unknown;
  try {
    action = (JSON.parse(body) as { action?: unknown } | null)?.action;
  } catch {
    action = undefined;
  }
  // Route keys beginning with `$` are API Gateway's own; a client cannot select them by action.
  if (typeof action === "string" && !action.startsWith("$") && Object.hasOwn(routes, action)) return action;
  return Object.hasOwn(routes, "$default") ? "$default" : undefined;
}
