#!/usr/bin/env bash
# Make sure the Docker daemon knows the gVisor runtime `runsc` (for
# --runtime runsc). As root on Debian, install Debian's runsc package,
# register it in the daemon's configuration file (merged with what is there,
# written atomically) and reload dockerd with SIGHUP; elsewhere say what to
# do. Idempotent: returns at once when the daemon already lists runsc.
#
# The runtime is registered with --network=none: gVisor's own network stack
# refuses to start in the host's network namespace ("cannot run with network
# enabled in root network namespace"), and sandbox containers have no network
# anyway.
set -euo pipefail

name=runsc
knows() { docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q "\"$name\""; }

scripts=$(cd "$(dirname "$0")" && pwd)
"$scripts/docker-up.sh"
if knows; then
  exit 0
fi

snippet='{"runtimes": {"runsc": {"path": "/usr/bin/runsc", "runtimeArgs": ["--network=none"]}}}'
if [ "$(id -u)" != 0 ] || [ ! -f /etc/debian_version ]; then
  echo "gvisor-up: the Docker daemon has no '$name' runtime." >&2
  echo "  Install gVisor (https://gvisor.dev/docs/user_guide/install/; on Debian 'apt-get install runsc')," >&2
  echo "  add to the daemon's configuration (/etc/docker/daemon.json):" >&2
  echo "    $snippet" >&2
  echo "  keeping its other keys, then reload the daemon ('sudo systemctl reload docker' or 'sudo kill -HUP \$(pidof dockerd)')." >&2
  echo "  As root on Debian, this script (make gvisor) does all of that." >&2
  exit 1
fi

missing=()
command -v runsc >/dev/null 2>&1 || missing+=(runsc)
command -v jq >/dev/null 2>&1 || missing+=(jq)
if [ ${#missing[@]} -gt 0 ]; then
  echo "gvisor-up: installing ${missing[*]} ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null 2>&1 || apt-get update -q || true
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
runsc=$(command -v runsc)

# The daemon's configuration file: dockerd's --config-file if it was given
# one, else the default.
pid=$(cat /var/run/docker.pid 2>/dev/null || pidof dockerd || true)
pid=${pid%% *}
if [ -z "$pid" ] || [ ! -r "/proc/$pid/cmdline" ]; then
  echo "gvisor-up: cannot find dockerd's process to reload it (is the daemon local?)." >&2
  echo "  Register runsc in its configuration by hand: $snippet" >&2
  exit 1
fi
conf=/etc/docker/daemon.json
mapfile -d '' args <"/proc/$pid/cmdline"
for i in "${!args[@]}"; do
  case "${args[$i]}" in
    --config-file=*) conf=${args[$i]#--config-file=} ;;
    --config-file) conf=${args[$((i + 1))]} ;;
  esac
done

# Merge: keep every key the file has, set runtimes.runsc.
mkdir -p "$(dirname "$conf")"
old='{}'
if [ -s "$conf" ]; then
  old=$(cat "$conf")
fi
tmp=$(mktemp "$conf.XXXXXX")
trap 'rm -f "$tmp"' EXIT
if ! jq --arg path "$runsc" '.runtimes.runsc = {"path": $path, "runtimeArgs": ["--network=none"]}' <<<"$old" >"$tmp"; then
  echo "gvisor-up: $conf is not valid JSON; fix it, then run this again (make gvisor)." >&2
  exit 1
fi
chmod 0644 "$tmp"
sync "$tmp" 2>/dev/null || true
mv -f "$tmp" "$conf"
trap - EXIT
echo "gvisor-up: registered $runsc as the '$name' runtime in $conf; reloading dockerd ($pid) ..." >&2
kill -HUP "$pid"
for _ in $(seq 1 40); do
  if knows; then
    echo "gvisor-up: the daemon lists the '$name' runtime ($("$runsc" --version 2>/dev/null | head -1))" >&2
    exit 0
  fi
  sleep 0.25
done
echo "gvisor-up: the daemon did not list '$name' after the reload; see its log (e.g. /var/log/codetree-dockerd.log)." >&2
exit 1
