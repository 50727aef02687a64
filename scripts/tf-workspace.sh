# Sourced by tf-validate.sh and tf-moto.sh (from the repository root) as `source scripts/tf-workspace.sh NAME "$@"`.
# Finds the hashicorp/aws provider (scripts/aws-provider.sh); with --if-provider, a machine without one skips the
# caller with one line and exit 0. Sets TERRAFORM (scripts/tf-tools.sh), and $work: a temporary copy of terraform/, functions/api.json and
# dist/ whose CLI configuration installs providers from that mirror only. init writes .terraform/ and a lock file
# with local-build hashes into the copy, never into the repository.
# shellcheck shell=bash
if [[ "${2:-}" == --if-provider ]]; then
  mirror="$(scripts/aws-provider.sh --find-only)"
  if [[ -z "$mirror" ]]; then
    echo "$1: skipped: no hashicorp/aws provider mirror found (set AWS_PROVIDER_MIRROR)"
    exit 0
  fi
else
  mirror="$(scripts/aws-provider.sh)"
fi
# tf-validate also scans its plan with checkov.
if [[ "$1" == tf-validate ]]; then eval "$(scripts/tf-tools.sh terraform checkov)"; else eval "$(scripts/tf-tools.sh terraform)"; fi
[[ -f dist/authoriser.zip ]] || make --no-print-directory build

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r terraform "$work/terraform"
cp -r dist "$work/dist"
mkdir -p "$work/functions" && cp functions/api.json "$work/functions/"
cat >"$work/cli.tfrc" <<EOT
provider_installation {
  filesystem_mirror {
    path = "$mirror"
  }
}
EOT
export TF_CLI_CONFIG_FILE="$work/cli.tfrc" TF_IN_AUTOMATION=1
