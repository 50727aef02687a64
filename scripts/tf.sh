#!/usr/bin/env bash
# make plan / make apply: init terraform/ with the S3 backend file BACKEND, then plan or apply.
# Extra arguments for plan/apply go in TF_ARGS, e.g. TF_ARGS='-var-file=dev.tfvars'.
set -euo pipefail
cd "$(dirname "$0")/.."
action="${1:?usage: scripts/tf.sh plan|apply}"
[[ "$action" == plan || "$action" == apply ]] || { echo "usage: scripts/tf.sh plan|apply" >&2; exit 2; }
BACKEND="${BACKEND:-terraform/backend.hcl}"
if [[ ! -f "$BACKEND" ]]; then
  echo "BACKEND=$BACKEND does not exist: copy terraform/backend.hcl.example and fill it in (terraform/README.md)" >&2
  exit 1
fi
eval "$(scripts/tf-tools.sh)"
read -r -a extra_args <<<"${TF_ARGS:-}"

# -reconfigure: each BACKEND names one environment's state; switching must never copy state across.
"$TOFU" -chdir=terraform init -input=false -reconfigure -backend-config="$(realpath "$BACKEND")"
"$TOFU" -chdir=terraform "$action" "${extra_args[@]}"
