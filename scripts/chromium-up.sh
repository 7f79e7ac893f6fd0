#!/usr/bin/env bash
# Make sure a Chromium answers for the tests that load reports in a real
# headless browser (internal/browser). As root on Debian, install Debian's
# chromium (and fonts-liberation, so text has metric-compatible Arial,
# Times and Courier faces) if needed; elsewhere say what to do. Prints the
# executable's path and version on stdout. Idempotent: returns at once
# when one is there.
#
# Looked for as internal/browser.Find does: $CHROMIUM, then chromium,
# chromium-browser and google-chrome on PATH.
set -euo pipefail

say() { echo "chromium-up: $*" >&2; }

# A CHROMIUM that names nothing is a mistake to report, not a reason to install.
if [ -n "${CHROMIUM:-}" ] && ! command -v "$CHROMIUM" >/dev/null 2>&1; then
  say "CHROMIUM=$CHROMIUM is not an executable; unset it to use the chromium on PATH"
  exit 1
fi

find_chromium() {
  if [ -n "${CHROMIUM:-}" ]; then
    command -v "$CHROMIUM"
    return
  fi
  local name
  for name in chromium chromium-browser google-chrome; do
    if command -v "$name" 2>/dev/null; then
      return
    fi
  done
  return 1
}

if ! exe=$(find_chromium); then
  if [ "$(id -u)" != 0 ] || [ ! -f /etc/debian_version ]; then
    say "no chromium, chromium-browser or google-chrome on PATH, and CHROMIUM is not set."
    say "  Install Chromium (Debian: 'sudo apt-get install chromium'), or set CHROMIUM to a Chrome or Chromium executable."
    say "  As root on Debian, this script (make chromium) installs Debian's chromium itself."
    exit 1
  fi
  say "installing Debian's chromium and fonts-liberation ..."
  start=$(date +%s)
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null 2>&1 || apt-get update -q || true
  apt-get install -y -q --no-install-recommends chromium fonts-liberation >/dev/null
  say "installed in $(($(date +%s) - start)) s"
  exe=$(find_chromium) || { say "chromium installed but not on PATH"; exit 1; }
fi

# --version starts no browser: no sandbox or display is needed, even as root.
version=$("$exe" --version 2>/dev/null) || { say "$exe --version failed"; "$exe" --version; exit 1; }
echo "$exe"
echo "$version"
