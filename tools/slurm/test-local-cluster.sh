#!/usr/bin/env bash
# tools/slurm/ on a real Slurm: a single-node cluster on this machine (local-cluster.sh). First as
# a CPU cluster (no GPUs configured): bad settings submit nothing, and the curve submitted as a job
# array through submit.sh is that of one `limitfit curve` run of the same dimensions. Then as a
# GPU cluster (two GPUs in Slurm's books, none real): tasks that ask for a GPU (GPUS=--gres=…,
# GPUS=1) get one, and a task cancelled midway and rerun alone (ONLY=1) gives the same curve.
#
#   tools/slurm/test-local-cluster.sh [LIMITFIT_BINARY]   (default .build/release/limitfit)
#
# Needs root and Debian's Slurm packages (installed when missing). Where the cluster cannot start
# it says why and exits 0, unless CI=true: then that fails. The daemons are stopped at the end,
# however it ends. Takes about 40 s on two cores (the install, when needed, comes on top).
set -euo pipefail
cd "$(dirname "$0")/../.."

# Only the cluster started here: no Slurm settings from the environment (a login node's).
unset SLURM_CONF "${!SBATCH_@}" "${!SLURM_@}"
limitfit=$(realpath -m "${1:-.build/release/limitfit}")
dims=2...7 # 2 tasks of 3 dimensions; d = 7 takes seconds, so task 1 is cancelled midway.
tasks=2
wait_limit=60 # seconds for any job to end

fail() {
  echo "slurm check: $*" >&2
  exit 1
}
[ -x "$limitfit" ] || fail "no limitfit binary at $limitfit"

