#!/usr/bin/env bash
# make plan / make apply / make destroy ENV=<env> REGION=<region>: the user's own `terraform` from PATH (`tofu`
# only when there is no terraform) inits terraform/deploy on that environment's backend file and plans, applies
# or destroys with its var-file, both from terraform/envs/<env>/<region>/. It installs nothing: the project's
# check tools (scripts/tf-tools.sh) are not needed to deploy. Extra arguments go in TF_ARGS, e.g.
# TF_ARGS='-var cognito_deletion_protection=false'. Runs on bash 3.2 (macOS) as well.
set -euo pipefail
cd "$(dirname "$0")/.."
usage="usage: ENV=<env> REGION=<region> scripts/tf.sh plan|apply|destroy"
action="${1:?$usage}"
[[ "$action" == plan || "$action" == apply || "$action" == destroy ]] || { echo "$usage" >&2; exit 2; }

if command -v terraform >/dev/null; then cli=terraform
elif command -v tofu >/dev/null; then cli=tofu
else
  echo "make $action runs your own terraform (>= 1.11) or tofu from PATH, and found neither: install one (terraform/README.md)" >&2
  exit 1
fi

if [[ -z "${ENV:-}" || -z "${REGION:-}" ]]; then
  echo "make $action needs ENV and REGION, e.g. make $action ENV=prod REGION=eu-west-1 (terraform/README.md, step 3)" >&2
  exit 2
fi
files="envs/$ENV/$REGION"
for file in backend.hcl terraform.tfvars; do
  if [[ ! -f "terraform/$files/$file" ]]; then
    echo "terraform/$files/$file does not exist: write it as terraform/README.md, step 3 says" >&2
    exit 1
  fi
done
extra_args=()
[[ -z "${TF_ARGS:-}" ]] || read -r -a extra_args <<<"$TF_ARGS"

echo "make $action: $("$cli" version | head -1), environment $ENV in $REGION" >&2
# -reconfigure: each backend file names one environment's state; switching must never copy state across.
"$cli" -chdir=terraform/deploy init -input=false -reconfigure -backend-config="../$files/backend.hcl"
# ${a[@]+"${a[@]}"}: bash before 4.4 calls an empty array unbound under set -u.
"$cli" -chdir=terraform/deploy "$action" -var-file="../$files/terraform.tfvars" ${extra_args[@]+"${extra_args[@]}"}
