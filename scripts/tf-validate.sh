#!/usr/bin/env bash
# make tf-validate: `tofu init -backend=false && tofu validate` for terraform/, each module and the
# bootstrap, against the real hashicorp/aws provider schema, then a plan of terraform/ for each token
# location, all offline. The provider comes from a
# filesystem mirror in the tool cache, built once from its Go module (time and peak memory reported),
# or from AWS_PROVIDER_MIRROR: an existing mirror directory (`terraform providers mirror` layout).
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/tf-tools.sh)"

AWS_PROVIDER_VERSION=5.100.0
# The provider's go.mod path has no /v5 suffix, so Go resolves a release only as a commit
# (pseudo-version) of the module. Override with the commit of the tag you want.
AWS_PROVIDER_REF="${AWS_PROVIDER_REF:-v$AWS_PROVIDER_VERSION}"
CACHE="${WSAUTH_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/wsauth-tools}"
mirror="$CACHE/aws-provider-mirror"
platform="$(go env GOOS)_$(go env GOARCH)"
target="registry.opentofu.org/hashicorp/aws/$AWS_PROVIDER_VERSION/$platform"
binary="terraform-provider-aws_v${AWS_PROVIDER_VERSION}_x5"
say() { printf '[tf-validate %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

build_provider() {
  local src="$CACHE/aws-provider-src" mod="github.com/hashicorp/terraform-provider-aws" upstream_mod
  say "building hashicorp/aws $AWS_PROVIDER_VERSION from its Go module (large: measured below)"
  rm -rf "$src" && mkdir -p "$src" "$mirror/$target"
  local download
  download="$(go mod download -json "$mod@$AWS_PROVIDER_REF" || true)"
  upstream_mod="$(sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p' <<<"$download")"
  if [[ -z "$upstream_mod" ]]; then
    say "ERROR: the Go module proxy did not serve $mod@$AWS_PROVIDER_REF: $(sed -n 's/^[[:space:]]*"Error": "\(.*\)",*$/\1/p' <<<"$download")"
    say "Set AWS_PROVIDER_REF to the commit of the v$AWS_PROVIDER_VERSION tag, or AWS_PROVIDER_MIRROR to a provider mirror."
    exit 1
  fi
  (
    cd "$src"
    export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
    go mod init wsauth-tools/aws-provider >/dev/null 2>&1
    go mod edit -go="$(sed -n 's/^go //p' "$upstream_mod")"
    grep '^replace ' "$upstream_mod" | while read -r _ old oldv _ new newv; do
      go mod edit -replace="$old@$oldv=$new@$newv"
    done
    go get "$mod@$AWS_PROVIDER_REF"
    /usr/bin/time -v -o "$CACHE/aws-provider-build.time" \
      go build -trimpath -ldflags "-s -w" -o "$mirror/$target/$binary" "$mod"
  )
  grep -E 'Elapsed \(wall clock\)|Maximum resident set size' "$CACHE/aws-provider-build.time" >&2
}

if [[ -n "${AWS_PROVIDER_MIRROR:-}" ]]; then
  source_dir="$(find "$AWS_PROVIDER_MIRROR" -path "*/hashicorp/aws/$AWS_PROVIDER_VERSION/$platform" -type d | head -1)"
  [[ -n "$source_dir" ]] || { say "ERROR: no hashicorp/aws $AWS_PROVIDER_VERSION for $platform under $AWS_PROVIDER_MIRROR"; exit 1; }
  rm -rf "${mirror:?}/$target" && mkdir -p "$(dirname "$mirror/$target")" && ln -s "$source_dir" "$mirror/$target"
elif [[ ! -x "$mirror/$target/$binary" ]]; then
  build_provider
fi

# Both registry host names map to the one mirror, whichever CLI (tofu or terraform) runs.
terraform_target="$mirror/registry.terraform.io/hashicorp/aws/$AWS_PROVIDER_VERSION/$platform"
rm -rf "$terraform_target" && mkdir -p "$(dirname "$terraform_target")" && ln -s "$mirror/$target" "$terraform_target"

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
