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


def curve(points, seeds=(42,), cubic=None, proved=()):
    return {"k": 2, "seeds": list(seeds), "paperCubic": PAPER, "cubic": cubic, "rSquared": 0.99,
            "points": points, "proved": list(proved)}


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

    def test_a_seed_that_solved_nothing_counts_at_the_bottom_of_the_bar(self):
        # d = 2: seeds solved 3, 3 and none of the n fitted; curve.json counts the last as 2.
        points = [{"dimension": 2, "criticalN": 3, "criticalNBySeed": [3, 3, None], "seedValues": [3, 3, 2]}]
        self.assertEqual(plot_curve.series(curve(points, seeds=(1, 2, 3)))["spread"], [(2, 3, 2, 3)])

    def test_the_aggregate_chooses_the_points_and_the_label_names_it(self):
        points = [{"dimension": 4, "criticalN": 9, "seedMean": 7.5, "seedMedian": 8, "seedValues": [9, 8, 6]}]
        median = dict(curve(points, seeds=(1, 2, 3)), aggregate="median", hyperparameters={"loss": "hinge"})
        data = plot_curve.series(median)
        self.assertEqual(data["critical_n"], [8])
        self.assertEqual(data["spread"], [(4, 8, 6, 9)])
        self.assertEqual(plot_curve.label(data), "hinge, 3 seeds, median")
        self.assertEqual(plot_curve.label(plot_curve.series(curve(points))), "InfoNCE")
        with self.assertRaises(ValueError):
            plot_curve.series(dict(median, aggregate="mode"))

    def test_proved_limits_by_precision(self):
        proved = [{"precision": "float16", "dimension": 5, "documents": 30, "log10Documents": 1.48},
                  {"precision": "float16", "dimension": 4, "documents": 20, "log10Documents": 1.3},
                  {"precision": "binary", "dimension": 4096, "documents": None, "log10Documents": 96.5}]
        data = plot_curve.series(curve([{"dimension": 4, "criticalN": 9}], proved=proved))
        self.assertEqual(data["proved"]["float16"], [(4, 20), (5, 30)])
        self.assertAlmostEqual(data["proved"]["binary"][0][1], 10 ** 96.5, delta=1e82)

    def test_older_files_name_them_witness_limits(self):
        older = dict(curve([{"dimension": 4, "criticalN": 9}]), witnessLimits=[
            {"precision": "float32", "dimension": 4, "documents": 222, "capped": False}])
        self.assertEqual(plot_curve.series(older)["proved"], {"float32": [(4, 222)]})

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

    def test_labels_must_match_the_files(self):
        run = self.run_script("a.json", "b.json", "--label", "only one")
        self.assertEqual(run.returncode, 1)
        self.assertEqual(run.stderr.strip(), "plot_curve.py: 1 --label for 2 curve.json files; give one each")

    def test_a_wrong_field_is_named_with_what_was_expected(self):
        good = {"dimension": 2, "criticalN": 3}
        cases = [
            (curve([{"dimension": 2, "criticalN": "3"}]), "points[0].criticalN: expected a non-negative integer or null, not a string"),
            (curve([{"criticalN": 3}]), "points[0].dimension: expected a positive integer, not nothing (the field is missing)"),
            (curve([{"dimension": 2, "criticalN": 3, "criticalNBySeed": 5}]),
             "points[0].criticalNBySeed: expected a list, not an integer"),
            (dict(curve([good]), seeds=7), "seeds: expected a list of seeds, not an integer"),
            (curve([good], proved=[{"precision": "float16", "dimension": 4, "documents": None}]),
             "proved[0].log10Documents: expected a number, not nothing (the field is missing)"),
            (dict(curve([good]), witnessLimits=[{"precision": "float16", "dimension": 4, "documents": "30"}]),
             "witnessLimits[0].documents: expected an integer or null, not a string"),
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

    def test_hostile_fields_are_named_with_what_was_expected(self):
        good = [{"dimension": 2, "criticalN": 3}, {"dimension": 4, "criticalN": 9}]
        huge = 10**400
        cases = [
            (dict(curve(good), aggregate=[1]), "aggregate: expected max, mean or median, not a list"),
            (dict(curve(good), hyperparameters=[1]), "hyperparameters: expected an object, not a list"),
            (dict(curve(good), hyperparameters={"loss": 3}), "hyperparameters.loss: expected a string, not an integer"),
            (curve([{"dimension": huge, "criticalN": 3}] + good),
             "points[0].dimension: expected a positive integer up to 2^53, not a 401-digit integer"),
            (curve([{"dimension": -3, "criticalN": 3}] + good),
             "points[0].dimension: expected a positive integer up to 2^53, not -3"),
            (curve(good + [{"dimension": 0, "criticalN": 3}]),
             "points[2].dimension: expected a positive integer up to 2^53, not 0"),
            (curve(good, proved=[{"precision": "float32", "dimension": 4, "documents": None, "log10Documents": 400}]),
             "proved[0].log10Documents: expected a number below 308 (10^308 is past a float's range), not 400"),
            (curve(good, proved=[{"precision": "float32", "dimension": 4, "documents": huge}]),
             "proved[0].documents: expected a count from 0 to below 10^308 (a float's range), not a 401-digit integer"),
            (curve(good, proved=[{"precision": "float32", "dimension": 0, "documents": 3}]),
             "proved[0].dimension: expected a positive integer up to 2^53, not 0"),
            (curve([{"dimension": 2, "criticalN": 3, "seedMean": "x"}]), "points[0].seedMean: expected a number or null, not a string"),
            (curve([{"dimension": 2, "criticalN": 3, "seedValues": [3, "2"]}]),
             "points[0].seedValues[1]: expected a non-negative integer, not a string"),
            (dict(curve(good), rSquared=huge),
             "rSquared: expected a number, finite and within a float's range, not a 401-digit integer"),
        ]
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "curve.json")
            for value, message in cases:
                with self.subTest(message):
                    with open(path, "w") as file:
                        file.write(json.dumps(value))
                    run = self.run_script(path, "--out", os.path.join(folder, "figure"))
                    self.assertEqual((run.returncode, run.stderr), (1, f"plot_curve.py: {path}: {message}\n"))
            with open(path, "wb") as file:
                file.write(b'{"points": "\xff"}')
            run = self.run_script(path)
            self.assertEqual((run.returncode, run.stderr),
                             (1, f"plot_curve.py: {path}: expected UTF-8 JSON, not byte 0xff at offset 12\n"))

    def test_the_figure_paths_are_checked_before_any_work(self):
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "curve.json")
            with open(path, "w") as file:
                json.dump(curve([{"dimension": 2, "criticalN": 3}]), file)
            nowhere = os.path.join(folder, "nodir", "fig")
            with self.subTest("no folder"):
                run = self.run_script(path, "--out", nowhere)
                self.assertEqual((run.returncode, run.stderr), (1, f"plot_curve.py: {nowhere}: --out names the figure's "
                                 f"path without extension, in a folder that exists; {os.path.dirname(nowhere)} is no "
                                 "such folder\n"))
            os.mkdir(os.path.join(folder, "isdir.png"))
            for extra in ([], ["--overwrite"]):
                with self.subTest(extra=extra):
                    run = self.run_script(path, "--out", os.path.join(folder, "isdir"), *extra)
                    self.assertEqual((run.returncode, run.stderr), (1, f"plot_curve.py: {folder}/isdir.png: is a "
                                     "folder, where the figure goes; choose another --out\n"))
            self.assertFalse(os.path.exists(os.path.join(folder, "isdir.pdf")))

    def test_anything_unforeseen_is_one_line_naming_the_file(self):
        def failing(*arguments, **options):
            raise RuntimeError("out of\nmemory")
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "curve.json")
            with open(path, "w") as file:
                json.dump(curve([{"dimension": 2, "criticalN": 3}]), file)
            saved, saved_argv = plot_curve.series, sys.argv
            plot_curve.series, sys.argv = failing, ["plot_curve.py", path]
            try:
                with self.assertRaises(SystemExit) as exit:
                    plot_curve.main()
            finally:
                plot_curve.series, sys.argv = saved, saved_argv
            self.assertEqual(exit.exception.code,
                             f"plot_curve.py: {path}: unexpected failure (RuntimeError: out of memory)")

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
            # Two curves in one figure, each with its label.
            overlaid = self.run_script(path, path, "--label", "InfoNCE", "--label", "hinge", "--out",
                                       os.path.join(folder, "both"))
            self.assertEqual(overlaid.returncode, 0, overlaid.stderr)
            self.assertTrue(os.path.exists(os.path.join(folder, "both.png")))


if __name__ == "__main__":
    unittest.main()
