#!/usr/bin/env bash
# Run on the GPU machine, from the repository root, after tools/gpu/prepare.sh filled
# gpu-bundle/:
#
#   tools/gpu/run.sh OUT [CURVE_SECONDS]
#   SECTIONS="jax curve" SIZES="1500:64" tools/gpu/run.sh OUT 100     (a rerun of some parts)
#
# Finds NVIDIA's OpenCL library, registers it with the bundled ICD loader, then runs, appending
# everything to OUT/results.txt (and JSON lines beside it): limitfit devices, limitfit tune
# (OUT/tuning.json, which every later section reads), limitfit validate with the tuned tiles,
# limitfit bench over a grid of (n, d) with both OpenCL steps, tuned and with the defaults, the
# JAX baseline on the same GPU and sizes in both matrix precisions, and limitfit curve on the GPU for CURVE_SECONDS (default 180) — killed then, which
# loses at most the fit in progress: OUT/curve-results.jsonl keeps every finished fit; then
# limitfit min-dim on the full LIMIT with its 49,954 negatives for as long, and verify on the
# certificates it wrote.
set -uo pipefail
out=${1:?usage: tools/gpu/run.sh OUT [CURVE_SECONDS]}
curve_seconds=${2:-180}
bundle=$(pwd)/gpu-bundle
mkdir -p "$out"
results=$out/results.txt
note() { echo "== $*" | tee -a "$results"; }
run() { note "$*"; "$@" 2>&1 | tee -a "$results"; }

note "limitfit $(cat "$bundle/commit" | tr '\n' ' ') on $(hostname), $(date -u +%FT%TZ)"
run nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv

# NVIDIA's OpenCL implementation, wherever the driver put it.
library=$(find /usr/lib /usr/lib64 /usr/local /opt /lib -name 'libnvidia-opencl.so*' 2>/dev/null | sort | head -1)
if [ -z "$library" ]; then
  note "no libnvidia-opencl.so found under /usr/lib /usr/lib64 /usr/local /opt /lib"
  run ls /etc/OpenCL/vendors
  exit 3
fi
note "NVIDIA OpenCL library: $library"
vendors=$(mktemp -d)
echo "$library" > "$vendors/nvidia.icd"
export OCL_ICD_VENDORS=$vendors
export LIMITFIT_OPENCL_LIBRARY=$bundle/libOpenCL.so.1
# The tuning comes back with the results; the built programs stay on the machine.
export LIMITFIT_TUNING=$out/tuning.json
export LIMITFIT_CACHE=$(mktemp -d)
limitfit=$bundle/limitfit
# The static binary still links the C libraries (libc, libstdc++, libz) from the machine.
if ldd "$limitfit" | grep -q "not found"; then
  note "limitfit needs libraries this machine lacks:"
  ldd "$limitfit" | grep "not found" | tee -a "$results"
  exit 3
fi

# (3000, 64): m = 4.5 M, a 54 GB score matrix, so the blocked step runs in two blocks.
sizes=${SIZES:-"64:8 256:16 512:32 1024:32 1024:64 1500:64 3000:64"}

devices() { run "$limitfit" devices; }

tune() { run "$limitfit" tune; }

validate() { run "$limitfit" validate --backend opencl; }

bench() {
  note "limitfit bench: both OpenCL steps, tuned and with the defaults; the CPU backend up to n = 512"
  for size in $sizes; do
    IFS=: read -r n d <<<"$size"
    for step in fused blocked; do
      # The fused step takes about 20 s a step at (3000, 64): measured up to n = 1500.
      [ "$step" = fused ] && [ "$n" -gt 1500 ] && continue
      for tuning in "$LIMITFIT_TUNING" /nonexistent; do
        LIMITFIT_TUNING=$tuning LIMITFIT_OPENCL_STEP=$step "$limitfit" bench --backend opencl --docs "$n" \
          --dim "$d" --seconds 1 --repeats 3 --json | tee -a "$out/bench.jsonl"
      done
    done
    if [ "$n" -le 512 ]; then
      "$limitfit" bench --backend cpu --docs "$n" --dim "$d" --seconds 1 --repeats 1 --json | tee -a "$out/bench.jsonl"
    fi
  done
}

jax() {
  note "JAX baseline on the same GPU and sizes, float32 (highest) and TF32 (default) products"
  for size in $sizes; do
    IFS=: read -r n d <<<"$size"
    for precision in highest default; do
      timeout 90 python3 "$bundle/jax_baseline.py" --docs "$n" --dim "$d" --iterations 10 --seconds 2 \
        --precision "$precision" 2>>"$out/jax.log" | tee -a "$out/jax.jsonl"
    done
  done
}

curve() {
  note "curve on the GPU for $curve_seconds s"
  timeout "$curve_seconds" "$limitfit" curve --backend opencl --dims 2...64 \
    --results "$out/curve-results.jsonl" --out "$out/curve" 2>&1 | tail -n 80 >>"$results"
  note "curve exit status ${PIPESTATUS[0]} (124: stopped by the time limit)"
  "$limitfit" report --results "$out/curve-results.jsonl" --out "$out/report" 2>&1 | tee -a "$results"
}

limit() {
  note "min-dim on the full LIMIT (1000 queries, 46 relevant documents + 49,954 negatives) for $curve_seconds s"
  timeout "$curve_seconds" "$limitfit" min-dim --backend opencl --qrels "$bundle/limit-qrels.jsonl" \
    --negatives 49954 --results "$out/limit-results.jsonl" --save-construction "$out/limit-construction" \
    --save-embeddings "$out/limit-optimiser" 2>&1 | tee -a "$results"
  note "min-dim exit status ${PIPESTATUS[0]} (124: stopped by the time limit; its fits are in limit-results.jsonl)"
  for certificate in limit-construction limit-optimiser; do
    [ -d "$out/$certificate" ] && run "$limitfit" verify "$out/$certificate" --qrels "$bundle/limit-qrels.jsonl" --negatives 49954
  done
}

for section in ${SECTIONS:-devices tune validate bench jax curve limit}; do "$section"; done
