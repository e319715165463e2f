#!/usr/bin/env bash
# limitfit's CPU backend against the JAX baseline (tools/jax_baseline.py) on this machine:
# alternating runs at each size, medians and ratios, written into BENCHMARKS.md between the
# markers "<!-- tools/bench.sh -->" and "<!-- end tools/bench.sh -->" (and printed).
#
#   tools/bench.sh                      5 rounds at (n, d) = (64, 8) and (512, 32)
#   ROUNDS=3 SIZES="64:8 256:16" SECONDS_PER_RUN=2 tools/bench.sh
#
# Three contenders per size and round, in turn: limitfit built for any x86-64 (the default
# build), limitfit built with LIMITFIT_TARGET_CPU (default haswell: AVX2 and FMA; skipped
# where the CPU lacks them), and JAX on the CPU. JAX and optax go into tools/.venv.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${ROUNDS:-5}
sizes=${SIZES:-"64:8 512:32"}
seconds=${SECONDS_PER_RUN:-3}
target_cpu=${LIMITFIT_TARGET_CPU:-haswell}

if [ ! -x tools/.venv/bin/python ]; then
  python3 -m venv tools/.venv
fi
tools/.venv/bin/python -c "import jax, optax" 2>/dev/null || tools/.venv/bin/pip install --quiet jax optax

swift build -c release --product limitfit >/dev/null
contenders=("portable:.build/release/limitfit")
if grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then
  LIMITFIT_TARGET_CPU=$target_cpu swift build -c release --product limitfit --scratch-path .build-native >/dev/null
  contenders+=("$target_cpu:.build-native/release/limitfit")
fi

samples=$(mktemp)
trap 'rm -f "$samples"' EXIT
for round in $(seq "$rounds"); do
  for size in $sizes; do
    IFS=: read -r n d <<<"$size"
    for contender in "${contenders[@]}"; do
      build=${contender%%:*}
      binary=${contender#*:}
      "$binary" bench --backend cpu --docs "$n" --dim "$d" --seconds "$seconds" --repeats 1 --json \
        | sed "s/^{/{\"build\":\"$build\",/" >>"$samples"
    done
    tools/.venv/bin/python tools/jax_baseline.py --docs "$n" --dim "$d" --iterations 3 \
      --seconds "$seconds" 2>/dev/null >>"$samples"
    echo "round $round/$rounds, n = $n, d = $d" >&2
  done
done

machine="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB"
swift_version=$(swift --version 2>&1 | head -1)
tools/.venv/bin/python - "$samples" "$machine" "$swift_version" "$rounds" "$seconds" "$target_cpu" <<'PY'
import json, statistics, sys, datetime, re
samples, machine, swift_version, rounds, seconds, target_cpu = sys.argv[1:]
runs = [json.loads(line) for line in open(samples) if line.strip()]
rates, versions = {}, {}
for run in runs:
    name = "jax" if run["backend"] == "jax" else f"limitfit ({run['build']})"
    rates.setdefault((run["documents"], run["dimension"], run["queries"]), {}).setdefault(name, []).append(run["iterationsPerSecond"])
    if run["backend"] == "jax":
        versions["jax"] = run["jaxVersion"]
lines = [
    "<!-- tools/bench.sh -->",
    f"Written by `tools/bench.sh` on {datetime.date.today()}: {rounds} rounds of alternating runs, at least {seconds} s each; medians, "
    "and each median's ratio to JAX's. GFLOP/s counts 6·m·n·d per step.",
    "",
    f"Machine: {machine}. {swift_version}; JAX {versions.get('jax', '?')} (CPU, XLA). "
    f"`{target_cpu}` is the build with `LIMITFIT_TARGET_CPU={target_cpu}` (AVX2, FMA).",
    "",
    "| n | d | m | contender | runs | median it/s | GFLOP/s | vs JAX |",
    "|---:|---:|---:|---|---:|---:|---:|---:|",
]
for (n, d, m), by_name in sorted(rates.items()):
    jax = statistics.median(by_name.get("jax", [float("nan")]))
    for name, values in sorted(by_name.items()):
        median = statistics.median(values)
        lines.append(f"| {n} | {d} | {m} | {name} | {len(values)} | {median:.2f} | {6 * m * n * d * median / 1e9:.2f} | {median / jax:.2f}× |")
lines.append("<!-- end tools/bench.sh -->")
section = "\n".join(lines)
print(section)
text = open("BENCHMARKS.md").read()
pattern = re.compile(r"<!-- tools/bench.sh -->.*?<!-- end tools/bench.sh -->", re.S)
if pattern.search(text):
    text = pattern.sub(lambda _: section, text)
else:
    text = text.rstrip("\n") + "\n\n## limitfit against JAX on this machine\n\n" + section + "\n"
open("BENCHMARKS.md", "w").write(text)
PY
