#!/usr/bin/env python3
"""Tests of tools/plot_curve.py: what it draws from a curve.json (standard library only), and,
where matplotlib is installed, that it writes a PNG and a PDF. CI runs it (.ci/run).

    python3 tools/test_plot_curve.py
"""
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("plot_curve", os.path.join(HERE, "plot_curve.py"))
plot_curve = importlib.util.module_from_spec(spec)
spec.loader.exec_module(plot_curve)

PAPER = {"c0": -10.5322, "c1": 4.0309, "c2": 0.052, "c3": 0.0037}


def curve(points, seeds=(42,), cubic=None, witness=()):
    return {"k": 2, "seeds": list(seeds), "paperCubic": PAPER, "cubic": cubic, "rSquared": 0.99,
            "points": points, "witnessLimits": list(witness)}


class SeriesTests(unittest.TestCase):
    def test_the_cubic_is_evaluated_by_named_powers(self):
        self.assertAlmostEqual(plot_curve.cubic({"c0": 1, "c1": 2, "c2": 3, "c3": 4}, 2), 1 + 4 + 12 + 32)

    def test_points_without_critical_n_are_left_out(self):
        data = plot_curve.series(curve([{"dimension": 2, "criticalN": 3}, {"dimension": 3, "criticalN": None},
                                        {"dimension": 4, "criticalN": 9}]))
        self.assertEqual(data["dimensions"], [2, 4])
        self.assertEqual(data["critical_n"], [3, 9])
        self.assertIsNone(data["fitted"])

    def test_curves_are_cut_where_they_leave_the_frame(self):
        data = plot_curve.series(curve([{"dimension": 2, "criticalN": 3}, {"dimension": 12, "criticalN": 50}]))
        # The paper's cubic is negative up to d ≈ 2.5: those samples are gaps, the rest values.
        below = [d for d, v in zip(data["grid"], data["paper"]) if v is None]
        self.assertTrue(below and max(below) < 2.6 and min(below) == 2)
        self.assertTrue(all(v >= 0 for v in data["paper"] if v is not None))
        logarithmic = plot_curve.series(curve([{"dimension": 2, "criticalN": 3}, {"dimension": 12, "criticalN": 50}]),
                                        logarithmic=True)
        self.assertTrue(all(v >= 1 for v in logarithmic["paper"] if v is not None))

    def test_the_seeds_spread_where_they_differ(self):
        points = [{"dimension": 4, "criticalN": 9, "criticalNBySeed": [9, 8, None]},
                  {"dimension": 5, "criticalN": 13, "criticalNBySeed": [13, 13, 13]}]
        self.assertEqual(plot_curve.series(curve(points, seeds=(1, 2, 3)))["spread"], [(4, 9, 8, 9)])
        self.assertEqual(plot_curve.series(curve(points, seeds=(1,)))["spread"], [])

    def test_witness_limits_by_precision(self):
        witness = [{"precision": "float16", "dimension": 5, "documents": 30},
                   {"precision": "float16", "dimension": 4, "documents": 20}]
        data = plot_curve.series(curve([{"dimension": 4, "criticalN": 9}], witness=witness))
        self.assertEqual(data["witness"], {"float16": [(4, 20), (5, 30)]})

    def test_a_curve_with_nothing_measured_is_refused(self):
        with self.assertRaises(ValueError):
            plot_curve.series(curve([{"dimension": 2, "criticalN": None}]))


class CommandTests(unittest.TestCase):
    def run_script(self, *arguments):
        return subprocess.run([sys.executable, os.path.join(HERE, "plot_curve.py"), *arguments],
                              capture_output=True, text=True)

    def test_a_bad_file_is_one_line(self):
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "curve.json")
            bad = [{"points": []}, {"points": [1, 2]}, {"points": {"a": 1}}, {"nothing": 1},
                   {"points": [{"dimension": 2, "criticalN": 3}], "paperCubic": {"c0": 1}}]
            for text in ["not json"] + [json.dumps(value) for value in bad]:
                with open(path, "w") as file:
                    file.write(text)
                run = self.run_script(path)
                self.assertEqual(run.returncode, 1)
                self.assertEqual(len(run.stderr.strip().split("\n")), 1, run.stderr)
                self.assertTrue(run.stderr.startswith(f"plot_curve.py: {path}: "))

    def test_a_wrong_field_is_named_with_what_was_expected(self):
        good = {"dimension": 2, "criticalN": 3}
        cases = [
            (curve([{"dimension": 2, "criticalN": "3"}]), "points[0].criticalN: expected an integer or null, not a string"),
            (curve([{"criticalN": 3}]), "points[0].dimension: expected an integer, not nothing (the field is missing)"),
            (curve([{"dimension": 2, "criticalN": 3, "criticalNBySeed": 5}]),
             "points[0].criticalNBySeed: expected a list, not an integer"),
            (dict(curve([good]), seeds=7), "seeds: expected a list of seeds, not an integer"),
            (curve([good], witness=[{"precision": "float16", "dimension": 4}]),
             "witnessLimits[0].documents: expected an integer, not nothing (the field is missing)"),
            (dict(curve([good]), paperCubic={"c0": 1, "c1": 2, "c2": True, "c3": 4}),
             "paperCubic.c2: expected a number, not true or false"),
        ]
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "curve.json")
            for value, message in cases + [("[" * 100000 + "]" * 100000, "nested too deeply to be a curve.json")]:
                with open(path, "w") as file:
                    file.write(value if isinstance(value, str) else json.dumps(value))
                run = self.run_script(path)
                self.assertEqual(run.returncode, 1)
                self.assertEqual(run.stderr, f"plot_curve.py: {path}: {message}\n")

    @unittest.skipUnless(importlib.util.find_spec("matplotlib"), "matplotlib is not installed")
    def test_it_writes_a_png_and_a_pdf(self):
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "curve.json")
            points = [{"dimension": d, "criticalN": n, "criticalNBySeed": [n, n - 1]}
                      for d, n in [(2, 3), (3, 4), (4, 9), (5, 13)]]
            with open(path, "w") as file:
                json.dump(curve(points, seeds=(1, 2), cubic=PAPER), file)
            run = self.run_script(path, "--log-y")
            self.assertEqual(run.returncode, 0, run.stderr)
            for extension, magic in [("png", b"\x89PNG"), ("pdf", b"%PDF")]:
                with open(os.path.join(folder, f"curve.{extension}"), "rb") as file:
                    self.assertEqual(file.read(4), magic)
            # The figure is not replaced unless asked.
            again = self.run_script(path)
            self.assertEqual(again.returncode, 1)
            self.assertIn("curve.png exists; pass --overwrite", again.stderr)
            self.assertEqual(self.run_script(path, "--overwrite").returncode, 0)


if __name__ == "__main__":
    unittest.main()
