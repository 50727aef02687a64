#!/usr/bin/env bash
# make tf-validate: `tofu init -backend=false && tofu validate` for terraform/, each module and the
# bootstrap, against the real hashicorp/aws provider schema, then a plan of terraform/ for each token
# location, all offline. The provider comes from scripts/aws-provider.sh (a mirror found on this machine,
# AWS_PROVIDER_MIRROR, or a build from its Go module). With --if-provider (make test), a machine with no
# provider mirror skips the whole check with one line saying so, instead of building the provider.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '[tf-validate %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

if [[ "${1:-}" == --if-provider ]]; then
  mirror="$(scripts/aws-provider.sh --find-only)"
  if [[ -z "$mirror" ]]; then
    echo "tf-validate: skipped: no hashicorp/aws provider mirror found (set AWS_PROVIDER_MIRROR)"
    exit 0
  fi
else
  mirror="$(scripts/aws-provider.sh)"
fi
eval "$(scripts/tf-tools.sh)"

# Validate a copy: init writes .terraform/ and a lock file whose hashes are of this local build,
# which must never reach the repository.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r terraform "$work/terraform"
mkdir -p "$work/functions" && cp functions/stack.json "$work/functions/"
cat >"$work/cli.tfrc" <<EOT
provider_installation {
  filesystem_mirror {
    path = "$mirror"
  }
}
EOT
export TF_CLI_CONFIG_FILE="$work/cli.tfrc" TF_IN_AUTOMATION=1

for dir in terraform terraform/bootstrap terraform/modules/*/; do
  dir="${dir%/}"
  say "validate $dir"
  "$TOFU" -chdir="$work/$dir" init -backend=false -input=false -no-color >/dev/null
  "$TOFU" -chdir="$work/$dir" validate -no-color
done

# An offline plan: placeholder credentials and the provider's skip_* settings keep it from calling any
# AWS API, and creating plans read nothing, so every expression (for_each over stack.json, the
# environment maps, ARNs, deployment triggers) is evaluated as on a first apply.
[[ -f dist/authoriser.zip ]] || make --no-print-directory build
cp -r dist "$work/dist"
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
for location in query protocol; do
  say "plan terraform (token_location=$location, offline)"
  "$TOFU" -chdir="$work/terraform" plan -input=false -lock=false -no-color -var "token_location=$location" |
    grep -E '^(Plan:|No changes)'
done
