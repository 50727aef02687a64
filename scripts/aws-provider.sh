#!/usr/bin/env bash
# Finds the hashicorp/aws provider for the offline Terraform targets and prints a filesystem mirror
# directory that serves it under both registry host names (tofu and terraform ask for different ones).
# First hit wins: AWS_PROVIDER_MIRROR (and nowhere else when set),
# then AWS_PROVIDER_SEARCH_DIRS (default: the CLI's implied local mirror directories, then /opt/tf-plugins).
# Found nowhere: with --find-only it prints nothing and exits 0, else it fails saying where to put one. It never
# builds the provider from source: such a build's hash matches none in the committed lock files (they pin
# HashiCorp's release builds), so `terraform init` would refuse it. Progress goes to stderr so stdout stays the path.
set -euo pipefail

AWS_PROVIDER_VERSION=5.100.0
CACHE="${WSAUTH_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/wsauth-tools}"
mirror="$CACHE/aws-provider-mirror"
say() { printf '[aws-provider %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

find_only=false
[[ "${1:-}" == --find-only ]] && find_only=true

case "$(uname -m)" in
  x86_64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) arch="$(uname -m)" ;;
esac
platform="$(uname -s | tr '[:upper:]' '[:lower:]')_$arch"
binary="terraform-provider-aws_v${AWS_PROVIDER_VERSION}_x5"

# The unpacked layout of a mirror or plugin directory: <host>/hashicorp/aws/<version>/<platform>/<binary>.
provider_dir_in() {
  local root="$1" dir
  [[ -d "$root" ]] || return 1
  for dir in "$root"/*/hashicorp/aws/"$AWS_PROVIDER_VERSION/$platform"; do
    [[ -x "$dir/$binary" ]] && { realpath "$dir"; return 0; }
  done
  return 1
}

source_dir=""
if [[ -n "${AWS_PROVIDER_MIRROR:-}" ]]; then
  source_dir="$(provider_dir_in "$AWS_PROVIDER_MIRROR")" ||
    { say "ERROR: no hashicorp/aws $AWS_PROVIDER_VERSION for $platform under AWS_PROVIDER_MIRROR=$AWS_PROVIDER_MIRROR"; exit 1; }
else
  data_dirs="${XDG_DATA_DIRS:-/usr/local/share:/usr/share}"
  implied="$HOME/.terraform.d/plugins:${XDG_DATA_HOME:-$HOME/.local/share}/terraform/plugins:${data_dirs//://terraform/plugins:}/terraform/plugins"
  IFS=: read -r -a roots <<<"${AWS_PROVIDER_SEARCH_DIRS:-$implied:/opt/tf-plugins}"
  for root in "${roots[@]}"; do
    source_dir="$(provider_dir_in "$root")" && break
  done
fi

if [[ -z "$source_dir" ]]; then
  $find_only && exit 0
  say "ERROR: no hashicorp/aws $AWS_PROVIDER_VERSION for $platform in ${roots[*]}"
  say "Unpack HashiCorp's release zip into <dir>/registry.terraform.io/hashicorp/aws/$AWS_PROVIDER_VERSION/$platform/ and set AWS_PROVIDER_MIRROR=<dir>."
  exit 1
fi
say "hashicorp/aws $AWS_PROVIDER_VERSION from $source_dir"

# Both registry host names point at the one provider, whichever CLI (tofu or terraform) runs. A link is
# swapped in with one rename, so a concurrent run (make test beside make tf-moto) never sees it missing.
for host in registry.opentofu.org registry.terraform.io; do
  link="$mirror/$host/hashicorp/aws/$AWS_PROVIDER_VERSION/$platform"
  [[ "$(readlink "$link" || true)" != "$source_dir" ]] || continue
  [[ -L "$link" ]] || rm -rf "$link"
  mkdir -p "$(dirname "$link")"
  ln -sfn "$source_dir" "$link.$$" && mv -Tf "$link.$$" "$link"
done
echo "$mirror"
