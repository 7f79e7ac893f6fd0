#!/usr/bin/env bash
# Make sure a Slurm cluster answers: here, a single-node one for the tests
# and for trying `codetree slurm`. As root on Debian, install Debian's
# slurm-wlm and munge if needed, write a slurm.conf for this machine (one
# node with its CPUs and memory, one partition, proctrack/linuxproc,
# task/none, select/cons_tres) unless one exists that this script did not
# write, start munged as the munge user and slurmctld and slurmd as root.
# Idempotent: returns at once when the node is up.
set -euo pipefail

conf=/etc/slurm/slurm.conf
marker="# Written by codetree's scripts/slurm-up.sh"

up() { sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated|completing)'; }

if command -v sinfo >/dev/null 2>&1 && up; then
  exit 0
fi

if [ "$(id -u)" != 0 ] || [ ! -f /etc/debian_version ]; then
  echo "slurm-up: no Slurm node answers (sinfo)." >&2
  echo "  On a cluster, load its Slurm (e.g. 'module load slurm') and check 'sinfo'." >&2
  echo "  As root on Debian, this script installs and starts a single-node Slurm itself." >&2
  exit 1
fi

if ! command -v slurmctld >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
  echo "slurm-up: installing Debian's slurm-wlm and munge ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null 2>&1 || apt-get update -q || true
  apt-get install -y -q slurm-wlm munge >/dev/null
fi

# munge: the key is the package's; munged runs as the munge user.
if ! munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
  if [ ! -s /etc/munge/munge.key ]; then
    mungekey --create --keyfile /etc/munge/munge.key 2>/dev/null ||
      dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  fi
  chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge
  runuser -u munge -- /usr/sbin/munged
  for _ in $(seq 1 50); do
    munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 && break
    sleep 0.1
  done
fi

host=$(hostname -s)
if [ ! -f "$conf" ] || head -1 "$conf" | grep -qF "$marker"; then
  # slurmd -C prints this node's line as slurmd sees the hardware; a
  # NodeName with other figures leaves the node drained.
  node=$(slurmd -C | head -1)
  install -d /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
  cat >"$conf" <<EOF
$marker
ClusterName=codetree
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
# Finished jobs stay in scontrol's view for an hour (no accounting
# database: sacct has nothing to read).
MinJobAge=3600
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
$node State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
fi

pgrep -x slurmctld >/dev/null || slurmctld
pgrep -x slurmd >/dev/null || slurmd
for _ in $(seq 1 60); do
  if up; then
    echo "slurm-up: node $host up: $(sinfo -h -o '%P %D node(s) %c CPUs %T')" >&2
    exit 0
  fi
  # A node that was down (a restart) comes back with ReturnToService=2;
  # one drained by an earlier configuration needs resuming.
  scontrol update nodename="$host" state=resume >/dev/null 2>&1 || true
  sleep 0.5
done
echo "slurm-up: the node did not come up within 30 s; the logs end with:" >&2
tail -5 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 || true
sinfo >&2 || true
exit 1
