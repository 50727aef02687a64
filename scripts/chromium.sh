#!/usr/bin/env bash
# Chromium for the browser-page test: Debian's package, installed with apt when absent and we are root.
# Prints the executable's path on stdout, or one skip line on stderr and exits 3 when it cannot be had.
set -euo pipefail

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

if [[ -x "$CHROMIUM" ]]; then
  echo "$CHROMIUM"
  exit 0
fi
if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
  echo "chromium: not found; installing Debian's chromium with apt (once)..." >&2
  if DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2 && [[ -x "$CHROMIUM" ]]; then
    echo "$CHROMIUM"
    exit 0
  fi
  echo "SKIP browser page test: apt could not install chromium (run: apt-get update && apt-get install -y chromium)" >&2
  exit 3
fi
echo "SKIP browser page test: no Chromium at $CHROMIUM (as root: apt-get update && apt-get install -y chromium; or set CHROMIUM=/path/to/chromium)" >&2
exit 3
