// What tf-validate checks in a plan's JSON (`terraform show -json`) about the control plane's grants: each function's
// policy on the connection registry is exactly its functions/api.json `registry` and `registryIndexes`, on its own
// role; and the revoke-on-sign-out rule, its target, its invoke permission and revoke's AdminGetUser grant exist only
// when `revoke_on_admin_sign_out` is on. Each check returns the problems found, empty when none.
// The table's ARN is unknown in a creating plan, so a resource derived from it is checked as unknown (a literal "*"
// or another ARN would be known) and counted: one for the table, one per index.

export interface PlannedChange {
  readonly address: string;
  readonly type: string;
  readonly change: { readonly actions: readonly string[]; readonly after: unknown; readonly after_unknown: unknown };
}

export interface Plan {
  readonly resource_changes?: readonly PlannedChange[];
}

export interface FunctionGrant {
  readonly registry?: readonly string[];
  readonly registryIndexes?: readonly string[];
}

interface Statement {
  readonly sid?: string;
  readonly effect?: string;
  readonly actions?: readonly string[];
  readonly resources?: readonly unknown[] | null;
  readonly not_actions?: unknown;
  readonly not_resources?: unknown;
  readonly condition?: readonly { readonly test?: string; readonly variable?: string; readonly values?: unknown }[];
}

const QUERY = "dynamodb:Query";
const KMS_ACTIONS = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:DescribeKey"];
/** The one grant the module adds beside the actions: KMS through DynamoDB, when the table has a key of its own. */
const KMS_STATEMENT = "RegistryKeyThroughDynamoDB";
export const REVOKE_ON_SIGN_OUT = [
  "aws_cloudwatch_event_rule.revoke_on_sign_out[0]",
  "aws_cloudwatch_event_target.revoke_on_sign_out[0]",
  "aws_lambda_permission.revoke_on_sign_out[0]",
  "data.aws_iam_policy_document.revoke_user_lookup[0]",
  "aws_iam_role_policy.revoke_user_lookup[0]",
] as const;

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

/** The one change whose address ends with `suffix` (after a module path or at the root), or undefined. */
function changeAt(plan: Plan, suffix: string): PlannedChange | undefined {
  const found = (plan.resource_changes ?? []).filter((c) => c.address === suffix || c.address.endsWith(`.${suffix}`));
  if (found.length > 1) throw new Error(`${found.length} planned resources end with ${suffix}`);
  return found[0];
}

function after(change: PlannedChange | undefined): Record<string, unknown> {
  return record(change?.change.after);
}

function statementsOf(change: PlannedChange): { statement: Statement; resourcesUnknown: unknown }[] {
  const statements = (after(change).statement ?? []) as Statement[];
  const unknown = (record(change.change.after_unknown).statement ?? []) as { resources?: unknown }[];
  return statements.map((statement, i) => ({ statement, resourcesUnknown: unknown[i]?.resources }));
}

function same(a: readonly string[], b: readonly string[]): boolean {
  return JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());
}

/** `count` resources, every one unknown at plan time: derived from an ARN still to be made. */
function derivedResources(
  where: string,
  statement: Statement,
  resourcesUnknown: unknown,
  count: number,
  problems: string[],
) {
  const resources = statement.resources ?? [];
  const unknown = Array.isArray(resourcesUnknown) ? resourcesUnknown : [];
  if (resources.length !== count || unknown.length !== count || !unknown.every((u) => u === true)) {
    problems.push(
      `${where}: expected ${count} resource(s) derived from the table's ARN, planned ${JSON.stringify(resources)}`,
    );
  }
}

/** Allow only, by actions and resources (never NotAction or NotResource, which grant everything else). */
function plainAllow(where: string, statement: Statement, problems: string[]) {
  if (statement.effect !== "Allow" || statement.not_actions != null || statement.not_resources != null) {
    problems.push(`${where}: expected a plain Allow statement, planned ${JSON.stringify(statement)}`);
  }
}

