#!/usr/bin/env bash
# Submits the curve as a Slurm job array (curve.sbatch, one task per shard) and the report that
# merges it (report.sbatch), which starts when every task has ended well and is cancelled when
# one has not:
#
#   tools/slurm/submit.sh [TASKS [SBATCH_OPTION…]]
#
# TASKS is the number of shards (default 8); further arguments are sbatch options for each task
# of the array (--cpus-per-task=…, --mem=…, --exclusive, --constraint=…), not for the report,
# which needs little; options both need can come as sbatch's own environment (SBATCH_QOS=…).
# Settings (environment; unset or empty: none, or the cluster's default):
#   GPUS        each task's GPU request: a count (GPUS=1 asks --gpus=1) or sbatch options
#               (GPUS=--gres=gpu:a100:1); none by default or with 0, as a CPU cluster wants
#   PARTITION   the partition of both jobs;  ACCOUNT  the account charged for both
#   TIME_LIMIT  each task's time limit (sbatch --time); the report asks for 10 minutes
#   ONLY        submit only these tasks of the TASKS (ONLY=5, ONLY=1,5) and the report after
#               them: a killed or failed task reruns, reusing its finished fits
#   LOGS        the folder of the jobs' logs, curve-I.log and report.log (default logs; a rerun's
#               task appends to its log)
#   DIMS, RESULTS, OUT, OVERWRITE and LIMITFIT pass through to the scripts.
# Relative paths are taken from the repository's root, where the jobs start.
set -euo pipefail
cd "$(dirname "$0")/../.."

die() {
  echo "submit.sh: $*" >&2
  exit 64
}

tasks=${1:-8}
if [[ ! $tasks =~ ^[0-9]{1,5}$ ]] || ((10#$tasks < 1 || 10#$tasks > 10000)); then
  die "TASKS must be a whole number from 1 to 10000, not \"$tasks\""
fi
tasks=$((10#$tasks))
shift $(($# > 0 ? 1 : 0))
export TASKS=$tasks

# The array's tasks: all of them, or those ONLY names (in range).
array=0-$((tasks - 1))
logs=${LOGS:-logs}
task_log=(--output="$logs/curve-%a.log")
if [ -n "${ONLY:-}" ]; then
  [[ $ONLY =~ ^[0-9]{1,5}(,[0-9]{1,5})*$ ]] || die "ONLY must list task numbers like 5 or 1,5, not \"$ONLY\""
  IFS=, read -ra only <<<"$ONLY"
  array=""
  for task in "${only[@]}"; do
    task=$((10#$task))
    ((task < tasks)) || die "ONLY: task $task is not one of the $tasks tasks (0 to $((tasks - 1)))"
    array+=${array:+,}$task
  done
  task_log+=(--open-mode=append)
fi

# What both jobs ask for, then what only the array's tasks ask for.
both=()
[ -n "${PARTITION:-}" ] && both+=(--partition="$PARTITION")
[ -n "${ACCOUNT:-}" ] && both+=(--account="$ACCOUNT")
each=("$@")
if [[ ${GPUS:-} =~ ^[0-9]{1,4}$ ]]; then
  ((10#$GPUS == 0)) || each+=(--gpus="$((10#$GPUS))")
elif [[ ${GPUS:-} == --* ]]; then
  read -ra gpus <<<"$GPUS"
  each+=("${gpus[@]}")
elif [ -n "${GPUS:-}" ]; then
  die "GPUS must be a GPU count (1) or sbatch options (--gres=gpu:1), not \"$GPUS\""
fi
[ -n "${TIME_LIMIT:-}" ] && each+=(--time="$TIME_LIMIT")

command -v sbatch >/dev/null || die "sbatch not found: run this where Slurm's commands are (a login node)"
mkdir -p "$logs"
errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
# sbatch, with what it says on standard error passed on, or in one line when it refuses the job.
submit() {
  local what=$1 said
  shift
  if said=$(sbatch --parsable --export=ALL "$@" 2>"$errors"); then
    cat "$errors" >&2
    echo "${said%%;*}"
  else
    echo "submit.sh: sbatch refused the $what: $(sed 's/^sbatch: //' "$errors" | paste -sd ';' - | sed 's/;/; /g')" >&2
    return 1
  fi
}
# Refused (a partition, a GPU request): nothing is submitted.
job=$(submit array --array="$array" "${task_log[@]}" "${each[@]}" "${both[@]}" tools/slurm/curve.sbatch) || exit 1
# The report is cancelled, not left pending forever, if a task does not end well.
if ! report=$(submit report --dependency=afterok:"$job" --kill-on-invalid-dep=yes --output="$logs/report.log" \
  "${both[@]}" tools/slurm/report.sbatch); then
  scancel "$job"
  echo "submit.sh: the array $job is cancelled, as its report was refused" >&2
  exit 1
fi
echo "submitted the array $job (tasks $array of $tasks) and its report $report"
