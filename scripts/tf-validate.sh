#!/usr/bin/env bash
# make tf-validate: `tofu init -backend=false && tofu validate` for terraform/, each module and the
# bootstrap, against the real hashicorp/aws provider schema, then a plan of terraform/ for each token
# location, all offline, on a copy (scripts/tf-workspace.sh). The provider comes from scripts/aws-provider.sh:
# a mirror found on this machine, AWS_PROVIDER_MIRROR, or a build from its Go module. With --if-provider
# (make test), a machine with no provider mirror skips the whole check with one line saying so.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '[tf-validate %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

source scripts/tf-workspace.sh tf-validate "$@"

for dir in terraform terraform/bootstrap terraform/modules/*/; do
  dir="${dir%/}"
  say "validate $dir"
  "$TOFU" -chdir="$work/$dir" init -backend=false -input=false -no-color >/dev/null
  "$TOFU" -chdir="$work/$dir" validate -no-color
done

# An offline plan: placeholder credentials and the provider's skip_* settings keep it from calling any
# AWS API, and creating plans read nothing, so every expression (for_each over stack.json, the
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
"$TOFU" -chdir="$work/terraform" init -reconfigure -input=false -no-color >/dev/null
for location in query protocol any; do
  say "plan terraform (token_location=$location, offline)"
  "$TOFU" -chdir="$work/terraform" plan -input=false -lock=false -no-color -var "token_location=$location" |
    grep -E '^(Plan:|No changes)'
done
