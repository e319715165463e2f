#!/usr/bin/env bash
# limitfit's CPU backend against the JAX baseline (tools/jax_baseline.py) on this machine:
# alternating runs at each size, medians and ratios, written into BENCHMARKS.md between the
# markers "<!-- tools/bench.sh -->" and "<!-- end tools/bench.sh -->" (and printed).
#
#   tools/bench.sh                      5 rounds at (n, d) = (64, 8), (256, 16) and (512, 32)
#   ROUNDS=3 SIZES="64:8 256:16" SECONDS_PER_RUN=2 tools/bench.sh
#   BASELINE=../old/.build/release/limitfit tools/bench.sh   # and an earlier build, side by side
#
# One binary, the default release build, at each instruction-set level this CPU runs
# (LIMITFIT_CPU_LEVEL: portable, avx2, avx512; without it the widest runs), and JAX on the CPU,
# in turn at each size and round. JAX and optax go into tools/.venv.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${ROUNDS:-5}
sizes=${SIZES:-"64:8 256:16 512:32"}
seconds=${SECONDS_PER_RUN:-3}

if [ ! -x tools/.venv/bin/python ]; then
  python3 -m venv tools/.venv
fi
tools/.venv/bin/python -c "import jax, optax" 2>/dev/null || tools/.venv/bin/pip install --quiet jax optax

swift build -c release --product limitfit >/dev/null
binary=.build/release/limitfit
levels=()
for level in portable avx2 avx512; do
  if LIMITFIT_CPU_LEVEL=$level "$binary" bench --backend cpu --docs 4 --dim 2 --seconds 0 --repeats 1 >/dev/null 2>&1; then
    levels+=("$level")
  fi
done
default_level=${levels[${#levels[@]}-1]}

samples=$(mktemp)
trap 'rm -f "$samples"' EXIT
for round in $(seq "$rounds"); do
  for size in $sizes; do
    IFS=: read -r n d <<<"$size"
    for level in "${levels[@]}"; do
      LIMITFIT_CPU_LEVEL=$level "$binary" bench --backend cpu --docs "$n" --dim "$d" --seconds "$seconds" \
        --repeats 1 --json | sed "s/^{/{\"level\":\"$level\",/" >>"$samples"
      if [ -n "${BASELINE:-}" ]; then
        LIMITFIT_CPU_LEVEL=$level "$BASELINE" bench --backend cpu --docs "$n" --dim "$d" --seconds "$seconds" \
          --repeats 1 --json | sed "s/^{/{\"level\":\"$level\",\"baseline\":true,/" >>"$samples"
      fi
    done
    tools/.venv/bin/python tools/jax_baseline.py --docs "$n" --dim "$d" --iterations 3 \
      --seconds "$seconds" 2>/dev/null >>"$samples"
    echo "round $round/$rounds, n = $n, d = $d" >&2
  done
done

machine="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB"
swift_version=$(swift --version 2>&1 | head -1)
baseline_version=""
if [ -n "${BASELINE:-}" ]; then baseline_version=$("$BASELINE" --version); fi
tools/.venv/bin/python - "$samples" "$machine" "$swift_version" "$rounds" "$seconds" "$default_level" "$baseline_version" <<'PY'
import json, statistics, sys, datetime, re
samples, machine, swift_version, rounds, seconds, default_level, baseline = sys.argv[1:]
runs = [json.loads(line) for line in open(samples) if line.strip()]
rates, versions = {}, {}
for run in runs:
    name = "jax" if run["backend"] == "jax" else ("baseline " if run.get("baseline") else "limitfit ") + run["level"] + (" (default)" if run["level"] == default_level else "")
    rates.setdefault((run["documents"], run["dimension"], run["queries"]), {}).setdefault(name, []).append(run["iterationsPerSecond"])
    if run["backend"] == "jax":
        versions["jax"] = run["jaxVersion"]
lines = [
    "<!-- tools/bench.sh -->",
    f"Written by `tools/bench.sh` on {datetime.date.today()}: {rounds} rounds of alternating runs, at least {seconds} s each; medians, "
    "and each median's ratio to JAX's. GFLOP/s counts 6·m·n·d per step.",
    "",
    f"Machine: {machine}. {swift_version}; JAX {versions.get('jax', '?')} (CPU, XLA). "
    f"limitfit is the default release build at each instruction-set level this CPU runs "
    f"(`LIMITFIT_CPU_LEVEL`); without the variable it runs {default_level}."
    + (f" The baseline rows are an earlier build ({baseline}), run in turn with the others." if baseline else ""),
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
