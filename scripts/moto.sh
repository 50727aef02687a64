#!/usr/bin/env bash
# Installs moto's server (a Cognito and a DynamoDB we did not write: interop tests, tf-moto, and the connection
# registry of `make dev` and the tests) pinned from PyPI into a venv in a cache outside the repo, reused on later runs.
# uv (scripts/uv.sh) installs it: about 10 s cold where pip took about a minute.
# Prints the path of `moto_server` on stdout; progress on stderr.
set -euo pipefail

MOTO_VERSION=5.2.5

CACHE="${WSAUTH_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/wsauth-tools}"
VENV="$CACHE/moto-$MOTO_VERSION"
say() { printf '[moto %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# One install at a time: a second caller (make's background install, a parallel test process) waits for it.
if [[ ! -x "$VENV/bin/moto_server" ]]; then
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.moto.lock"
  flock 9
fi
if [[ ! -x "$VENV/bin/moto_server" ]]; then
  uv="$("$(dirname "$0")/uv.sh")"
  say "installing moto[server]==$MOTO_VERSION into $VENV with uv"
  # Built under a temporary name and renamed when complete, so an interrupted install is never taken as done.
  tmp="$(mktemp -d "$CACHE/.moto-XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  export UV_CACHE_DIR="$CACHE/uv-cache"
  # --relocatable: the venv's scripts find their interpreter relative to themselves, so the rename keeps them working.
  "$uv" venv --quiet --relocatable "$tmp/venv"
  "$uv" pip install --quiet --python "$tmp/venv/bin/python" "moto[server]==$MOTO_VERSION"
  rm -rf "$VENV"
  mv -T "$tmp/venv" "$VENV"
  say "moto ready"
else
  say "moto $MOTO_VERSION already installed in $VENV"
fi
echo "$VENV/bin/moto_server"
