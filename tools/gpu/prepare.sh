#!/usr/bin/env bash
# Run on the development machine: gathers into gpu-bundle/ (git-ignored) what tools/gpu/run.sh
# needs on a GPU machine that has no Swift toolchain and no network: a statically linked
# release binary of limitfit, Debian's ICD loader libOpenCL.so.1 (ocl-icd-libopencl1), and the
# JAX baseline. Then copy the repository (with gpu-bundle/) to the GPU machine and run
# tools/gpu/run.sh there.
set -euo pipefail
cd "$(dirname "$0")/../.."

bundle=gpu-bundle
mkdir -p "$bundle"
swift build -c release --static-swift-stdlib --scratch-path .build-gpu --product limitfit
# Without its symbol table the binary is about half the size, small enough to carry.
strip -o "$bundle/limitfit" .build-gpu/release/limitfit

packages=$(mktemp -d)
trap 'rm -rf "$packages"' EXIT
(cd "$packages" && apt-get download ocl-icd-libopencl1 >/dev/null)
dpkg -x "$packages"/ocl-icd-libopencl1_*.deb "$packages/root"
cp -L "$packages"/root/usr/lib/*/libOpenCL.so.1 "$bundle/libOpenCL.so.1"
cp tools/jax_baseline.py "$bundle/"
# The full LIMIT's qrels, for run.sh's limit section (../shared is not on the device machine).
cp ../shared/data/limit/qrels.jsonl "$bundle/limit-qrels.jsonl"
git rev-parse HEAD > "$bundle/commit" 2>/dev/null || echo unknown > "$bundle/commit"
git diff --quiet 2>/dev/null || echo "(with uncommitted changes)" >> "$bundle/commit"
ls -l "$bundle"
