#!/usr/bin/env python3
"""Draws limitfit's curve.json as the figure people put in papers: critical-n against d, the
least-squares cubic, the paper's cubic dashed, the seeds' spread as error bars and the exact
construction's limits where curve.json has them; as PNG and PDF (matplotlib).

    tools/plot_curve.py results/curve/curve.json --out results/curve/curve [--log-y]

writes results/curve/curve.png and curve.pdf (existing ones only with --overwrite). Cubics are cut where they leave the frame (the
paper's is negative below d = 2.5) rather than drawn along its edge. `series` holds everything
but the drawing and needs only the standard library (tools/test_plot_curve.py tests it).
"""
import argparse
import json
import os
import sys


def cubic(coefficients, d):
    """c0 + c1·d + c2·d² + c3·d³, from curve.json's {"c0": …, "c3": …}."""
    return sum(coefficients[f"c{power}"] * d**power for power in range(4))


MISSING = object()


def kind(value):
    """What a JSON value is, for messages."""
    if value is MISSING:
        return "nothing (the field is missing)"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    return {int: "an integer", float: "a number", str: "a string", list: "a list", dict: "an object"}.get(
        type(value), type(value).__name__)


def field(container, name, where, expected, kinds, optional=False):
    """container[name], checked: one of `kinds` (bool is never a number), or None when optional.
    Raises ValueError naming the field, what was expected and what is there."""
    value = container.get(name, MISSING) if isinstance(container, dict) else MISSING
    if optional and value in (MISSING, None):
        return None
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise ValueError(f"{where}{name}: expected {expected}, not {kind(value)}")
    return value


def series(curve, samples=200, logarithmic=False):
    """What the figure draws, from a parsed curve.json: a dict of lists, no matplotlib.
    Raises ValueError naming the field that is missing or malformed and what was expected."""
    if not isinstance(curve, dict):
        raise ValueError(f"expected a curve.json object that limitfit wrote, not {kind(curve)}")
    for index, point in enumerate(field(curve, "points", "", "a list of points", list)):
        where = f"points[{index}]."
        if not isinstance(point, dict):
            raise ValueError(f"points[{index}]: expected an object, not {kind(point)}")
        field(point, "dimension", where, "an integer", int)
        field(point, "criticalN", where, "an integer or null", int, optional=True)
        for seed, n in enumerate(field(point, "criticalNBySeed", where, "a list", list, optional=True) or []):
            if n is not None and (isinstance(n, bool) or not isinstance(n, int)):
                raise ValueError(f"{where}criticalNBySeed[{seed}]: expected an integer or null, not {kind(n)}")
    field(curve, "seeds", "", "a list of seeds", list, optional=True)
    field(curve, "k", "", "an integer", int, optional=True)
    field(curve, "rSquared", "", "a number or null", (int, float), optional=True)
    for name in ["paperCubic"] + (["cubic"] if curve.get("cubic") is not None else []):
        field(curve, name, "", "an object of coefficients c0 … c3", dict)
        for power in range(4):
            field(curve[name], f"c{power}", f"{name}.", "a number", (int, float))
    for index, limit in enumerate(field(curve, "witnessLimits", "", "a list", list, optional=True) or []):
        where = f"witnessLimits[{index}]."
        if not isinstance(limit, dict):
            raise ValueError(f"witnessLimits[{index}]: expected an object, not {kind(limit)}")
        field(limit, "precision", where, "a string", str)
        field(limit, "dimension", where, "an integer", int)
        field(limit, "documents", where, "an integer", int)
    points = [p for p in curve["points"] if p.get("criticalN") is not None]
    if not points:
        raise ValueError("curve.json has no dimension with a critical-n")
    dims = [p["dimension"] for p in points]
    low, high = min(dims), max(dims)
    grid = [low + (high - low) * i / (samples - 1) for i in range(samples)] if high > low else [low]
    floor = 1 if logarithmic else 0

    def inside(coefficients):
        # None where the cubic leaves the frame, so that matplotlib breaks the line there.
        return [value if value >= floor else None for value in (cubic(coefficients, d) for d in grid)]

    spread = []
    for point in points:
        solved = [n for n in point.get("criticalNBySeed") or [] if n is not None]
        if len(curve.get("seeds", [])) > 1 and solved and min(solved) < max(solved):
            spread.append((point["dimension"], point["criticalN"], min(solved), max(solved)))
    witness = {}
    for limit in curve.get("witnessLimits", []):
        witness.setdefault(limit["precision"], []).append((limit["dimension"], limit["documents"]))
    return {
        "dimensions": dims,
        "critical_n": [p["criticalN"] for p in points],
        "grid": grid,
        "fitted": inside(curve["cubic"]) if curve.get("cubic") else None,
        "r_squared": curve.get("rSquared"),
        "paper": inside(curve["paperCubic"]),
        # (d, critical-n, least a single seed solved, most a single seed solved)
        "spread": spread,
        "witness": {precision: sorted(limits) for precision, limits in witness.items()},
        "k": curve.get("k", 2),
        "seeds": len(curve.get("seeds", [])) or 1,
    }


