#!/usr/bin/env bash
# Installs the pinned Terraform tools into a cache outside the repo and prints `NAME=path` lines
# (TOFU, TFLINT, TFLINT_PLUGIN_DIR, CHECKOV) for `eval`. Tools already on PATH win.
# Progress goes to stderr so stdout stays machine-readable.
set -euo pipefail

TOFU_VERSION=1.12.6
TFLINT_VERSION=0.64.0
TFLINT_RULESET_AWS_VERSION=0.44.0
CHECKOV_VERSION=3.3.30

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
  GOBIN="$dir/bin" quietly go install -trimpath "github.com/terraform-linters/tflint@v$TFLINT_VERSION"
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

install_checkov() {
  local dir="$CACHE/checkov-$CHECKOV_VERSION"
  [[ -x "$dir/bin/checkov" ]] && return
  say "installing checkov $CHECKOV_VERSION from PyPI into $dir"
  rm -rf "$dir"
  python3 -m venv "$dir"
  quietly "$dir/bin/pip" install --disable-pip-version-check "checkov==$CHECKOV_VERSION"
  say "checkov ready"
}

mkdir -p "$CACHE"
if [[ -n "${TOFU:-}" ]]; then tofu_bin="$TOFU"
elif command -v tofu >/dev/null; then tofu_bin="$(command -v tofu)"
else install_tofu; tofu_bin="$CACHE/tofu-$TOFU_VERSION/bin/tofu"; fi

if command -v tflint >/dev/null; then tflint_bin="$(command -v tflint)"
else install_tflint; tflint_bin="$CACHE/tflint-$TFLINT_VERSION/bin/tflint"; fi

plugin_dir="${TFLINT_PLUGIN_DIR:-$CACHE/tflint-plugins-aws-$TFLINT_RULESET_AWS_VERSION}"
[[ -n "${TFLINT_PLUGIN_DIR:-}" ]] || install_tflint_ruleset_aws

if command -v checkov >/dev/null; then checkov_bin="$(command -v checkov)"
else install_checkov; checkov_bin="$CACHE/checkov-$CHECKOV_VERSION/bin/checkov"; fi

printf 'TOFU=%q\nTFLINT=%q\nTFLINT_PLUGIN_DIR=%q\nCHECKOV=%q\n' "$tofu_bin" "$tflint_bin" "$plugin_dir" "$checkov_bin"
