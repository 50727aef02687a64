#!/usr/bin/env bash
# make tf-validate: `terraform init -backend=false && terraform validate` for terraform/, each module and the
# bootstrap, against the real hashicorp/aws provider schema, then a plan of terraform/ for each token
# location, and checkov on that plan's JSON (it resolves what a scan of the code cannot), all offline, on a copy (scripts/tf-workspace.sh). The provider comes from scripts/aws-provider.sh:
# a mirror found on this machine, AWS_PROVIDER_MIRROR, or a build from its Go module. With --if-provider
# (make test), a machine with no provider mirror skips the whole check with one line saying so.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '[tf-validate %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

source scripts/tf-workspace.sh tf-validate "$@"

for dir in terraform terraform/bootstrap terraform/account terraform/modules/*/ terraform/examples/*/; do
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
cat >"$work/terraform/offline_override.tf" <<'EOT'
terraform {
  backend "local" {}
}

provider "aws" {
  region                      = "eu-west-1"
  access_key                  = "offline-placeholder"
  secret_key                  = "offline-placeholder"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}
EOT
"$TERRAFORM" -chdir="$work/terraform" init -reconfigure -input=false -no-color >/dev/null
for location in query protocol any; do
  say "plan terraform (token_location=$location, offline)"
  "$TERRAFORM" -chdir="$work/terraform" plan -input=false -lock=false -no-color -var "token_location=$location" \
    -out="$work/$location.tfplan" | grep -E '^(Plan:|No changes)'
done

# The examples call terraform/ as a module, whose provider block (with the override above) they inherit.
for example in "$work"/terraform/examples/*/; do
  say "plan examples/$(basename "$example") (offline)"
  "$TERRAFORM" -chdir="$example" plan -input=false -lock=false -no-color -out="$work/$(basename "$example").tfplan" |
    grep -E '^(Plan:|No changes)'
done

# The plan scan sees what a scan of the code cannot resolve (variables, module inputs: CKV_AWS_158 on the log
# groups, for one). It skips exactly the checks skipped in the code, where each `#checkov:skip=<id>:<reason>`
# gives its reason (tf-check.sh fails on one without); checkov cannot map a planned module resource back to
# its comment, so here a skip applies to every resource of the plan.
say "checkov on the plan JSON (terraform show -json) of terraform/ and examples/complete"
"$TERRAFORM" -chdir="$work/terraform" show -json "$work/query.tfplan" >"$work/plan-root.json"
"$TERRAFORM" -chdir="$work/terraform/examples/complete" show -json "$work/complete.tfplan" >"$work/plan-complete.json"
skips="$(grep -rhoE '#checkov:skip=[A-Z0-9_]+' terraform | sed 's/^#checkov:skip=//' | sort -u | paste -sd, -)"
say "skipped as in the code, each with its written reason there: $skips"
"$CHECKOV" --file "$work/plan-root.json" --file "$work/plan-complete.json" --framework terraform_plan \
  --skip-check "$skips" --skip-download --quiet --compact --output cli
