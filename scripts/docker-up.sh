#!/usr/bin/env bash
# Make sure a Docker daemon answers. As root on Debian, install Debian's
# docker.io if needed and start dockerd in the background; elsewhere say
# what to do. Idempotent: returns at once when a daemon already answers.
set -euo pipefail

answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if command -v docker >/dev/null 2>&1 && answers; then
  exit 0
fi

addr="${DOCKER_HOST:-unix:///var/run/docker.sock}"
if [ "$(id -u)" != 0 ] || [ ! -f /etc/debian_version ]; then
  echo "docker-up: no Docker daemon answers at $addr." >&2
  echo "  Start one (e.g. 'sudo systemctl start docker'), or set DOCKER_HOST to a daemon you can reach." >&2
  echo "  As root on Debian, this script installs and starts Debian's docker.io itself." >&2
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
  echo "docker-up: installing Debian's docker.io ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null 2>&1 || apt-get update -q || true
  apt-get install -y -q --no-install-recommends docker.io >/dev/null
fi

if [ -n "${DOCKER_HOST:-}" ] && [ "${DOCKER_HOST}" != "unix:///var/run/docker.sock" ]; then
  echo "docker-up: DOCKER_HOST=$DOCKER_HOST does not answer; unset it to use the local daemon" >&2
  exit 1
fi

log=/var/log/codetree-dockerd.log
echo "docker-up: starting dockerd (log: $log) ..." >&2
nohup dockerd >"$log" 2>&1 </dev/null &
for _ in $(seq 1 120); do
  if answers; then
    echo "docker-up: daemon $(docker version --format '{{.Server.Version}}') answers" >&2
    exit 0
  fi
  sleep 0.5
done
echo "docker-up: dockerd did not answer within 60 s; its log ends with:" >&2
tail -20 "$log" >&2
exit 1
