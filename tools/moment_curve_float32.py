#!/usr/bin/env python3
"""The moment curve of `limitfit witness` (d = 4) stored in float32 and *scored* in float32, as
the optimiser's fits are judged, where `witness` and `capacity` score the stored values exactly.

Prints how many pairs fail at n = 222 (the largest n the exact scores solve below the first
failure) and the largest n ≤ 240 that float32 scores solve, summing the four products in
coordinate order. docs/MATHEMATICS.md §7 quotes it.

Usage: tools/moment_curve_float32.py
"""

import numpy as np


def failures(n):
    """(failing pairs, pairs) for n documents, every score a float32 sum of float32 products."""
    angles = 2 * np.pi * np.arange(n) / n
    scale = 1 / np.sqrt(2)
    documents = np.stack([np.cos(angles), np.sin(angles), np.cos(2 * angles), np.sin(2 * angles)], 1) * scale
    documents = documents.astype(np.float32)
    a, b = np.triu_indices(n, 1)
    x, y = angles[a], angles[b]
    queries = np.stack([np.cos(x) + np.cos(y), np.sin(x) + np.sin(y), -0.5 * np.cos(x + y), -0.5 * np.sin(x + y)], 1)
    queries = (queries / np.linalg.norm(queries, axis=1, keepdims=True)).astype(np.float32)
    scores = np.zeros((len(a), n), np.float32)
    for c in range(4):
        scores += queries[:, c:c + 1] * documents[:, c][None, :]
    rows = np.arange(len(a))
    relevant = np.minimum(scores[rows, a], scores[rows, b])
    scores[rows, a] = scores[rows, b] = -np.inf
    return int((relevant <= scores.max(1)).sum()), len(a)


def main():
    failing, pairs = failures(222)
    print(f"n = 222, float32 scores: {failing} of {pairs} pairs not solved")
    largest = max(n for n in range(4, 241) if failures(n)[0] == 0)
    print(f"largest n ≤ 240 solved with float32 scores: {largest}")


if __name__ == "__main__":
    main()
