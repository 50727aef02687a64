#!/usr/bin/env bash
# Finds or installs uv (Astral's Python package installer, from PyPI) into the tools cache and prints its path.
# uv installs moto and checkov into their venvs several times faster than pip (see CONTRIBUTING.md, Tools), and
# its download cache under the tools cache lets them share wheels (boto3, botocore...). A uv on PATH wins.
set -euo pipefail

UV_VERSION=0.13.8

CACHE="${WSAUTH_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/wsauth-tools}"
DIR="$CACHE/uv-$UV_VERSION"

if command -v uv >/dev/null; then command -v uv; exit 0; fi
if [[ ! -x "$DIR/bin/uv" ]]; then
  printf '[uv %(%H:%M:%S)T] installing uv==%s from PyPI into %s\n' -1 "$UV_VERSION" "$DIR" >&2
  mkdir -p "$CACHE"
  # A temporary name, renamed when complete, so two first runs side by side never see half an install.
  tmp="$(mktemp -d "$CACHE/.uv-XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-cache-dir --target "$tmp/lib" "uv==$UV_VERSION" \
    || { echo "scripts/uv.sh: could not install uv with python3 -m pip (python3 with pip is needed)" >&2; exit 1; }
  mkdir -p "$tmp/bin" && mv "$tmp/lib/bin/uv" "$tmp/bin/uv" && rm -rf "$tmp/lib"
  mv -T "$tmp" "$DIR" 2>/dev/null || true
fi
echo "$DIR/bin/uv"
