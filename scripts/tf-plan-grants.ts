// tf-validate: `node scripts/tf-plan-grants.ts API_JSON PLAN_JSON on|off [USER_POOL_ID]` checks one plan's JSON
// (scripts/lib/plan-grants.ts): the registry grants against api.json, and the revoke-on-sign-out rule on or off.
import { readFileSync } from "node:fs";
import { type FunctionGrant, type Plan, registryGrantProblems, revokeOnSignOutProblems } from "./lib/plan-grants.ts";

const [apiPath, planPath, revoke, userPoolId] = process.argv.slice(2);
if (apiPath === undefined || planPath === undefined || (revoke !== "on" && revoke !== "off")) {
  process.stderr.write("usage: tf-plan-grants.ts API_JSON PLAN_JSON on|off [USER_POOL_ID]\n");
  process.exit(2);
}
const api = JSON.parse(readFileSync(apiPath, "utf8")) as {
  invoked: string[];
  functions: Record<string, FunctionGrant>;
};
const plan = JSON.parse(readFileSync(planPath, "utf8")) as Plan;
const problems = [
  ...registryGrantProblems(plan, api.functions),
  ...revokeOnSignOutProblems(plan, revoke === "on", api.invoked[0] ?? "revoke", userPoolId),
];
for (const problem of problems) process.stderr.write(`FAILED: ${planPath}: ${problem}\n`);
if (problems.length > 0) process.exit(1);
const registry = Object.values(api.functions).filter((fn) => (fn.registry ?? []).length > 0).length;
process.stdout.write(
  `${registry} registry grants as api.json says; revoke on sign-out ${revoke === "on" ? "planned whole" : "absent"}\n`,
);
