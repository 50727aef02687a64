#!/usr/bin/env bash
# make plan / make apply / make destroy: the user's own `terraform` from PATH (`tofu` only when there is no
# terraform) inits terraform/ on the S3 backend file BACKEND, then plans, applies or destroys. It installs
# nothing: the project's check tools (scripts/tf-tools.sh) are not needed to deploy.
# Extra arguments go in TF_ARGS, e.g. TF_ARGS='-var-file=envs/prod/terraform.tfvars' (relative to terraform/).
set -euo pipefail
cd "$(dirname "$0")/.."
usage="usage: scripts/tf.sh plan|apply|destroy"
action="${1:?$usage}"
[[ "$action" == plan || "$action" == apply || "$action" == destroy ]] || { echo "$usage" >&2; exit 2; }

if command -v terraform >/dev/null; then cli=terraform
elif command -v tofu >/dev/null; then cli=tofu
else
  echo "make $action runs your own terraform (>= 1.11) or tofu from PATH, and found neither: install one (terraform/README.md)" >&2
  exit 1
fi

BACKEND="${BACKEND:-terraform/backend.hcl}"
if [[ ! -f "$BACKEND" ]]; then
  echo "BACKEND=$BACKEND does not exist: write it from the bootstrap's backend_hcl output plus a key (terraform/README.md, step 2)" >&2
  exit 1
fi
read -r -a extra_args <<<"${TF_ARGS:-}"

echo "make $action: $("$cli" version | head -1)" >&2
# -reconfigure: each BACKEND names one environment's state; switching must never copy state across.
"$cli" -chdir=terraform init -input=false -reconfigure -backend-config="$(realpath "$BACKEND")"
"$cli" -chdir=terraform "$action" "${extra_args[@]}"
