#!/usr/bin/env bash
# Installs moto's server (a Cognito and a DynamoDB we did not write: interop tests, tf-moto, and the connection
# registry of `make dev` and the tests) pinned from PyPI into a venv in a cache outside the repo, reused on later runs.
# Prints the path of `moto_server` on stdout; progress on stderr.
set -euo pipefail

MOTO_VERSION=5.2.5

CACHE="${WSAUTH_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/wsauth-tools}"
VENV="$CACHE/moto-$MOTO_VERSION"
say() { printf '[moto %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

if [[ ! -x "$VENV/bin/moto_server" ]]; then
  say "installing moto[server]==$MOTO_VERSION into $VENV (cold: about a minute)"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
  say "moto ready"
else
  say "moto $MOTO_VERSION already installed in $VENV"
fi
echo "$VENV/bin/moto_server"
