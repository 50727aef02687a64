#!/usr/bin/env bash
# make tf-check: formatting, README tables (terraform-docs), tflint (Terraform + AWS rulesets) and checkov over
# terraform/, offline. Needs no provider: the plan is scanned by tf-validate.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/tf-tools.sh)"
# Tools read no machine-wide CLI configuration: the check must not depend on this machine.
export TF_CLI_CONFIG_FILE=/dev/null
step() { printf '\n== %s\n' "$*"; }

step "fmt ($("$TERRAFORM" version | head -1))"
"$TERRAFORM" fmt -check -diff -recursive terraform

step "README tables ($("$TERRAFORM_DOCS" --version | head -1)): up to date? (scripts/tf-docs.sh rewrites them)"
scripts/tf-docs.sh --check

step "tflint ($("$TFLINT" --version | head -1))"
tflint_args=(--chdir terraform --recursive --config "$PWD/terraform/.tflint.hcl" --format compact)
if [[ -x "$TFLINT_PLUGIN_DIR/tflint-ruleset-aws" ]]; then
  tflint_args+=(--enable-plugin=aws)
else
  echo "WARNING: tflint-ruleset-aws is not in $TFLINT_PLUGIN_DIR (see scripts/tf-tools.sh); running the Terraform ruleset only" >&2
fi
TFLINT_PLUGIN_DIR="$TFLINT_PLUGIN_DIR" "$TFLINT" "${tflint_args[@]}"

step "checkov ($("$CHECKOV" --version))"
# Skips live next to the resource as `#checkov:skip=<id>:<reason>`; a skip without a reason is a failure here.
if grep -rnE '#checkov:skip=[A-Z0-9_]+ *(:\s*)?$' terraform; then
  echo "checkov skips above have no written reason" >&2
  exit 1
fi
"$CHECKOV" --directory terraform --framework terraform --skip-download --download-external-modules false \
  --quiet --compact --output cli
