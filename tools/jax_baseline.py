#!/usr/bin/env python3
"""The free-embedding fit in JAX/optax, written from DESIGN.md §1: the peer a researcher would
otherwise use, for side-by-side benchmarks with limitfit.

All C(n, 2) pairs of n documents are the queries. One step, jitted as a whole: S = Q Dᵀ / τ,
multi-positive InfoNCE, its gradient, optax.adam, every row renormalised; the loss is read back
every step, as an early-stopping loop must, and the solved count every 50 steps, as the
paper's script samples its accuracy. Prints one
JSON object per run, with the keys limitfit's `fit --json` uses for the same numbers.

--precision sets JAX's matrix-product precision: `default` lets a GPU use TF32 tensor cores
(inputs rounded to 10-bit mantissas), `highest` computes in full float32 as limitfit does.

    tools/jax_baseline.py --docs 64 --dim 8 --iterations 2000 --precision highest
"""
import argparse
import json
import platform
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax


def all_pairs(n):
    first, second = np.triu_indices(n, k=1)
    return jnp.asarray(np.stack([first, second], axis=1), dtype=jnp.int32)


def unit_rows(x):
    return x / jnp.linalg.norm(x, axis=1, keepdims=True)


def make_step(n, positives, temperature, learning_rate):
    """The jitted step and solved count; the pairs and the relevance matrix are arguments,
    not constants folded into the compiled program."""
    optimizer = optax.adam(learning_rate)

    def scores(params):
        return params["q"] @ params["d"].T / temperature

    def loss(params, pairs):
        s = scores(params)
        lse = jax.nn.logsumexp(s, axis=1)
        return -(jnp.sum(jnp.take_along_axis(s, pairs, axis=1)) - 2 * jnp.sum(lse)) / positives

    @jax.jit
    def solved(params, pairs):
        s = scores(params)
        relevant = jnp.zeros(s.shape, bool).at[jnp.arange(s.shape[0])[:, None], pairs].set(True)
        worst_relevant = jnp.min(jnp.where(relevant, s, jnp.inf), axis=1)
        best_irrelevant = jnp.max(jnp.where(relevant, -jnp.inf, s), axis=1)
        return jnp.sum(worst_relevant > best_irrelevant)

    @jax.jit
    def step(params, state, pairs):
        value, grads = jax.value_and_grad(loss)(params, pairs)
        updates, state = optimizer.update(grads, state, params)
        params = optax.apply_updates(params, updates)
        params = {name: unit_rows(p) for name, p in params.items()}
        return params, state, value

    return optimizer, step, solved


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, required=True, help="n, the number of documents")
    parser.add_argument("--dim", type=int, required=True, help="d, the embedding dimension")
    parser.add_argument("--iterations", type=int, default=1000, help="the fewest steps timed")
    parser.add_argument("--seconds", type=float, default=0, help="the least time timed")
    parser.add_argument("--warmup", type=int, default=3, help="steps run before timing (compilation)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--precision", choices=["default", "highest"], default="highest",
                        help="matrix-product precision: default (TF32 on GPUs) or highest (float32)")
    args = parser.parse_args()
    jax.config.update("jax_default_matmul_precision", args.precision)
    if args.docs < 3 or args.dim < 1 or args.iterations < 1:
        parser.error("need --docs ≥ 3, --dim ≥ 1 and --iterations ≥ 1")

    pairs = all_pairs(args.docs)
    m = pairs.shape[0]
    keys = jax.random.split(jax.random.PRNGKey(args.seed))
    params = {
        "q": unit_rows(jax.random.normal(keys[0], (m, args.dim), jnp.float32)),
        "d": unit_rows(jax.random.normal(keys[1], (args.docs, args.dim), jnp.float32)),
    }
    optimizer, step, solved = make_step(args.docs, pairs.size, temperature=0.1, learning_rate=0.01)
    state = optimizer.init(params)

    for _ in range(args.warmup):
        params, state, loss = step(params, state, pairs)
        float(loss), int(solved(params, pairs))
    started = time.perf_counter()
    iteration = 0
    while iteration < args.iterations or time.perf_counter() - started < args.seconds:
        iteration += 1
        params, state, loss = step(params, state, pairs)
        last_loss = float(loss)
        if iteration % 50 == 0:
            last_solved = int(solved(params, pairs))
    seconds = time.perf_counter() - started
    last_solved = int(solved(params, pairs))

    device = jax.devices()[0]
    print(json.dumps({
        "backend": "jax",
        "device": f"{device.platform}: {device.device_kind}",
        "jaxVersion": jax.__version__,
        "python": platform.python_version(),
        "documents": args.docs,
        "dimension": args.dim,
        "queries": m,
        "iterations": iteration,
        "matmulPrecision": args.precision,
        "iterationsPerSecond": iteration / seconds,
        "gigaflopsPerSecond": 6 * m * args.docs * args.dim * iteration / seconds / 1e9,
        "finalLoss": last_loss,
        "solvedQueries": last_solved,
    }))


if __name__ == "__main__":
    main()
