#!/usr/bin/env bash
# Submits the curve as a Slurm job array (curve.sbatch, one task per shard) and the report that
# merges it (report.sbatch), which starts when every task has ended well:
#
#   tools/slurm/submit.sh [TASKS]        (default 8; DIMS, RESULTS, OUT, OVERWRITE and LIMITFIT pass through)
set -euo pipefail
cd "$(dirname "$0")/../.."
export TASKS=${1:-8}
tasks=$TASKS
if [[ ! $tasks =~ ^[0-9]{1,5}$ ]] || ((10#$tasks < 1 || 10#$tasks > 10000)); then
  echo "submit.sh: TASKS must be a whole number from 1 to 10000, not \"$tasks\"" >&2
  exit 64
fi
tasks=$((10#$tasks))
export TASKS=$tasks
mkdir -p logs
array=$(sbatch --parsable --array=0-$((tasks - 1)) --export=ALL tools/slurm/curve.sbatch)
sbatch --dependency=afterok:"${array%%;*}" --export=ALL tools/slurm/report.sbatch
echo "submitted the array $array ($tasks tasks) and its report"
