#!/usr/bin/env bash
# Make sure the tools that build sandbox images are installed: mmdebstrap
# (or debootstrap). As root on Debian, install mmdebstrap; elsewhere say how.
set -euo pipefail

if command -v mmdebstrap >/dev/null 2>&1 || command -v debootstrap >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || [ ! -f /etc/debian_version ]; then
  echo "image-tools: building sandbox images needs mmdebstrap (or debootstrap) and root." >&2
  echo "  Install it (e.g. 'sudo apt-get install -y mmdebstrap') and run 'sudo make images'," >&2
  echo "  or load images of your own and pass them with --image." >&2
  exit 1
fi
echo "image-tools: installing mmdebstrap ..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null 2>&1 || apt-get update -q || true
apt-get install -y -q --no-install-recommends mmdebstrap >/dev/null
