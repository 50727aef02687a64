#!/usr/bin/env bash
# Finds or installs the tools of the project's own Terraform checks into a cache outside the repo and prints
# `NAME=path` lines (TERRAFORM, TFLINT, TFLINT_PLUGIN_DIR, CHECKOV) for `eval`. Tools already on PATH win:
# TERRAFORM is `terraform` >= 1.11 when it is there, else `tofu`, and OpenTofu is built only when neither is.
# (make plan/apply/destroy never come here: scripts/tf.sh runs the user's own CLI and installs nothing.)
# Arguments name the tools wanted (terraform, tflint, checkov, terraform-docs; default all), so a step installs only its own.
# Progress goes to stderr so stdout stays machine-readable.
set -euo pipefail

TOFU_VERSION=1.12.6
TFLINT_VERSION=0.64.0
TFLINT_RULESET_AWS_VERSION=0.44.0
CHECKOV_VERSION=3.3.30
TERRAFORM_DOCS_VERSION=0.20.0

CACHE="${WSAUTH_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/wsauth-tools}"
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}" GOFLAGS=-buildvcs=false
say() { printf '[tf-tools %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
# Runs a noisy step with its output in a log that is shown only when the step fails.
quietly() {
  local log status=0
  log="$(mktemp)"
  "$@" >"$log" 2>&1 || status=$?
  ((status == 0)) || tail -n 20 "$log" >&2
  rm -f "$log"
  return "$status"
}

# OpenTofu: a tools module that requires it and copies its go.mod `replace` lines, since
# `go install pkg@version` refuses modules that carry them.
install_tofu() {
  local dir="$CACHE/tofu-$TOFU_VERSION" mod="github.com/opentofu/opentofu"
  [[ -x "$dir/bin/tofu" ]] && return
  say "building OpenTofu v$TOFU_VERSION from its Go module (cold: several minutes)"
  rm -rf "$dir/src" && mkdir -p "$dir/src"
  local upstream_mod
  upstream_mod="$(go mod download -json "$mod@v$TOFU_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
  (
    cd "$dir/src"
    go mod init wsauth-tools/tofu >/dev/null 2>&1
    go mod edit -go="$(sed -n 's/^go //p' "$upstream_mod")"
    grep '^replace ' "$upstream_mod" | while read -r _ old oldv _ new newv; do
      go mod edit -replace="$old@$oldv=$new@$newv"
    done
    quietly go get "$mod/cmd/tofu@v$TOFU_VERSION"
    go build -trimpath -ldflags "-s -w -X $mod/version.dev=no" -o "$dir/bin/tofu" "$mod/cmd/tofu"
  )
  say "OpenTofu ready: $(TF_CLI_CONFIG_FILE='' "$dir/bin/tofu" version | head -1)"
}

install_tflint() {
  local dir="$CACHE/tflint-$TFLINT_VERSION"
  [[ -x "$dir/bin/tflint" ]] && return
  say "building tflint v$TFLINT_VERSION"
  # Stripped, as terraform-docs and OpenTofu are: 54 MB instead of 77 MB in the cache, the same CPU to build.
  GOBIN="$dir/bin" quietly go install -trimpath -ldflags="-s -w" "github.com/terraform-linters/tflint@v$TFLINT_VERSION"
  say "tflint ready"
}

# tflint loads `tflint-ruleset-<name>` from its plugin dir when the config block names no source,
# so nothing is downloaded at lint time.
install_tflint_ruleset_aws() {
  local dir="$CACHE/tflint-plugins-aws-$TFLINT_RULESET_AWS_VERSION"
  [[ -x "$dir/tflint-ruleset-aws" || -e "$dir/unavailable" ]] && return
  say "building tflint-ruleset-aws v$TFLINT_RULESET_AWS_VERSION"
  mkdir -p "$dir"
  if ! GOBIN="$dir" quietly go install -trimpath "github.com/terraform-linters/tflint-ruleset-aws@v$TFLINT_RULESET_AWS_VERSION"; then
    say "WARNING: could not build tflint-ruleset-aws v$TFLINT_RULESET_AWS_VERSION (output above); tf-check lints without it. Delete $dir/unavailable to retry"
    touch "$dir/unavailable"
  fi
}

# `go install terraform-docs@version` is refused here (the module proxy answers 403 for its version list,
# which go install reads for deprecations), so a tools module requires the release and builds it.
install_terraform_docs() {
  local dir="$CACHE/terraform-docs-$TERRAFORM_DOCS_VERSION" mod="github.com/terraform-docs/terraform-docs"
  [[ -x "$dir/bin/terraform-docs" ]] && return
  say "building terraform-docs v$TERRAFORM_DOCS_VERSION from its Go module (cold: a few minutes)"
  rm -rf "$dir/src" && mkdir -p "$dir/src"
  (
    cd "$dir/src"
    go mod init wsauth-tools/terraform-docs >/dev/null 2>&1
    quietly go get "$mod@v$TERRAFORM_DOCS_VERSION"
    go build -trimpath -ldflags "-s -w" -o "$dir/bin/terraform-docs" "$mod"
  )
  say "terraform-docs ready"
}

install_checkov() {
  local dir="$CACHE/checkov-$CHECKOV_VERSION"
  [[ -x "$dir/bin/checkov" ]] && return
  local uv tmp
  uv="$("$(dirname "$0")/uv.sh")"
  say "installing checkov $CHECKOV_VERSION from PyPI into $dir with uv"
  # uv: about 4 times faster than pip here; a relocatable venv built aside and renamed, so a half install never counts.
  tmp="$(mktemp -d "$CACHE/.checkov-XXXXXX")"
  UV_CACHE_DIR="$CACHE/uv-cache" quietly "$uv" venv --relocatable "$tmp/venv"
  UV_CACHE_DIR="$CACHE/uv-cache" quietly "$uv" pip install --python "$tmp/venv/bin/python" "checkov==$CHECKOV_VERSION" \
    || { rm -rf "$tmp"; return 1; }
  rm -rf "$dir"
  mv -T "$tmp/venv" "$dir" && rm -rf "$tmp"
  say "checkov ready"
}

# 1.11: the S3 backend's lock file is generally available from there on (terraform/versions.tf).
terraform_is_recent() {
  local version major minor
  version="$(TF_CLI_CONFIG_FILE=/dev/null "$1" version 2>/dev/null | sed -n '1s/^Terraform v\([0-9]*\)\.\([0-9]*\)\..*/\1 \2/p')"
  [[ -n "$version" ]] && read -r major minor <<<"$version" && ((major > 1 || (major == 1 && minor >= 11)))
}

# Each install holds its own lock: a second run (make test's background install, two steps at once) waits for
# the first instead of installing the same tool again.
locked() {
  local name=$1
  shift
  (flock 9 && "$@") 9>"$CACHE/.$name.lock"
}

wanted=" ${*:-terraform tflint checkov terraform-docs} "
mkdir -p "$CACHE"
wants() { [[ "$wanted" == *" $1 "* ]] && ! command -v "$1" >/dev/null; }
# Cold, the tools are installed side by side (Go downloads and PyPI wait on the network, not on each other); warm,
# each finds its tool and returns at once.
pids=()
if wants terraform && [[ -z "${TERRAFORM:-}" ]] && ! { command -v terraform >/dev/null && terraform_is_recent terraform; }; then
  locked tofu install_tofu & pids+=($!)
fi
# Side by side, not one after the other: measured on 2026-12-01 (CONTRIBUTING.md, Tools), tflint then terraform-docs
# in turn took 824 s where side by side took 654 s, and no less CPU, though the second could reuse Go's build cache.
if wants tflint; then
  { locked tflint install_tflint && { [[ -n "${TFLINT_PLUGIN_DIR:-}" ]] || locked tflint-ruleset-aws install_tflint_ruleset_aws; }; } &
  pids+=($!)
fi
if wants checkov; then locked checkov install_checkov & pids+=($!); fi
if wants terraform-docs; then locked terraform-docs install_terraform_docs & pids+=($!); fi
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
((failed == 0)) || { say "an install failed (its output is above)"; exit 1; }
if [[ "$wanted" == *" terraform "* ]]; then
  if [[ -n "${TERRAFORM:-}" ]]; then terraform_bin="$TERRAFORM"
  elif command -v terraform >/dev/null && terraform_is_recent terraform; then terraform_bin="$(command -v terraform)"
  elif command -v tofu >/dev/null; then terraform_bin="$(command -v tofu)"
  else install_tofu; terraform_bin="$CACHE/tofu-$TOFU_VERSION/bin/tofu"; fi
  printf 'TERRAFORM=%q\n' "$terraform_bin"
fi

if [[ "$wanted" == *" tflint "* ]]; then
  if command -v tflint >/dev/null; then tflint_bin="$(command -v tflint)"
  else install_tflint; tflint_bin="$CACHE/tflint-$TFLINT_VERSION/bin/tflint"; fi
  plugin_dir="${TFLINT_PLUGIN_DIR:-$CACHE/tflint-plugins-aws-$TFLINT_RULESET_AWS_VERSION}"
  [[ -n "${TFLINT_PLUGIN_DIR:-}" ]] || install_tflint_ruleset_aws
  printf 'TFLINT=%q\nTFLINT_PLUGIN_DIR=%q\n' "$tflint_bin" "$plugin_dir"
fi

if [[ "$wanted" == *" checkov "* ]]; then
  if command -v checkov >/dev/null; then checkov_bin="$(command -v checkov)"
  else install_checkov; checkov_bin="$CACHE/checkov-$CHECKOV_VERSION/bin/checkov"; fi
  printf 'CHECKOV=%q\n' "$checkov_bin"
fi

if [[ "$wanted" == *" terraform-docs "* ]]; then
  if command -v terraform-docs >/dev/null; then terraform_docs_bin="$(command -v terraform-docs)"
  else install_terraform_docs; terraform_docs_bin="$CACHE/terraform-docs-$TERRAFORM_DOCS_VERSION/bin/terraform-docs"; fi
  printf 'TERRAFORM_DOCS=%q\n' "$terraform_docs_bin"
fi
