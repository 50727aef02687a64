#!/usr/bin/env bash
# make tf-validate: `terraform init -backend=false && terraform validate` for the module terraform/, the deploy
# root, the bootstrap, the account stack, each module and example, against the real hashicorp/aws provider
# schema, then a plan of terraform/deploy for each token location (and one without a region, which must stop
# with one line; one with a copy of api.json that protects a route, and one whose copy restricts refresh, which must
# stop; one with revoke_on_admin_sign_out and a registry key), the planned grants against api.json (scripts/tf-plan-grants.ts), and checkov on that plan's JSON (it resolves what a scan of the code cannot), all offline, on a copy (scripts/tf-workspace.sh). The provider comes from scripts/aws-provider.sh:
# a mirror found on this machine, AWS_PROVIDER_MIRROR, or a build from its Go module. With --if-provider
# (make test), a machine with no provider mirror skips the whole check with one line saying so.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '[tf-validate %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

source scripts/tf-workspace.sh tf-validate "$@"

# The roots only: validate checks every module a root calls, so the module and modules/* are covered by deploy
# and the examples (each directory costs a provider start, 15 to 50 s on a loaded machine).
for dir in terraform/deploy terraform/bootstrap terraform/account terraform/examples/*/; do
  dir="${dir%/}"
  say "validate $dir"
  "$TERRAFORM" -chdir="$work/$dir" init -backend=false -input=false -no-color >/dev/null
  # init refuses a mirror package that matches no hash of the committed lock file; it must add none either.
  # (OpenTofu records its own registry's address, so only terraform's lock files compare.)
  if [[ -f "$dir/.terraform.lock.hcl" && "$("$TERRAFORM" version)" == Terraform* ]] &&
    ! diff -u "$dir/.terraform.lock.hcl" "$work/$dir/.terraform.lock.hcl"; then
    say "FAILED: init changed the committed $dir/.terraform.lock.hcl (diff above)"
    exit 1
  fi
  "$TERRAFORM" -chdir="$work/$dir" validate -no-color
done

# An offline plan: placeholder credentials and the provider's skip_* settings keep it from calling any
# AWS API, and creating plans read nothing, so every expression (for_each over api.json, the
# environment maps, ARNs, deployment triggers) is evaluated as on a first apply.
offline_provider() {
  cat <<EOT
provider "aws" {
  $1
  access_key                  = "offline-placeholder"
  secret_key                  = "offline-placeholder"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}
EOT
}
{ printf 'terraform {\n  backend "local" {}\n}\n\n'; offline_provider ""; } >"$work/terraform/deploy/offline_override.tf"
offline_provider "" >"$work/terraform/examples/complete/offline_override.tf"
{ offline_provider 'alias = "primary"'; offline_provider 'alias = "secondary"'; } >"$work/terraform/examples/two-regions/offline_override.tf"
deploy="$work/terraform/deploy"
"$TERRAFORM" -chdir="$deploy" init -reconfigure -input=false -no-color >/dev/null
for location in query protocol any; do
  say "plan terraform/deploy (token_location=$location, offline)"
  "$TERRAFORM" -chdir="$deploy" plan -input=false -lock=false -no-color -var region=eu-west-1 \
    -var "token_location=$location" -out="$work/$location.tfplan" | grep -E '^(Plan:|No changes)'
done

say "plan terraform/deploy without a region: refused with one line"
if "$TERRAFORM" -chdir="$deploy" plan -input=false -lock=false -no-color >"$work/no-region.log" 2>&1; then
  say "FAILED: a plan without a region went through"
  exit 1
fi
# Terraform wraps its messages at 78 columns: compare with the whitespace folded.
tr -s '[:space:]' ' ' <"$work/no-region.log" |
  grep -qF 'region is not set: plan with -var-file=../envs/<env>/<region>/terraform.tfvars, or export TF_VAR_region.' || { cat "$work/no-region.log" >&2; say "FAILED: no 'region is not set' line"; exit 1; }

say "plan terraform/deploy with a warning window shorter than the sweep interval: refused, naming the variable"
if "$TERRAFORM" -chdir="$deploy" plan -input=false -lock=false -no-color -var region=eu-west-1 \
  -var 'sweep_schedule=rate(5 minutes)' >"$work/short-window.log" 2>&1; then
  say "FAILED: reauth_warning_seconds=120 went through with a sweep every 5 minutes"
  exit 1
fi
tr -s '[:space:]' ' ' <"$work/short-window.log" |
  grep -qF 'reauth_warning_seconds must be 0 or at least one interval of sweep_schedule' || { cat "$work/short-window.log" >&2; say "FAILED: no reauth_warning_seconds line"; exit 1; }
# Per-route authorisation (README "Per-route authorisation"): a route declared in api.json's routeAuthorisation
# reaches the message function as ROUTE_REQUIREMENTS; a declaration on refresh stops the plan.
cp "$work/functions/api.json" "$work/api.json.committed"
protect() { jq "$1" "$work/api.json.committed" >"$work/functions/api.json"; }
say "plan terraform/deploy with a protected route in api.json (offline): ROUTE_REQUIREMENTS on message"
protect '.routes.admin = "message" | .routeAuthorisation = {admin: {requiredGroups: ["admins"]}}'
"$TERRAFORM" -chdir="$deploy" plan -input=false -lock=false -no-color -var region=eu-west-1 \
  -out="$work/protected.tfplan" | grep -E '^(Plan:|No changes)'
requirements="$("$TERRAFORM" -chdir="$deploy" show -json "$work/protected.tfplan" | jq -r '.planned_values | .. | objects
  | select(.address? == "module.wsauth.module.function[\"message\"].aws_lambda_function.this")
  | .values.environment[0].variables.ROUTE_REQUIREMENTS')"
[[ "$requirements" == '{"admin":{"requiredGroups":["admins"]}}' ]] ||
  { say "FAILED: message's ROUTE_REQUIREMENTS is $requirements"; exit 1; }
# refresh reads ROUTE_REQUIREMENTS in this copy: the route's name alone must stop the plan.
say "plan terraform/deploy with a declaration on refresh: refused"
protect '.functions.refresh.env += ["ROUTE_REQUIREMENTS"] | .routeAuthorisation = {refresh: {requiredGroups: ["admins"]}}'
if "$TERRAFORM" -chdir="$deploy" plan -input=false -lock=false -no-color -var region=eu-west-1 >"$work/refresh.log" 2>&1; then
  say "FAILED: a plan restricting refresh went through"
  exit 1
fi
tr -s '[:space:]' ' ' <"$work/refresh.log" | grep -qF 'functions/api.json routeAuthorisation: each key must be a route' ||
  { cat "$work/refresh.log" >&2; say "FAILED: no routeAuthorisation line"; exit 1; }
cp "$work/api.json.committed" "$work/functions/api.json"

# existing-api reads the team's API with a data source at plan time, so it is validated above, not planned.
for example in complete two-regions; do
  say "plan examples/$example (offline)"
  "$TERRAFORM" -chdir="$work/terraform/examples/$example" plan -input=false -lock=false -no-color \
    -out="$work/$example.tfplan" | grep -E '^(Plan:|No changes)'
done

# The plan scan sees what a scan of the code cannot resolve (variables, module inputs: CKV_AWS_158 on the log
# groups, for one). It skips exactly the checks skipped in the code, where each `#checkov:skip=<id>:<reason>`
# gives its reason (tf-check.sh fails on one without); checkov cannot map a planned module resource back to
# its comment, so here a skip applies to every resource of the plan.
say "checkov on the plan JSON (terraform show -json) of terraform/deploy and examples/complete"
"$TERRAFORM" -chdir="$deploy" show -json "$work/query.tfplan" >"$work/plan-root.json"
"$TERRAFORM" -chdir="$work/terraform/examples/complete" show -json "$work/complete.tfplan" >"$work/plan-complete.json"
say "the planned sweeper gets its warning window and the schedule's interval in seconds"
node -e '
  const plan = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  const fns = (m) => [...(m.resources ?? []), ...(m.child_modules ?? []).flatMap(fns)];
  const sweeper = fns(plan.planned_values.root_module).find((r) => r.type === "aws_lambda_function" && /-sweeper$/.test(r.values.function_name));
  const env = sweeper?.values.environment?.[0]?.variables ?? {};
  if (env.REAUTH_WARNING_SECONDS !== "120" || env.SWEEP_INTERVAL_SECONDS !== "60") {
    console.error("FAILED: sweeper environment", JSON.stringify(env));
    process.exit(1);
  }
' "$work/plan-root.json"
# The control plane's grants (scripts/lib/plan-grants.ts): each registry policy is api.json's, on its own role (the
# unit test test/terraform/registry-grants.test.ts holds api.json to the code); the revoke-on-sign-out rule, target,
# permission and AdminGetUser grant exist only when revoke_on_admin_sign_out is on, with the one pool it names.
say "plan terraform/deploy with revoke_on_admin_sign_out, an existing pool and a registry key (offline)"
"$TERRAFORM" -chdir="$deploy" plan -input=false -lock=false -no-color -var region=eu-west-1 \
  -var revoke_on_admin_sign_out=true -var 'existing_cognito={user_pool_id="eu-west-1_PlanCheck1",client_ids=["planclient1"]}' \
  -var registry_kms_key_arn=arn:aws:kms:eu-west-1:123456789012:key/plan-check -out="$work/revoke.tfplan" |
  grep -E '^(Plan:|No changes)'
"$TERRAFORM" -chdir="$deploy" show -json "$work/revoke.tfplan" >"$work/plan-revoke.json"
say "the planned grants: registry policies as api.json says, the revoke rule only where it is on"
plan_grants() { node --import ./scripts/require-node.mjs scripts/tf-plan-grants.ts functions/api.json "$@"; }
plan_grants "$work/plan-root.json" off
plan_grants "$work/plan-complete.json" on
plan_grants "$work/plan-revoke.json" on eu-west-1_PlanCheck1
skips="$(grep -rhoE '#checkov:skip=[A-Z0-9_]+' terraform | sed 's/^#checkov:skip=//' | sort -u | paste -sd, -)"
say "skipped as in the code, each with its written reason there: $skips"
"$CHECKOV" --file "$work/plan-root.json" --file "$work/plan-complete.json" --framework terraform_plan \
  --skip-check "$skips" --skip-download --quiet --compact --output cli