work=$(mktemp -d)
cluster=$work/cluster
cleanup() {
  tools/slurm/local-cluster.sh stop "$cluster" || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM # so that the daemons are stopped then too

# Settings refused in one line, with nothing submitted: by submit.sh before any Slurm is needed
# (so these run where the cluster cannot start, too), or by sbatch (a GPU this cluster has not
# got, below). TASKS is 2 unless the arguments say otherwise.
refused() {
  local said settings=() arguments=()
  for word; do
    if [[ $word == *=* ]]; then settings+=("$word"); else arguments+=("$word"); fi
  done
  [ ${#arguments[@]} -gt 0 ] || arguments=(2)
  if said=$(env "${settings[@]}" LIMITFIT="$limitfit" RESULTS="$work/refused" LOGS="$work/logs" \
    tools/slurm/submit.sh "${arguments[@]}" 2>&1); then
    fail "submit.sh took $*: $said"
  fi
  [ "$(wc -l <<<"$said")" -eq 1 ] || fail "submit.sh refused $* in more than one line: $said"
  if [ -n "${SLURM_CONF:-}" ] && [ -n "$(squeue --noheader)" ]; then
    fail "submit.sh refused $* but submitted: $(squeue)"
  fi
  echo "  $* → $said" >&2
}
echo "slurm check: settings submit.sh refuses" >&2
# No Slurm to reach, should one of these get as far as sbatch.
for tasks_given in 0 -3 abc; do refused SLURM_CONF=/nonexistent "$tasks_given"; done
refused SLURM_CONF=/nonexistent GPUS=two
refused SLURM_CONF=/nonexistent GPUS=gpu:1
refused SLURM_CONF=/nonexistent ONLY=2
refused SLURM_CONF=/nonexistent ONLY=1,a

if ! started=$(tools/slurm/local-cluster.sh start "$cluster"); then
  if [ "${CI:-}" = true ]; then
    fail "the local Slurm did not start (CI=true: this fails rather than skips)"
  fi
  echo "slurm check: skipped, the local Slurm did not start (see above); CI=true makes this fail" >&2
  exit 0
fi
export "${started?}"

# The state of a job (or array task, JOB_I) while slurmctld remembers it.
state() {
  scontrol show job --oneliner "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -n 1
}

# Waits until the job has ended and checks that it ended as expected.
ends() {
  local job=$1 expected=$2 now=""
  for _ in $(seq $((wait_limit * 5))); do
    now=$(state "$job")
    case $now in PENDING | RUNNING | CONFIGURING | COMPLETING | SUSPENDED | "") sleep 0.2 ;; *) break ;; esac
  done
  if [ "$now" != "$expected" ]; then
    tail -n 20 "$work"/logs/*.log >&2 2>/dev/null || true
    fail "job $job is ${now:-unknown}, expected $expected"
  fi
}

# The IDs in submit.sh's last line: "submitted the array J (tasks … of N) and its report R".
submit() {
  local said
  said=$(LIMITFIT=$limitfit DIMS=$dims RESULTS=$work/shards OUT=$work/merged LOGS=$work/logs \
    tools/slurm/submit.sh "$tasks" "$@")
  echo "  $said" >&2
  read -r array report < <(sed -n 's/^submitted the array \([0-9]*\) .* its report \([0-9]*\)$/\1 \2/p' <<<"$said")
  [ -n "$report" ] || fail "submit.sh said: $said"
}

echo "slurm check: a CPU cluster; settings sbatch refuses" >&2
refused GPUS=1 # what curve.sbatch used to ask for on every cluster
refused PARTITION=nowhere

# The curve of one run, to compare with.
"$limitfit" curve --dims "$dims" --results "$work/whole.jsonl" --out "$work/whole" --quiet >/dev/null

# Critical-n per d and the cubic must be the same numbers (nothing else in curve.json may differ
# either, apart from times, of which it keeps none today).
same_curve() {
  python3 - "$work/whole/curve.json" "$work/merged/curve.json" <<'EOF'
import json, sys
whole, merged = (json.load(open(path)) for path in sys.argv[1:])
def numbers(curve):
    return ([(p["dimension"], p["criticalN"]) for p in curve["points"]], curve["cubic"])
if numbers(whole) != numbers(merged):
    sys.exit(f"slurm check: the merged curve {numbers(merged)} is not the one run's {numbers(whole)}")
others = sorted(key for key in whole.keys() | merged.keys() if whole.get(key) != merged.get(key))
if others:
    sys.exit(f"slurm check: the merged curve.json differs from the one run's in {', '.join(others)}")
print("  critical-n", ", ".join(f"d = {d}: {n}" for d, n in numbers(merged)[0]), file=sys.stderr)
EOF
}

echo "slurm check: the array of $tasks tasks and its report (d = $dims)" >&2
# The settings a cluster needs, as this one can meet them: its partition, a time limit, no GPU,
# and an sbatch option passed through.
PARTITION=local TIME_LIMIT=10 GPUS=0 submit --cpus-per-task=1
ends "$report" COMPLETED
same_curve

echo "slurm check: a GPU cluster; task 1 cancelled midway, then rerun alone" >&2
tools/slurm/local-cluster.sh stop "$cluster"
started=$(FAKE_GPUS=2 tools/slurm/local-cluster.sh start "$cluster") || fail "the local Slurm with GPUs did not start"
export "${started?}"
rm -rf "$work/shards" "$work/merged" "$work/logs"
GPUS=--gres=gpu:1 submit
# Cancelled once it has kept a fit of d = 5, its second dimension: d = 7 is still to come.
shard=$work/shards/shard-1.jsonl
for _ in $(seq $((wait_limit * 20))); do
  grep -q '"dimension":5' "$shard" 2>/dev/null && break
  sleep 0.05
done
scancel "${array}_1"
ends "${array}_1" CANCELLED
ends "$report" CANCELLED # its dependency can no longer be met
grep -q '"dimension":7' "$shard" && fail "task 1 reached d = 7 before it was cancelled; nothing was tested"
[ -e "$work/merged" ] && fail "the report wrote a curve without task 1"
kept=$(grep -c . "$shard")
cancelled=$array
ONLY=1 GPUS=1 submit
ends "$report" COMPLETED
# Slurm gave each task the GPU it asked for, either way.
for task in "${cancelled}_0" "${cancelled}_1" "${array}_1"; do
  scontrol show job --details "$task" | grep -q "JOB_GRES=gpu:1" || fail "task $task got no GPU: $(scontrol show job --details "$task")"
done
grep -q "fits reused" "$work/logs/curve-1.log" || fail "the rerun's log says nothing of reused fits"
reused=$(sed -n 's/.* \([0-9]*\) fits reused.*/\1/p' "$work/logs/curve-1.log" | awk '{ s += $1 } END { print s + 0 }')
((reused > 0)) || fail "the rerun reused none of the $kept lines task 1 kept"
echo "  the rerun reused $reused fits of the $kept lines the cancelled task kept" >&2
same_curve
echo "slurm check: passed in $SECONDS s" >&2
