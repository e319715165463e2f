#!/usr/bin/env bash
# Measures fit steps per second of each backend at fixed sizes, runs alternating between
# backends so that both see the same machine load, and prints a Markdown table of medians.
#
#   tools/bench-fit.sh [ROUNDS]           (default 5 rounds)
#   BACKENDS="cpu opencl" SIZES="64:8:2000 256:16:60" tools/bench-fit.sh
#
# SIZES lists n:d:iterations; every fit runs exactly that many steps (run to the iteration
# limit, never stopping early). GFLOP/s counts 6·m·n·d floating-point operations per step.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${1:-5}
backends=${BACKENDS:-cpu}
sizes=${SIZES:-"64:8:2000 256:16:60"}

swift build -c release --product limitfit >/dev/null
binary=.build/release/limitfit
samples=$(mktemp)
trap 'rm -f "$samples"' EXIT

for _ in $(seq "$rounds"); do
  for size in $sizes; do
    IFS=: read -r n d iterations <<<"$size"
    for backend in $backends; do
      "$binary" fit --docs "$n" --dim "$d" --backend "$backend" --max-iterations "$iterations" \
        --patience "$((iterations + 1))" --run-to-plateau --json - 2>/dev/null >>"$samples"
    done
  done
done

python3 - "$samples" <<'PY'
import json, statistics, sys
from collections import defaultdict
decoder = json.JSONDecoder()
text = open(sys.argv[1]).read()
rates = defaultdict(list)
devices = {}
position = 0
while position < len(text):
    while position < len(text) and text[position].isspace():
        position += 1
    if position == len(text):
        break
    result, position = decoder.raw_decode(text, position)
    key = (result["documents"], result["dimension"], result["queries"], result["backend"])
    rates[key].append(result["iterationsPerSecond"])
    devices[result["backend"]] = result["device"]
print("| n | d | m | backend | runs | median it/s | GFLOP/s | vs cpu |")
print("|---:|---:|---:|---|---:|---:|---:|---:|")
for (n, d, m, backend), values in sorted(rates.items()):
    median = statistics.median(values)
    cpu = statistics.median(rates.get((n, d, m, "cpu"), [float("nan")]))
    print(f"| {n} | {d} | {m} | {backend} | {len(values)} | {median:.1f} | "
          f"{6 * m * n * d * median / 1e9:.2f} | {median / cpu:.2f}× |")
for backend, device in sorted(devices.items()):
    print(f"\n{backend}: {device}")
PY
