#!/usr/bin/env bash
# A single-node Slurm on this machine, for testing tools/slurm/ against the real thing:
#
#   tools/slurm/local-cluster.sh start [DIR]   installs Debian's slurmctld, slurmd, slurm-client and
#                                              munge if missing, writes DIR/slurm.conf for this host,
#                                              starts munged, slurmctld and slurmd, waits for the
#                                              node to be idle, and prints SLURM_CONF=DIR/slurm.conf
#   tools/slurm/local-cluster.sh stop [DIR]    cancels every job, stops the three daemons, removes DIR
#
# With FAKE_GPUS=1 or 2 the node has that many GPUs in Slurm's books only (gres/gpu backed by
# /dev/null and /dev/zero: no device, but jobs that ask for GPUs are scheduled and get
# CUDA_VISIBLE_DEVICES), so that a GPU cluster's requests can be tested on a machine without one.
# DIR defaults to ${TMPDIR:-/tmp}/limitfit-slurm. Everything lives there: its own munge key and socket
# and its own ports (16817, 16818), so that a system munge or Slurm on the machine is left alone.
# Client commands (sbatch, squeue, …) reach this cluster with SLURM_CONF=DIR/slurm.conf. The daemons
# and the jobs run as the user who starts it, which must be root (slurmd runs jobs as their owners).
# No cgroups, no accounting, no GPUs: proctrack/linuxproc, task/none, select/cons_tres over CPUs.
set -euo pipefail

usage="usage: local-cluster.sh start|stop [DIR]"
action=${1:-}
dir=${2:-${TMPDIR:-/tmp}/limitfit-slurm}
packages=(slurmctld slurmd slurm-client munge)

die() {
  echo "local-cluster.sh: $*" >&2
  exit 1
}

# The pid in a pid file, if that process still runs.
running() {
  local pid
  [ -s "$1" ] || return 1
  pid=$(<"$1")
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# Stops the processes of these pid files, waiting up to 10 s before killing them.
halt() {
  local pids=() file pid alive
  for file; do
    pid=$(running "$file") && pids+=("$pid")
  done
  [ ${#pids[@]} -eq 0 ] && return 0
  kill "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 100); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && return 0
    sleep 0.1
  done
  kill -KILL "${pids[@]}" 2>/dev/null || true
}

stop() {
  [ -d "$dir" ] || return 0
  if [ -f "$dir/slurm.conf" ] && [ -n "$(running "$dir/slurmctld.pid")" ]; then
    # Jobs first, so that no slurmstepd outlives the daemons that started it.
    SLURM_CONF=$dir/slurm.conf scancel --full --quiet --user="$(id -un)" 2>/dev/null || true
    for _ in $(seq 50); do
      [ -z "$(SLURM_CONF=$dir/slurm.conf squeue --noheader 2>/dev/null)" ] && break
      sleep 0.2
    done
  fi
  # The Slurm daemons together, then munged, which they talk to while they stop.
  halt "$dir/slurmd.pid" "$dir/slurmctld.pid"
  halt "$dir/munged.pid"
  rm -rf "$dir"
}

install() {
  local missing=() package
  for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "local-cluster.sh: installing ${missing[*]}" >&2
  apt-get update -qq
  # policy-rc.d (or no systemd) may refuse to start the packaged services: that is wanted, this
  # script starts its own.
  local log
  log=$(mktemp)
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    die "could not install ${missing[*]}"
  fi
  rm -f "$log"
}

# The last lines of a daemon's log, for a failed start.
show_log() {
  [ -f "$dir/$1.log" ] && { echo "--- $dir/$1.log:"; tail -n 15 "$dir/$1.log"; } >&2
  return 0
}

start() {
  [ "$(id -u)" -eq 0 ] || die "run as root (slurmd starts jobs as their owners)"
  command -v apt-get >/dev/null || command -v slurmctld >/dev/null || die "needs Debian's packages: ${packages[*]}"
  install
  [ -n "$(running "$dir/slurmctld.pid" 2>/dev/null)" ] && die "a cluster already runs from $dir (stop it first)"
  rm -rf "$dir"
  mkdir -p "$dir"/{state,spool,munge}
  chmod 700 "$dir" "$dir/munge"

  local host cpus memory gpus=${FAKE_GPUS:-0} gres="" types=""
  [[ $gpus =~ ^[0-2]$ ]] || die "FAKE_GPUS must be 0, 1 or 2, not \"$gpus\""
  host=$(hostname -s)
  # What this machine offers (its allowed CPUs; nine tenths of its memory, in MB, so that slurmd
  # never finds less than slurm.conf promises and drains the node).
  cpus=$(nproc)
  memory=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)
  if ((gpus > 0)); then
    gres=" Gres=gpu:$gpus"
    types=GresTypes=gpu
    { echo "AutoDetect=off"; printf 'Name=gpu File=%s\n' /dev/null /dev/zero | head -n "$gpus"; } >"$dir/gres.conf"
  fi
  cat >"$dir/slurm.conf" <<EOF
# Written by tools/slurm/local-cluster.sh for $host: one node, no cgroups, no accounting.
ClusterName=limitfit
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=$(id -un)
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
SchedulerType=sched/builtin
MinJobAge=600
$types
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory$gres State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  export SLURM_CONF=$dir/slurm.conf

  # A munge key of its own (munged wants it private to its user).
  head -c 1024 /dev/urandom >"$dir/munge/munge.key"
  chmod 400 "$dir/munge/munge.key"
  munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
    --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munge/munge.seed" \
    || { show_log munged; die "munged did not start"; }
  slurmctld || { show_log slurmctld; die "slurmctld did not start"; }
  slurmd || { show_log slurmd; die "slurmd did not start"; }

  # The node registers within a second or two; 30 s means something is wrong.
  local state=""
  for _ in $(seq 150); do
    state=$(sinfo --noheader --nodes="$host" --format=%t 2>/dev/null || true)
    [ "$state" = idle ] && break
    sleep 0.2
  done
  if [ "$state" != idle ]; then
    show_log slurmctld
    show_log slurmd
    die "the node $host is not idle after 30 s (state: ${state:-none})"
  fi
  echo "SLURM_CONF=$dir/slurm.conf"
}

case $action in
  start) start ;;
  stop) stop ;;
  *) die "$usage" ;;
esac