/** The table's own key, through DynamoDB only: these four actions, on one key ARN, under kms:ViaService. */
function kmsProblems(where: string, statement: Statement, problems: string[]) {
  const resources = statement.resources ?? [];
  const via = (statement.condition ?? []).filter((c) => c.test === "StringLike" && c.variable === "kms:ViaService");
  if (
    !same(statement.actions ?? [], KMS_ACTIONS) ||
    resources.length !== 1 ||
    !/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/.+$/.test(String(resources[0])) ||
    JSON.stringify(via.map((c) => c.values)) !== JSON.stringify([["dynamodb.*.amazonaws.com"]])
  ) {
    problems.push(
      `${where}: expected ${KMS_ACTIONS} on one key through DynamoDB, planned ${JSON.stringify(statement)}`,
    );
  }
}

function roleOf(plan: Plan, fn: string): unknown {
  return after(changeAt(plan, `module.function["${fn}"].aws_iam_role.this`)).name;
}

/** Each function's registry policy against api.json's functions: actions, resources, role. */
export function registryGrantProblems(plan: Plan, functions: Readonly<Record<string, FunctionGrant>>): string[] {
  const problems: string[] = [];
  const documents = (plan.resource_changes ?? []).filter((c) =>
    /(^|\.)module\.connection_registry\.data\.aws_iam_policy_document\.access\["[^"]+"\]$/.test(c.address),
  );
  for (const document of documents) {
    const fn = /\["([^"]+)"\]$/.exec(document.address)?.[1] ?? "";
    if ((functions[fn]?.registry ?? []).length === 0)
      problems.push(`${fn}: a registry policy, but api.json grants none`);
  }
  for (const [fn, grant] of Object.entries(functions)) {
    const actions = grant.registry ?? [];
    const document = changeAt(plan, `module.connection_registry.data.aws_iam_policy_document.access["${fn}"]`);
    const attachment = changeAt(plan, `module.connection_registry.aws_iam_role_policy.access["${fn}"]`);
    if (actions.length === 0) {
      if (attachment !== undefined) problems.push(`${fn}: a registry policy on ${after(attachment).role}`);
      continue;
    }
    if (document === undefined || attachment === undefined) {
      problems.push(
        `${fn}: no registry policy planned for ${actions.join(", ")} (or one read at plan time: not from the table)`,
      );
      continue;
    }
    const role = roleOf(plan, fn);
    if (role === undefined || after(attachment).role !== role) {
      problems.push(`${fn}: its registry policy is on role ${after(attachment).role}, not its own (${role})`);
    }
    const items = actions.filter((action) => action !== QUERY);
    const seen = new Set<string>();
    for (const { statement, resourcesUnknown } of statementsOf(document)) {
      const where = `${fn} ${statement.sid}`;
      seen.add(statement.sid ?? "");
      plainAllow(where, statement, problems);
      if (statement.sid === "RegistryItems") {
        if (!same(statement.actions ?? [], items)) {
          problems.push(`${where}: planned ${statement.actions}, api.json says ${items}`);
        }
        derivedResources(where, statement, resourcesUnknown, 1, problems);
      } else if (statement.sid === "RegistryIndexes") {
        if (!same(statement.actions ?? [], [QUERY]) || !actions.includes(QUERY)) {
          problems.push(
            `${where}: planned ${statement.actions}, api.json says ${actions.includes(QUERY) ? QUERY : "no Query"}`,
          );
        }
        derivedResources(where, statement, resourcesUnknown, (grant.registryIndexes ?? []).length, problems);
      } else if (statement.sid === KMS_STATEMENT) {
        kmsProblems(where, statement, problems);
      } else {
        problems.push(`${where}: a statement api.json does not ask for: ${JSON.stringify(statement)}`);
      }
    }
    if (items.length > 0 && !seen.has("RegistryItems")) problems.push(`${fn}: no RegistryItems statement for ${items}`);
    if (actions.includes(QUERY) && !seen.has("RegistryIndexes")) problems.push(`${fn}: no RegistryIndexes statement`);
  }
  return problems;
}

/**
 * The automatic revocation path: all of it when `on`, none of it otherwise. `userPoolId`, when the plan knows the
 * pool, must be the one pool the rule matches.
 */
