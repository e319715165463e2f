#!/usr/bin/env python3
"""The exhaustive check of `limitfit capacity` against a numpy loop over the same Gram matrix.

Both check every pair {i, j} of the first n vectors of the BCH code [64, 18, ≥ 22] (halved) with
the sum query x_i + x_j: n score updates (an add and a compare) per pair, C(n, 2)·n in all.
limitfit runs at n = 4096 (the issue's target size) and at the certificate's size; numpy runs a
Python loop over the pairs of the certificate's vectors (documents.npy, written by the same
command), with one vectorised add and max per pair. Prints the machine, each run's median of
three, updates per second and the ratio, measured side by side in one run.

Usage: tools/capacity_bench.py [LIMITFIT_BINARY]   (default .build/release/limitfit)
"""

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np


def limitfit(binary, arguments):
    result = subprocess.run([binary] + arguments, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.splitlines()[0])


def checked_seconds(binary, n, folder=None):
    """Median of three of the exhaustive check's seconds (the Gram matrix included) at n."""
    arguments = ["capacity", "--dims", "64", "--precision", "binary", "--max-check", str(n), "--json", "-",
                 "--results", os.path.join(tempfile.gettempdir(), "limitfit-bench-none.jsonl")]
    runs = []
    for repeat in range(3):
        extra = ["--save-embeddings", folder, "--overwrite"] if folder and repeat == 0 else []
        row = limitfit(binary, arguments + extra)
        part = row["checked"] or {"seconds": row["seconds"], "documents": row["documents"]}
        runs.append(part["seconds"])
    return statistics.median(runs)


def numpy_seconds(documents):
    """One pass of a Python loop over every pair, numpy doing each pair's n updates."""
    x = documents.astype(np.int32)
    gram = x @ x.T
    n = len(x)
    lowest = np.iinfo(np.int32).min // 4
    began = time.perf_counter()
    solved = 0
    for i in range(n):
        for j in range(i + 1, n):
            scores = gram[i] + gram[j]
            relevant = min(scores[i], scores[j])
            scores[i] = scores[j] = lowest
            solved += relevant > scores.max()
    seconds = time.perf_counter() - began
    assert solved == n * (n - 1) // 2, "every pair of the code is solved"
    return seconds


def machine():
    flags = open("/proc/cpuinfo").read()
    model = next((l.split(":", 1)[1].strip() for l in flags.splitlines() if l.startswith("model name")), "?")
    level = "AVX-512" if "avx512bw" in flags else "AVX2" if "avx2" in flags else "SSE2"
    return f"{model}, {os.cpu_count()} cores, {level}; Python {platform.python_version()}, numpy {np.__version__}"


def main():
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/release/limitfit")
    folder = tempfile.mkdtemp()
    print(f"machine: {machine()}")
    print(f"{'what':<34}{'n':>6}{'updates':>12}{'seconds':>10}{'updates/s':>12}")
    small = None
    rates = {}
    for n in (4096, None):
        if n is None:
            # The certificate's size: the vectors numpy reads back.
            checked_seconds(binary, 4096, os.path.join(folder, "certificate"))
            documents = np.load(os.path.join(folder, "certificate", "d64", "documents.npy"))
            n = small = len(documents)
        seconds = checked_seconds(binary, n)
        updates = n * (n - 1) // 2 * n
        rates[n] = updates / seconds
        print(f"{'limitfit capacity (exhaustive)':<34}{n:>6}{updates:>12.3g}{seconds:>10.3f}{updates / seconds:>12.3g}")
    seconds = numpy_seconds(documents)
    updates = small * (small - 1) // 2 * small
    print(f"{'numpy loop over the Gram matrix':<34}{small:>6}{updates:>12.3g}{seconds:>10.3f}{updates / seconds:>12.3g}")
    print(f"ratio at n = {small}: limitfit {rates[small] / (updates / seconds):.0f}× numpy")


if __name__ == "__main__":
    main()