def draw(data, out, logarithmic=False):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
    axes.plot(data["grid"], data["paper"], "--", color="gray", linewidth=1.2,
              label="paper's cubic (Weller et al. 2025)")
    if data["fitted"]:
        label = "least-squares cubic" + (f" (r² = {data['r_squared']:.4f})" if data["r_squared"] is not None else "")
        axes.plot(data["grid"], data["fitted"], color="#1f77b4", linewidth=1.8, label=label)
    for index, (precision, limits) in enumerate(sorted(data["witness"].items())):
        axes.plot([d for d, _ in limits], [n for _, n in limits], "s-", markersize=3, linewidth=1,
                  color=["#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"][index % 4],
                  label=f"exact construction, {precision}")
    measured = ("measured critical-n (1 seed)" if data["seeds"] == 1
                else f"measured critical-n ({data['seeds']} seeds: any solves; bars span single seeds)")
    axes.plot(data["dimensions"], data["critical_n"], "o", color="#d62728", markersize=4, label=measured)
    if data["spread"]:
        d, n, least, most = zip(*data["spread"])
        axes.errorbar(d, n, yerr=[[c - l for c, l in zip(n, least)], [m - c for c, m in zip(n, most)]],
                      fmt="none", ecolor="#d62728", elinewidth=1, capsize=3)
    axes.set_xlabel("embedding dimension d")
    axes.set_ylabel("critical-n (documents)")
    axes.set_title(f"Free-embedding critical-n, k = {data['k']}")
    if logarithmic:
        axes.set_yscale("log")
        axes.set_ylim(bottom=1)
    else:
        axes.set_ylim(bottom=0)
    axes.grid(alpha=0.3)
    axes.legend(frameon=False, fontsize="small")
    written = []
    for extension in ("png", "pdf"):
        path = f"{out}.{extension}"
        figure.savefig(path, dpi=200)
        written.append(path)
    plt.close(figure)
    return written


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("curve", help="a curve.json that limitfit curve or report wrote")
    parser.add_argument("--out", help="the figure's path without extension (default: beside curve.json)")
    parser.add_argument("--log-y", action="store_true", help="critical-n on a logarithmic axis")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing PNG or PDF")
    args = parser.parse_args()
    try:
        with open(args.curve, encoding="utf-8") as file:
            curve = json.load(file)
        data = series(curve, logarithmic=args.log_y)
    except RecursionError:
        sys.exit(f"plot_curve.py: {args.curve}: nested too deeply to be a curve.json")
    except (OSError, ValueError) as error:
        sys.exit(f"plot_curve.py: {args.curve}: {error}")
    out = args.out or args.curve.removesuffix(".json")
    existing = [f"{out}.{extension}" for extension in ("png", "pdf") if os.path.exists(f"{out}.{extension}")]
    if existing and not args.overwrite:
        sys.exit(f"plot_curve.py: {existing[0]} exists; pass --overwrite to replace it")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        sys.exit("plot_curve.py: needs matplotlib (pip install matplotlib)")
    print("wrote " + ", ".join(draw(data, out, logarithmic=args.log_y)))


if __name__ == "__main__":
    main()