export function revokeOnSignOutProblems(
  plan: Plan,
  on: boolean,
  revokeFunction: string,
  userPoolId?: string,
): string[] {
  const problems: string[] = [];
  const planned = REVOKE_ON_SIGN_OUT.map((suffix) => [suffix, changeAt(plan, suffix)] as const);
  const stray = (plan.resource_changes ?? []).filter(
    (c) => /revoke_on_sign_out|revoke_user_lookup/.test(c.address) && !planned.some(([, change]) => change === c),
  );
  for (const change of stray) problems.push(`unexpected ${change.address}`);
  if (!on) {
    for (const [suffix, change] of planned) if (change !== undefined) problems.push(`planned while off: ${suffix}`);
    return problems;
  }
  // A data source whose inputs are all known is read at plan time and leaves resource_changes: its resources no
  // longer derive from an ARN still to be made (a literal "*", say).
  for (const [suffix, change] of planned) if (change === undefined) problems.push(`not planned while on: ${suffix}`);
  if (problems.length > 0) return problems;
  const [rule, target, permission, lookup, lookupPolicy] = planned.map(([, change]) => change) as [
    PlannedChange,
    PlannedChange,
    PlannedChange,
    PlannedChange,
    PlannedChange,
  ];
  const fnName = after(changeAt(plan, `module.function["${revokeFunction}"].aws_lambda_function.this`)).function_name;

  if (after(target).rule !== after(rule).name) problems.push(`the target is on rule ${after(target).rule}`);
  if (record(target.change.after_unknown).arn !== true) {
    problems.push(`the target's ARN is ${after(target).arn}, not the revoke function's (still to be made)`);
  }
  const grant = after(permission);
  if (grant.principal !== "events.amazonaws.com" || grant.action !== "lambda:InvokeFunction") {
    problems.push(`the invoke permission is ${grant.action} for ${grant.principal}`);
  }
  if (fnName === undefined || grant.function_name !== fnName) {
    problems.push(`the invoke permission is on ${grant.function_name}, not ${fnName}`);
  }
  if (record(permission.change.after_unknown).source_arn !== true) {
    problems.push(`the invoke permission's source is ${grant.source_arn}, not the rule's ARN`);
  }
  const pattern = after(rule).event_pattern;
  if (typeof pattern === "string") {
    const parsed = record(JSON.parse(pattern));
    const detail = record(parsed.detail);
    if (!same((detail.eventName ?? []) as string[], ["AdminUserGlobalSignOut"])) {
      problems.push(`the rule matches ${JSON.stringify(detail.eventName)}, not AdminUserGlobalSignOut alone`);
    }
    // From Cognito, through CloudTrail, and only calls that succeeded (a refused sign-out closes nothing).
    const from = JSON.stringify([parsed.source, detail.eventSource, detail.errorCode]);
    if (from !== JSON.stringify([["aws.cognito-idp"], ["cognito-idp.amazonaws.com"], [{ exists: false }]])) {
      problems.push(`the rule matches source, eventSource, errorCode ${from}`);
    }
    const pool = record(detail.requestParameters).userPoolId;
    if (userPoolId !== undefined && JSON.stringify(pool) !== JSON.stringify([userPoolId])) {
      problems.push(`the rule matches pool ${JSON.stringify(pool)}, not ${userPoolId}`);
    }
  } else if (userPoolId !== undefined) {
    problems.push("the rule's pattern is unknown where the pool is known");
  }
  const statements = statementsOf(lookup);
  if (statements.length !== 1) problems.push(`revoke's user lookup has ${statements.length} statements`);
  for (const { statement, resourcesUnknown } of statements) {
    plainAllow("revoke's user lookup", statement, problems);
    if (!same(statement.actions ?? [], ["cognito-idp:AdminGetUser"])) {
      problems.push(`revoke's user lookup allows ${statement.actions}`);
    }
    derivedResources("revoke's user lookup", statement, resourcesUnknown, 1, problems);
  }
  const role = roleOf(plan, revokeFunction);
  if (role === undefined || after(lookupPolicy).role !== role) {
    problems.push(`revoke's user lookup is on role ${after(lookupPolicy).role}, not ${role}`);
  }
  return problems;
}
