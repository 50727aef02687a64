#!/usr/bin/env bash
# Writes the Requirements/Providers/Modules/Resources/Inputs/Outputs tables of each Terraform README with
# terraform-docs (between <!-- BEGIN_TF_DOCS --> and <!-- END_TF_DOCS -->). With --check (make tf-check),
# changes nothing and fails when a README is not what terraform-docs would write.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/tf-tools.sh terraform-docs)"
check=()
[[ "${1:-}" == --check ]] && check=(--output-check)

# The module's README (terraform/) holds its tables under its own "## Module reference": one level deeper.
"$TERRAFORM_DOCS" markdown table --config terraform/.terraform-docs.yml --indent 3 "${check[@]}" terraform
for dir in terraform/bootstrap terraform/account terraform/modules/*/ terraform/examples/*/; do
  [[ -d "$dir" ]] || continue
  "$TERRAFORM_DOCS" markdown table --config terraform/.terraform-docs.yml "${check[@]}" "${dir%/}"
done
