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
import math
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


# The largest integer a float holds exactly: dimensions and counts are drawn as floats.
LARGEST = 2**53


def shown(value):
    """A value for a message: a long integer by its number of digits."""
    if isinstance(value, int) and not isinstance(value, bool) and len(str(abs(value))) > 20:
        return f"a {len(str(abs(value)))}-digit integer"
    return repr(value)


def integer(container, name, where, least, optional=False, label=None):
    """container[name] (or the value itself, with `label` naming it), an integer from `least` to
    2^53, or None when optional."""
    expected = {1: "a positive integer", 0: "a non-negative integer"}[least] + (" or null" if optional else "")
    if label is None:
        value = field(container, name, where, expected, int, optional)
    else:
        value, name = container, label
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{where}{name}: expected {expected}, not {kind(value)}")
    if value is not None and not least <= value <= LARGEST:
        raise ValueError(f"{where}{name}: expected {expected} up to 2^53, not {shown(value)}")
    return value


def number(container, name, where, expected="a number", optional=False):
    """container[name], a finite number that a float holds, or None when optional."""
    value = field(container, name, where, expected + (" or null" if optional else ""), (int, float), optional)
    try:
        finite = value is None or math.isfinite(float(value))
    except OverflowError:
        finite = False
    if not finite:
        raise ValueError(f"{where}{name}: expected {expected}, finite and within a float's range, not {shown(value)}")
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
        integer(point, "dimension", where, 1)
        integer(point, "criticalN", where, 0, optional=True)
        for seed, n in enumerate(field(point, "criticalNBySeed", where, "a list", list, optional=True) or []):
            integer(n, None, where, 0, optional=True, label=f"criticalNBySeed[{seed}]")
        for seed, n in enumerate(field(point, "seedValues", where, "a list", list, optional=True) or []):
            integer(n, None, where, 0, label=f"seedValues[{seed}]")
        for name in ("seedMean", "seedMedian"):
            number(point, name, where, optional=True)
    field(curve, "seeds", "", "a list of seeds", list, optional=True)
    integer(curve, "k", "", 1, optional=True)
    number(curve, "rSquared", "", optional=True)
    hyperparameters = field(curve, "hyperparameters", "", "an object", dict, optional=True) or {}
    field(hyperparameters, "loss", "hyperparameters.", "a string", str, optional=True)
    for name in ["paperCubic"] + (["cubic"] if curve.get("cubic") is not None else []):
        field(curve, name, "", "an object of coefficients c0 … c3", dict)
        for power in range(4):
            number(curve[name], f"c{power}", f"{name}.")
    aggregate = field(curve, "aggregate", "", "max, mean or median", str, optional=True) or "max"
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
            integer(limit, "dimension", where, 1)
            documents = field(limit, "documents", where, "an integer or null", int, optional=True)
            if documents is not None and not 0 <= documents < 10**308:
                raise ValueError(f"{where}documents: expected a count from 0 to below 10^308 (a float's range), "
                                 f"not {shown(documents)}")
            if documents is None:
                log10 = number(limit, "log10Documents", where)
                if not log10 < 308:
                    raise ValueError(f"{where}log10Documents: expected a number below 308 (10^308 is past a "
                                     f"float's range), not {shown(log10)}")
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
        count = limit["documents"] if limit.get("documents") is not None else 10.0 ** limit["log10Documents"]
        proved.setdefault(limit["precision"], []).append((limit["dimension"], count))
    return {
        "dimensions": dims,
        "critical_n": [value(p) for p in points],
        "aggregate": aggregate,
        "loss": hyperparameters.get("loss") or "infonce",
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


def check_outputs(out, overwrite):
    """The figure's two files, checked before any work: a folder to write them in, neither a
    folder itself, neither existing unless `overwrite`. Raises ValueError naming the path."""
    folder = os.path.dirname(out) or "."
    if not os.path.isdir(folder):
        what = "not a folder" if os.path.exists(folder) else "no such folder"
        raise ValueError(f"{out}: --out names the figure's path without extension, in a folder that exists; "
                         f"{folder} is {what}")
    paths = [f"{out}.{extension}" for extension in ("png", "pdf")]
    for path in paths:
        if os.path.isdir(path):
            raise ValueError(f"{path}: is a folder, where the figure goes; choose another --out")
    existing = [path for path in paths if os.path.lexists(path)]
    if existing and not overwrite:
        raise ValueError(f"{existing[0]} exists; pass --overwrite to replace it")
    if not os.access(folder, os.W_OK):
        raise ValueError(f"{folder}: cannot write the figure there (no permission)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("curve", nargs="+", help="curve.json files that limitfit curve or report wrote")
    parser.add_argument("--label", action="append", default=[],
                        help="a name for each curve.json, in order (default: its loss and aggregate)")
    parser.add_argument("--out", help="the figure's path without extension, in a folder that exists "
                                      "(default: beside the first curve.json)")
    parser.add_argument("--log-y", action="store_true", help="critical-n on a logarithmic axis")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing PNG or PDF")
    args = parser.parse_args()
    if args.label and len(args.label) != len(args.curve):
        sys.exit(f"plot_curve.py: {len(args.label)} --label for {len(args.curve)} curve.json files; give one each")
    # The file being read or written, for the one line that anything unexpected ends in.
    current = args.curve[0]
    try:
        out = args.out or args.curve[0].removesuffix(".json")
        try:
            check_outputs(out, args.overwrite)
        except ValueError as error:
            sys.exit(f"plot_curve.py: {error}")
        curves = []
        for path in args.curve:
            current = path
            try:
                with open(path, encoding="utf-8") as file:
                    data = series(json.load(file), logarithmic=args.log_y)
            except RecursionError:
                sys.exit(f"plot_curve.py: {path}: nested too deeply to be a curve.json")
            except OSError as error:
                sys.exit(f"plot_curve.py: {path}: {error.strerror or error}")
            except UnicodeDecodeError as error:
                sys.exit(f"plot_curve.py: {path}: expected UTF-8 JSON, not byte {error.object[error.start]:#04x} "
                         f"at offset {error.start}")
            except ValueError as error:  # UnicodeDecodeError and JSONDecodeError among them
                sys.exit(f"plot_curve.py: {path}: {error}")
            curves.append((data, args.label[len(curves)] if args.label else label(data)))
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            sys.exit("plot_curve.py: needs matplotlib (pip install matplotlib)")
        current = f"{out}.png"
        try:
            written = draw(curves, out, logarithmic=args.log_y)
        except OSError as error:
            sys.exit(f"plot_curve.py: {error.filename or out}: cannot write the figure ({error.strerror or error})")
        print("wrote " + ", ".join(written))
    except Exception as error:  # the safety net: anything not foreseen above is one line, not a traceback
        message = " ".join(str(error).split())
        sys.exit(f"plot_curve.py: {current}: unexpected failure ({type(error).__name__}: {message})")


if __name__ == "__main__":
    main()
