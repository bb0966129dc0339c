#!/usr/bin/env bash
# Browser tests (the gateway's local dashboard) drive Debian's Chromium with playwright-core; browser downloads
# do not work here, so the system package is the browser. Installs it when missing and apt is usable.
set -euo pipefail
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  "$CHROMIUM" --version
  exit 0
fi
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  echo "Chromium is missing; installing Debian's chromium package"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null \
    || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null; }
fi
[ -x "$CHROMIUM" ] || { echo "Chromium is required at $CHROMIUM for browser tests (apt-get install chromium, or set CHROMIUM_PATH)"; exit 1; }
"$CHROMIUM" --version
