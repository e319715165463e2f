#!/usr/bin/env python3
"""Draws limitfit's curve.json as the figure people put in papers: critical-n against d, the
least-squares cubic, the paper's cubic dashed, the seeds' spread as error bars and the exact
construction's limits where curve.json has them; as PNG and PDF (matplotlib). Several
curve.json files (InfoNCE against hinge, say) are drawn in one figure, each labelled by its
--label, or by its loss and aggregate.

    tools/plot_curve.py results/curve/curve.json [MORE.json …] [--label L …] --out results/curve/curve [--log-y]

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
    aggregate = curve.get("aggregate", "max")
    key = {"max": "criticalN", "mean": "seedMean", "median": "seedMedian"}.get(aggregate)
    if key is None:
        raise ValueError(f'"aggregate" is {aggregate!r}, not max, mean or median')
    # What `capacity` proves ("proved"; older files: the construction's "witnessLimits").
    for name in ("proved", "witnessLimits"):
        for index, limit in enumerate(field(curve, name, "", "a list", list, optional=True) or []):
            where = f"{name}[{index}]."
            if not isinstance(limit, dict):
                raise ValueError(f"{name}[{index}]: expected an object, not {kind(limit)}")
            field(limit, "precision", where, "a string", str)
            field(limit, "dimension", where, "an integer", int)
            if field(limit, "documents", where, "an integer or null", int, optional=True) is None:
                field(limit, "log10Documents", where, "a number", (int, float))
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

    def value(point):
        return point[key] if point.get(key) is not None else point["criticalN"]

    spread = []
    for point in points:
        # The seeds' own critical-n, a seed that solved none of the n fitted counted as the
        # smallest of them − 1 (curve.json's seedValues; older files: the seeds that solved).
        seeds = point.get("seedValues") or [n for n in point.get("criticalNBySeed") or [] if n is not None]
        if len(curve.get("seeds", [])) > 1 and seeds and min(seeds) < max(seeds):
            spread.append((point["dimension"], value(point), min(seeds), max(seeds)))
    proved = {}
    for limit in (curve.get("proved") or []) + (curve.get("witnessLimits") or []):
        count = limit["documents"] if limit.get("documents") is not None else 10 ** limit["log10Documents"]
        proved.setdefault(limit["precision"], []).append((limit["dimension"], count))
    return {
        "dimensions": dims,
        "critical_n": [value(p) for p in points],
        "aggregate": aggregate,
        "loss": (curve.get("hyperparameters") or {}).get("loss", "infonce"),
        "grid": grid,
        "fitted": inside(curve["cubic"]) if curve.get("cubic") else None,
        "r_squared": curve.get("rSquared"),
        "paper": inside(curve["paperCubic"]),
        # (d, the point drawn, the least and the largest of the seeds' own critical-n)
        "spread": spread,
        "proved": {precision: sorted(limits) for precision, limits in proved.items()},
        "k": curve.get("k", 2),
        "seeds": len(curve.get("seeds", [])) or 1,
    }


LOSS_NAMES = {"infonce": "InfoNCE", "sigmoid": "sigmoid", "hinge": "hinge"}
COLOURS = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]


def label(data):
    """"InfoNCE, 3 seeds, max": the loss and, for several seeds, the aggregate drawn."""
    text = LOSS_NAMES.get(data["loss"], data["loss"])
    if data["seeds"] > 1:
        rule = "max: any seed solves" if data["aggregate"] == "max" else data["aggregate"]
        text += f", {data['seeds']} seeds, {rule}"
    return text


def draw(curves, out, logarithmic=False):
    """Draws each (data, label) of `curves` in one figure: its points, spread and cubic in a
    colour of its own; the paper's cubic (and the construction's limits) once."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
    first = curves[0][0]
    axes.plot(first["grid"], first["paper"], "--", color="gray", linewidth=1.2,
              label="paper's cubic (Weller et al. 2025, r² = 0.999)")
    for index, (precision, limits) in enumerate(sorted(first["proved"].items())):
        axes.plot([d for d, _ in limits], [n for _, n in limits], "s-", markersize=3, linewidth=1,
                  color=["#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf"][index % 5],
                  label=f"what exists (proved), {precision}")
    for index, (data, name) in enumerate(curves):
        colour = COLOURS[index % len(COLOURS)]
        if data["fitted"]:
            fit = "cubic" + (f" (r² = {data['r_squared']:.4f})" if data["r_squared"] is not None else "")
            axes.plot(data["grid"], data["fitted"], color=colour, linewidth=1.8, alpha=0.8, label=f"{name}: {fit}")
        axes.plot(data["dimensions"], data["critical_n"], "o", color=colour, markersize=4,
                  label=f"{name}: measured" + ("; bars span the seeds" if data["spread"] else ""))
        if data["spread"]:
            d, n, least, most = zip(*data["spread"])
            axes.errorbar(d, n, yerr=[[c - low for c, low in zip(n, least)], [high - c for c, high in zip(n, most)]],
                          fmt="none", ecolor=colour, elinewidth=1, capsize=3)
    axes.set_xlabel("embedding dimension d")
    axes.set_ylabel("critical-n (documents)")
    losses = sorted({LOSS_NAMES.get(data["loss"], data["loss"]) for data, _ in curves})
    axes.set_title(f"Free-embedding critical-n, k = {first['k']}, {' and '.join(losses)}")
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
    parser.add_argument("curve", nargs="+", help="curve.json files that limitfit curve or report wrote")
    parser.add_argument("--label", action="append", default=[],
                        help="a name for each curve.json, in order (default: its loss and aggregate)")
    parser.add_argument("--out", help="the figure's path without extension (default: beside the first curve.json)")
    parser.add_argument("--log-y", action="store_true", help="critical-n on a logarithmic axis")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing PNG or PDF")
    args = parser.parse_args()
    if args.label and len(args.label) != len(args.curve):
        sys.exit(f"plot_curve.py: {len(args.label)} --label for {len(args.curve)} curve.json files; give one each")
    curves = []
    for path in args.curve:
        try:
            with open(path, encoding="utf-8") as file:
                data = series(json.load(file), logarithmic=args.log_y)
        except RecursionError:
            sys.exit(f"plot_curve.py: {path}: nested too deeply to be a curve.json")
        except (OSError, ValueError) as error:
            sys.exit(f"plot_curve.py: {path}: {error}")
        curves.append((data, args.label[len(curves)] if args.label else label(data)))
    out = args.out or args.curve[0].removesuffix(".json")
    existing = [f"{out}.{extension}" for extension in ("png", "pdf") if os.path.exists(f"{out}.{extension}")]
    if existing and not args.overwrite:
        sys.exit(f"plot_curve.py: {existing[0]} exists; pass --overwrite to replace it")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        sys.exit("plot_curve.py: needs matplotlib (pip install matplotlib)")
    print("wrote " + ", ".join(draw(curves, out, logarithmic=args.log_y)))


if __name__ == "__main__":
    main()
