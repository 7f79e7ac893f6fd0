#!/usr/bin/env bash
# Make sure Podman's Docker-compatible service answers on a unix socket,
# and that it has codetree's images: as root on Debian, install Debian's
# podman (4.3) and catatonit (the init of --init containers) if needed,
# start `podman system service` in the background, and copy into Podman's
# store each image named on the command line (`make podman` names the
# current sandbox images) that Docker has and Podman lacks, with
# `docker save | podman load` (the images are built locally, so there is
# no registry to pull from). Elsewhere say what to do. Idempotent: what is
# in place is left alone. Prints the DOCKER_HOST to use on stdout.
#
# Podman runs beside a Docker daemon without touching it: its own storage
# (/var/lib/containers, overlay here: ext4 with native overlay diff), its
# own runtime state, and sandbox containers have no network, so it never
# sets up a bridge or iptables rules. Without systemd as PID 1 Podman
# picks the cgroupfs cgroup manager and the file events logger by itself
# (`podman info`), so no containers.conf is written for those.
#
# One setting is written when needed: Podman gives every container
# RLIMIT_NOFILE and RLIMIT_NPROC of 1048576 unless containers.conf says
# otherwise, and a service without CAP_SYS_RESOURCE (root inside a
# container or a VM sandbox, as on CI machines) cannot raise them there:
# the OCI runtime fails ("error setting rlimit type 7: operation not
# permitted"), which the Docker client reports as "unable to upgrade to
# tcp, received 409" on attach. Then the default is the service's own hard
# limits, in $conf.
#
# Environment: PODMAN_SOCK (default /run/podman/podman.sock); SRC_DOCKER_HOST,
# the Docker daemon to copy images from (default unix:///var/run/docker.sock).
set -euo pipefail

sock=${PODMAN_SOCK:-/run/podman/podman.sock}
src=${SRC_DOCKER_HOST:-unix:///var/run/docker.sock}
conf=/etc/containers/containers.conf.d/codetree-ulimits.conf
log=/var/log/codetree-podman.log
pidfile=$(dirname "$sock")/codetree-podman.pid

say() { echo "podman-up: $*" >&2; }
answers() {
  if command -v curl >/dev/null 2>&1; then
    [ "$(curl -s --max-time 2 --unix-socket "$sock" http://d/_ping 2>/dev/null)" = OK ]
  else
    podman --remote --url "unix://$sock" version >/dev/null 2>&1
  fi
}

root_debian() { [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ]; }

if ! command -v podman >/dev/null 2>&1 || ! command -v catatonit >/dev/null 2>&1; then
  if ! root_debian; then
    say "podman (and catatonit) are not installed; install them (Debian: 'sudo apt-get install podman catatonit')."
    exit 1
  fi
  say "installing Debian's podman and catatonit ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null 2>&1 || apt-get update -q || true
  apt-get install -y -q --no-install-recommends podman catatonit >/dev/null
fi

# start_service starts the service in the background and waits for it.
start_service() {
  if [ "$(id -u)" != 0 ]; then
    say "nothing answers at unix://$sock; start Podman's service (rootless: 'systemctl --user start podman.socket'," >&2
    say "  then DOCKER_HOST=unix://\$XDG_RUNTIME_DIR/podman/podman.sock), or run this as root."
    exit 1
  fi
  mkdir -p "$(dirname "$sock")"
  rm -f "$sock"
  say "starting podman system service at unix://$sock (log: $log) ..."
  # From the socket's folder: conmon writes an empty file named "oom" into
  # its working folder when a container meets the OOM killer.
  (cd "$(dirname "$sock")" && exec nohup podman system service --time=0 "unix://$sock" >"$log" 2>&1 </dev/null) &
  echo $! >"$pidfile"
  for _ in $(seq 1 60); do
    if answers; then
      return 0
    fi
    sleep 0.5
  done
  say "the service did not answer within 30 s; its log ends with:"
  tail -20 "$log" >&2
  exit 1
}

# our_service prints the pid of the service this script started, if it runs.
our_service() {
  local pid
  pid=$(cat "$pidfile" 2>/dev/null || true)
  if [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'system service'; then
    echo "$pid"
  fi
}

answers || start_service

# The rlimit defaults, when this root lacks CAP_SYS_RESOURCE (bit 24).
capeff=$(awk '/^CapEff:/ {print $2}' /proc/self/status)
if [ "$(id -u)" = 0 ] && (( ((0x$capeff >> 24) & 1) == 0 )); then
  pid=$(our_service)
  if [ -n "$pid" ]; then
    nofile=$(awk '/^Max open files/ {print $5}' "/proc/$pid/limits")
    nproc=$(awk '/^Max processes/ {print $4}' "/proc/$pid/limits")
  else
    # Not ours: its limits are the ones it started with (Podman lowers
    # RLIMIT_NPROC at its start: the smaller value is safe).
    nofile=$(ulimit -Hn)
    nproc=$(ulimit -Hu)
    [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ] && nproc=32768
  fi
  want="# Written by codetree's scripts/podman-up.sh: this host's root lacks CAP_SYS_RESOURCE,
# so containers cannot get Podman's default RLIMIT_NOFILE/NPROC of 1048576.
[containers]
default_ulimits = [\"nofile=$nofile:$nofile\", \"nproc=$nproc:$nproc\"]"
  if [ "$(cat "$conf" 2>/dev/null || true)" != "$want" ]; then
    mkdir -p "$(dirname "$conf")"
    printf '%s\n' "$want" >"$conf"
    say "wrote $conf (nofile $nofile, nproc $nproc: the service cannot raise them past its own)"
    if [ -n "$pid" ]; then
      say "restarting the service ($pid) to read it ..."
      kill "$pid"
      for _ in $(seq 1 40); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.25
      done
      start_service
    else
      say "restart Podman's service for $conf to take effect"
    fi
  fi
fi

# Copy the images named on the command line from Docker when Podman lacks
# them (or has another image under the name).
for ref in "$@"; do
  want=$(docker -H "$src" image inspect --format '{{.Id}}' "$ref" 2>/dev/null || true)
  if [ -z "$want" ]; then
    say "Docker at $src has no image $ref; build it first ('make images')"
    exit 1
  fi
  have=$(podman image inspect --format '{{.Id}}' "$ref" 2>/dev/null || true)
  if [ "${have#sha256:}" = "${want#sha256:}" ]; then
    continue
  fi
  say "loading $ref into Podman's store (docker save | podman load) ..."
  start=$(date +%s)
  docker -H "$src" save "$ref" | podman load -q >/dev/null
  say "loaded $ref in $(($(date +%s) - start)) s"
done

say "Podman $(podman --remote --url "unix://$sock" version --format '{{.Server.Version}}' 2>/dev/null || echo '?') answers; use it with:"
echo "DOCKER_HOST=unix://$sock"
