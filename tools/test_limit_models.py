#!/usr/bin/env python3
"""Tests of tools/limit_models.py without the real models: BM25's vectors against a hand
computation on three documents, and, end to end, a small LIMIT-like data set written here with
stand-in word vectors (GloVe's layout: a vocabulary × d .npy and its vocabulary) and a stand-in
encoder through --encoder — embedding, ids files, `limitfit eval`, min-dim's certificates and
the table; then bad input. Needs NumPy and a limitfit binary; CI runs it (.ci/run).

    python3 tools/test_limit_models.py [LIMITFIT_BINARY]   (default $LIMITFIT, else .build/release/limitfit)
"""
import importlib.util
import io
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SCRIPT = os.path.join(HERE, "limit_models.py")
spec = importlib.util.spec_from_file_location("limit_models", SCRIPT)
limit_models = importlib.util.module_from_spec(spec)
spec.loader.exec_module(limit_models)
BINARY = os.path.abspath(os.environ.get("LIMITFIT", os.path.join(ROOT, ".build", "release", "limitfit")))

# A LIMIT in miniature: each person likes some things; each query asks who likes one of them,
# and exactly two people do. The first five people's graph is K5 (d ≥ 4 by geometry).
PEOPLE = ["Ann Lee", "Bo Diaz", "Cy Oduya", "Di Park", "Ed Moss"]
PAIRS = [(a, b) for a in range(5) for b in range(a + 1, 5)]
PAIR_THINGS = ["apples", "bees", "clocks", "drums", "eels", "figs", "gongs", "harps", "irises", "jams"]
LIKES = {person: [thing for thing, pair in zip(PAIR_THINGS, PAIRS) if index in pair]
         for index, person in enumerate(PEOPLE)}
LIKES.update({"Flo Ng": ["kites", "lutes"], "Gus Ruiz": ["kites", "lutes"]})
THINGS = sorted({thing for things in LIKES.values() for thing in things})


def write_dataset(folder, likes=LIKES, things=THINGS):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "corpus.jsonl"), "w") as file:
        for person, liked in likes.items():
            text = f"{person} likes {', '.join(t.title() for t in liked[:-1])} and {liked[-1].title()}."
            file.write(json.dumps({"_id": person, "title": "", "text": text}) + "\n")
    with open(os.path.join(folder, "queries.jsonl"), "w") as queries, \
            open(os.path.join(folder, "qrels.jsonl"), "w") as qrels:
        for index, thing in enumerate(things):
            queries.write(json.dumps({"_id": f"query_{index}", "text": f"Who likes {thing.title()}?"}) + "\n")
            for person, liked in likes.items():
                if thing in liked:
                    qrels.write(json.dumps({"query-id": f"query_{index}", "corpus-id": person, "score": 1}) + "\n")


def write_word_vectors(folder, words, dimension=8, seed=7):
    """Stand-in GloVe: a vocabulary × d float32 .npy and its vocabulary, a word a line."""
    os.makedirs(folder, exist_ok=True)
    vectors = np.random.default_rng(seed).standard_normal((len(words), dimension)).astype(np.float32)
    np.save(os.path.join(folder, "vectors.npy"), vectors)
    with open(os.path.join(folder, "vocabulary.txt"), "w") as file:
        file.write("".join(word + "\n" for word in words))
    return vectors


ENCODER = '''
import zlib
import numpy as np

def hashed_words(texts, side):
    """A stand-in dense model: each word's hashed one-hot in 16 dimensions, summed."""
    rows = np.zeros((len(texts), 16))
    for row, text in enumerate(texts):
        for word in text.lower().replace("?", " ").replace(",", " ").replace(".", " ").split():
            rows[row, zlib.crc32(word.encode()) % 16] += 1 if side == "query" else 2
    return rows
'''


def read(path):
    with open(path, encoding="utf-8") as file:
        return file.read()


def run_script(*arguments):
    return subprocess.run([sys.executable, SCRIPT, "--limitfit", BINARY, *arguments], capture_output=True, text=True)


class BM25Tests(unittest.TestCase):
    def test_three_documents_by_hand(self):
        # N = 3, lengths 2, 3, 1 (average 2), k1 = 1.5, b = 0.75; df(apple) = df(pie) = 2, df(tart) = 1.
        bm25 = limit_models.BM25(["Apple pie", "apple, APPLE tart!", "pie"])
        self.assertEqual(bm25.vocabulary, ["apple", "pie", "tart"])
        idf2, idf1 = math.log(1 + 1.5 / 2.5), math.log(1 + 2.5 / 1.5)
        # document 1: tf 1, K = 1.5·(0.25 + 0.75·2/2) = 1.5: weight idf·2.5/2.5
        # document 2: K = 1.5·(0.25 + 0.75·3/2) = 2.0625; apple tf 2: idf·5/4.0625; tart: idf·2.5/3.0625
        # document 3: K = 1.5·(0.25 + 0.75·1/2) = 0.9375; pie: idf·2.5/1.9375
        expected = np.array([[idf2, idf2, 0], [idf2 * 5 / 4.0625, 0, idf1 * 2.5 / 3.0625],
                             [0, idf2 * 2.5 / 1.9375, 0]])
        np.testing.assert_allclose(bm25.documents(), expected, rtol=1e-12)
        queries = bm25.queries(["Who likes apple pie?", "tart tart"])
        np.testing.assert_array_equal(queries, [[1, 1, 0], [0, 0, 2]])
        scores = queries @ bm25.documents().T
        np.testing.assert_allclose(scores[0], [2 * idf2, idf2 * 5 / 4.0625, idf2 * 2.5 / 1.9375], rtol=1e-12)

    def test_limitfit_scores_are_the_bm25_scores(self):
        # The same three documents through the script's files and limitfit eval's run file.
        with tempfile.TemporaryDirectory() as folder:
            data = os.path.join(folder, "data")
            os.makedirs(data)
            documents = {"d1": "Apple pie", "d2": "apple, APPLE tart!", "d3": "pie"}
            with open(os.path.join(data, "corpus.jsonl"), "w") as file:
                file.write("".join(json.dumps({"_id": i, "text": t}) + "\n" for i, t in documents.items()))
            with open(os.path.join(data, "queries.jsonl"), "w") as file:
                file.write(json.dumps({"_id": "q", "text": "Who likes apple pie?"}) + "\n")
            with open(os.path.join(data, "qrels.jsonl"), "w") as file:
                file.write(json.dumps({"query-id": "q", "corpus-id": "d1", "score": 1}) + "\n")
            out = os.path.join(folder, "out")
            run = run_script("--data", data, "--out", out, "--models", "bm25")
            self.assertEqual(run.returncode, 0, run.stderr)
            bm25 = os.path.join(out, "bm25")
            run_file = os.path.join(folder, "bm25.run")
            subprocess.run([BINARY, "eval", "--qrels", data, "--query-embeddings", f"{bm25}/queries.npy",
                            "--document-embeddings", f"{bm25}/documents.npy", "--query-ids", f"{bm25}/query-ids.txt",
                            "--document-ids", f"{bm25}/document-ids.txt", "--run", run_file],
                           check=True, capture_output=True)
            with open(run_file) as file:
                scores = {line.split()[2]: float(line.split()[4]) for line in file}
            idf = math.log(1.6)
            self.assertEqual(set(scores), {"d1", "d2", "d3"})
            for document, score in [("d1", 2 * idf), ("d2", idf * 5 / 4.0625), ("d3", idf * 2.5 / 1.9375)]:
                self.assertAlmostEqual(scores[document], score, places=5)

    def test_the_svd_family_has_the_bm25_scores_at_full_rank_and_rank_d_below(self):
        bm25 = limit_models.BM25([f"{a} likes {b} and {c}" for a, b, c in
                                  [("x", "p", "q"), ("y", "q", "r"), ("z", "r", "s"), ("w", "s", "p"), ("v", "p", "r")]])
        queries, documents = bm25.queries(["p", "q r", "s x"]), bm25.documents()
        family = limit_models.svd_family(queries, documents, dimensions=(1, 2, 4, 8))
        self.assertEqual([d for d, _, _ in family], [1, 2, 4, 5])
        for d, q, doc in family:
            self.assertEqual((q.shape, doc.shape), ((3, d), (5, d)))
            self.assertLessEqual(np.linalg.matrix_rank(q @ doc.T), d)
        np.testing.assert_allclose(family[-1][1] @ family[-1][2].T, queries @ documents.T, atol=1e-12)


class EncoderTests(unittest.TestCase):
    def test_tokens(self):
        self.assertEqual(limit_models.tokens("Who likes Rubik's Cubes, 7Up?"), ["who", "likes", "rubik", "s", "cubes", "7up"])

    def test_mean_pooled_word_vectors_skip_unknown_words_and_are_unit(self):
        vectors = np.array([[1, 0], [0, 2], [3, 3]], dtype=np.float32)
        model = limit_models.StaticWordVectors("toy", ["a", "b", "c"], vectors)
        rows = model.documents(["A b zzz", "c"])
        np.testing.assert_allclose(rows, [[0.5 / math.hypot(0.5, 1), 1 / math.hypot(0.5, 1)],
                                          [1 / math.sqrt(2), 1 / math.sqrt(2)]], rtol=1e-6)
        self.assertEqual(rows.dtype, np.float32)
        with self.assertRaisesRegex(limit_models.ModelError, r"toy: no word of 'who zzz\?' is in its vocabulary"):
            model.queries(["a", "who zzz?"])

    def test_an_encoder_is_told_the_side_when_it_asks(self):
        sides = []
        sided = limit_models.Encoder("sided", lambda texts, side: sides.append(side) or [[1.0, 1.0]] * len(texts))
        sided.queries(["x"])
        sided.documents(["y"])
        self.assertEqual(sides, ["query", "document"])
        plain = limit_models.Encoder("plain", lambda texts, batch=8: [[3.0, 4.0]] * len(texts))
        np.testing.assert_allclose(plain.queries(["x"]), [[0.6, 0.8]], rtol=1e-6)

    def test_bad_vectors_are_named(self):
        cases = [(lambda texts: [[1.0, 0.0], [0.0, 0.0]], "m: the vector of 'b' is zero"),
                 (lambda texts: [[float("nan")]] * len(texts), "m: the vector of 'a' is not finite"),
                 (lambda texts: np.ones((len(texts) + 1, 3)), r"m: the encoder returned shape \(3, 3\) for 2 texts"),
                 (lambda texts: "vectors", "m: the encoder did not return a matrix of numbers")]
        for encode, message in cases:
            with self.assertRaisesRegex(limit_models.ModelError, "^" + message):
                limit_models.Encoder("m", encode).documents(["a", "b"])


class EndToEndTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.access(BINARY, os.X_OK):
            raise RuntimeError(f"{BINARY}: no limitfit binary (pass its path, or set LIMITFIT)")
        cls.folder = tempfile.TemporaryDirectory()
        root = cls.folder.name
        cls.data = os.path.join(root, "data")
        write_dataset(cls.data)
        words = sorted({w for person, things in LIKES.items() for w in limit_models.tokens(person) + things} |
                       {"who", "likes", "and"})
        cls.glove = os.path.join(root, "glove")
        cls.vectors = write_word_vectors(cls.glove, words)
        cls.words = words
        encoder = os.path.join(root, "encoder.py")
        with open(encoder, "w") as file:
            file.write(ENCODER)
        cls.out = os.path.join(root, "out")
        cls.result = run_script("--data", cls.data, "--out", cls.out, "--models", "glove,bm25,svd,limitfit",
                             "--glove", cls.glove, "--encoder", f"{encoder}:hashed_words",
                             "--figure", os.path.join(root, "figure.png"))

    @classmethod
    def tearDownClass(cls):
        cls.folder.cleanup()

    def test_it_runs(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)

    def test_every_model_is_written_with_its_ids(self):
        queries = [json.loads(line)["_id"] for line in read(os.path.join(self.data, "queries.jsonl")).splitlines()]
        documents = list(LIKES)
        for name, d in [("glove-8-mean", 8), ("hashed-words", 16), ("bm25", None), ("bm25-svd-2", 2),
                        ("bm25-svd-4", 4), ("bm25-svd-7", 7)]:
            folder = os.path.join(self.out, name)
            q, doc = np.load(os.path.join(folder, "queries.npy")), np.load(os.path.join(folder, "documents.npy"))
            self.assertEqual((q.dtype, doc.dtype), (np.float32, np.float32))
            self.assertEqual(q.shape[0], len(queries))
            self.assertEqual(doc.shape[0], len(documents))
            self.assertEqual(q.shape[1], doc.shape[1])
            if d is not None:
                self.assertEqual(q.shape[1], d, name)
            self.assertEqual(read(os.path.join(folder, "query-ids.txt")).split("\n")[:-1], queries)
            self.assertEqual(read(os.path.join(folder, "document-ids.txt")).split("\n")[:-1], documents)
            self.assertTrue(os.path.exists(os.path.join(folder, "eval.json")))

    def test_the_word_vectors_are_mean_pooled_from_the_file(self):
        q = np.load(os.path.join(self.out, "glove-8-mean", "queries.npy"))
        index = {w: i for i, w in enumerate(self.words)}
        mean = self.vectors[[index["who"], index["likes"], index["apples"]]].astype(np.float64).mean(axis=0)
        np.testing.assert_allclose(q[THINGS.index("apples")], mean / np.linalg.norm(mean), rtol=1e-5)

    def test_the_table_is_what_eval_measured(self):
        summary = json.loads(read(os.path.join(self.out, "models.json")))
        rows = {row["model"]: row for row in summary["rows"]}
        self.assertEqual(list(rows), ["GloVe-8 mean", "hashed_words", "BM25", "BM25 SVD d = 2", "BM25 SVD d = 4",
                                      "BM25 SVD d = 7 (full rank)", "limitfit optimiser fit", "limitfit construction"])
        for name, row in rows.items():
            record = json.loads(read(os.path.join(self.out, row["folder"], "eval.json")))
            self.assertEqual(row["solvedQueries"], record["solvedQueries"], name)
            self.assertEqual(row["recallAt2"], record["metrics"]["recallAt2"], name)
            self.assertEqual(row["ndcgAt10"], record["metrics"]["ndcgAt10"], name)
            self.assertEqual(row["minimumMargin"], record.get("minimumMargin"), name)
            line = next(line for line in self.result.stdout.split("\n") if line.startswith(f"| {name} |"))
            self.assertIn(f"| {row['recallAt2']:.4f} |", line)
            self.assertIn(f"| {row['solvedQueries']} of {len(THINGS)} |", line)
        # The full-rank SVD scores are BM25's; limitfit's certificates solve every query.
        for key in ("recallAt2", "recallAt10", "recallAt20", "ndcgAt10", "solvedQueries"):
            self.assertEqual(rows["BM25"][key], rows["BM25 SVD d = 7 (full rank)"][key], key)
        self.assertEqual(rows["BM25"]["dimension"], 28)  # 14 name words, 12 things, "likes", "and"
        for name in ("limitfit optimiser fit", "limitfit construction"):
            self.assertEqual(rows[name]["solvedQueries"], len(THINGS))
            self.assertGreater(rows[name]["minimumMargin"], 0)
        self.assertEqual(rows["limitfit construction"]["dimension"], summary["bounds"]["upperBound"])
        self.assertEqual(rows["limitfit optimiser fit"]["dimension"], summary["bounds"]["optimiserAlone"])

    def test_the_exact_min_dim_is_beside_the_table(self):
        bounds = json.loads(read(os.path.join(self.out, "min-dim.json")))
        self.assertIn(f"limitfit min-dim: exact d = {bounds['lowerBound']} (lower bound by geometry, upper by "
                      f"construction); the optimiser alone solves it at d = {bounds['optimiserAlone']}.",
                      self.result.stdout)
        self.assertEqual(bounds["lowerBound"], bounds["upperBound"])

    def test_without_min_dim_there_is_no_line_for_it(self):
        summary = json.loads(read(os.path.join(self.out, "models.json")))
        printed = limit_models.table(summary["rows"][:1], {})
        self.assertTrue(printed.split("\n")[-1].startswith("| GloVe-8 mean | "), printed)
        self.assertEqual(limit_models.exact_line({"lowerBound": 3, "upperBound": 4, "optimiserAlone": 4}),
                         "limitfit min-dim: 3 ≤ d ≤ 4; the optimiser alone solves it at d = 4.")

    def test_a_second_run_needs_overwrite(self):
        run = run_script("--data", self.data, "--out", self.out, "--models", "bm25")
        self.assertEqual(run.returncode, 1)
        self.assertEqual(run.stderr, f"limit_models.py: {os.path.join(self.out, 'models.json')} and 5 more of this "
                                     "run's outputs exist; pass --overwrite to replace them\n")

    def test_the_figure_series(self):
        summary = json.loads(read(os.path.join(self.out, "models.json")))
        data = limit_models.series(summary["rows"], summary["bounds"])
        self.assertEqual([d for d, _ in data["svd"]], [2, 4, 7])
        self.assertEqual([(name, kind, d) for name, kind, d, _ in data["points"]],
                         [("GloVe-8 mean", "static", 8), ("hashed_words", "custom", 16), ("BM25", "bm25", 28),
                          ("limitfit optimiser fit", "optimiser", summary["bounds"]["optimiserAlone"]),
                          ("limitfit construction", "construction", summary["bounds"]["upperBound"])])
        self.assertEqual((data["geometry"], data["optimiser"]),
                         (summary["bounds"]["upperBound"], summary["bounds"]["optimiserAlone"]))

    @unittest.skipUnless(importlib.util.find_spec("matplotlib"), "matplotlib is not installed")
    def test_the_figure_is_drawn_and_drawn_again_from_models_json(self):
        with open(os.path.join(self.folder.name, "figure.png"), "rb") as file:
            self.assertEqual(file.read(4), b"\x89PNG")
        again = os.path.join(self.folder.name, "again.png")
        run = run_script("--from", os.path.join(self.out, "models.json"), "--figure", again)
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertIn("| BM25 |", run.stdout)
        with open(again, "rb") as file:
            self.assertEqual(file.read(4), b"\x89PNG")


class BadInputTests(unittest.TestCase):
    def check(self, arguments, message, prepare=None):
        with tempfile.TemporaryDirectory() as folder:
            data = os.path.join(folder, "data")
            write_dataset(data)
            glove = os.path.join(folder, "glove")
            if prepare:
                prepare(data, glove)
            run = run_script("--data", data, "--out", os.path.join(folder, "out"),
                             *[a.replace("DATA", data).replace("GLOVE", glove).replace("FOLDER", folder)
                               for a in arguments])
            self.assertEqual(run.returncode, 1, run.stdout + run.stderr)
            self.assertEqual(len(run.stderr.strip().split("\n")), 1, run.stderr)
            self.assertNotIn("Traceback", run.stderr)
            self.assertRegex(run.stderr.strip(), "^limit_models.py: " + message.replace("DATA", data)
                             .replace("GLOVE", glove).replace("FOLDER", folder) + "$")

    def test_word_vectors_of_the_wrong_shape(self):
        def flat(data, glove):
            write_word_vectors(glove, ["who", "likes"])
            np.save(os.path.join(glove, "vectors.npy"), np.ones(2, dtype=np.float32))

        def short(data, glove):
            write_word_vectors(glove, ["who", "likes", "apples"])
            np.save(os.path.join(glove, "vectors.npy"), np.ones((2, 4), dtype=np.float32))

        def integers(data, glove):
            write_word_vectors(glove, ["who", "likes"])
            np.save(os.path.join(glove, "vectors.npy"), np.ones((2, 4), dtype=np.int32))

        self.check(["--models", "glove", "--glove", "GLOVE"],
                   r"GloVe mean: the word vectors have shape \(2,\) and type float32; expected a 2-D float matrix",
                   flat)
        self.check(["--models", "glove", "--glove", "GLOVE"],
                   "GloVe-4 mean: 2 word vectors for 3 words in the vocabulary", short)
        self.check(["--models", "glove", "--glove", "GLOVE"],
                   r"GloVe-4 mean: the word vectors have shape \(2, 4\) and type int32; expected a 2-D float matrix",
                   integers)

    def test_a_query_with_no_known_word(self):
        def vocabulary_without_things(data, glove):
            write_word_vectors(glove, ["ann", "lee", "apples", "bees", "clocks"])
        self.check(["--models", "glove", "--glove", "GLOVE"],
                   r"GloVe-8 mean: no word of 'Who likes Drums\?' is in its vocabulary", vocabulary_without_things)

        def query_outside_the_corpus(data, glove):
            with open(os.path.join(data, "queries.jsonl"), "a") as file:
                file.write(json.dumps({"_id": "query_z", "text": "Zebras?"}) + "\n")
        self.check(["--models", "bm25"], r"BM25: no word of 'Zebras\?' is in the corpus's vocabulary",
                   query_outside_the_corpus)

    def test_an_empty_corpus(self):
        def empty(data, glove):
            open(os.path.join(data, "corpus.jsonl"), "w").close()
        self.check(["--models", "bm25"], "DATA/corpus.jsonl: no documents: the corpus is empty", empty)

    def test_other_bad_input(self):
        def broken(data, glove):
            with open(os.path.join(data, "queries.jsonl"), "a") as file:
                file.write("{not json\n")
        self.check(["--models", "bm25"], r"DATA/queries.jsonl:13: not JSON \(.*\)", broken)
        self.check(["--models", "bm25,e5"], "--models: unknown model 'e5'; choose from minilm, glove, bm25, svd, limitfit")
        self.check(["--models", "glove", "--glove", "FOLDER/nowhere"], "FOLDER/nowhere: No such file or directory")
        self.check(["--models", "bm25", "--encoder", "FOLDER/missing.py:encode"],
                   "--encoder FOLDER/missing.py:encode: no such Python file FOLDER/missing.py")
        def failing_encoder(data, glove):
            with open(os.path.join(os.path.dirname(data), "bad.py"), "w") as file:
                file.write("def encode(texts):\n    raise RuntimeError('out of memory')\n")
        self.check(["--models", "", "--encoder", "FOLDER/bad.py:encode"],
                   "encode: the encoder failed: RuntimeError: out of memory", failing_encoder)
        self.check(["--models", ""], "no model to run: name some with --models or --encoder")
        self.check(["--models", "bm25", "--limitfit", "FOLDER/no-limitfit"],
                   "FOLDER/no-limitfit: No such file or directory .*")


class OutputTests(unittest.TestCase):
    """Nothing a user wrote is replaced unless they pass --overwrite, and every output is checked
    before any work."""

    def refused(self, arguments, precious, message, figure=False):
        """Writes "precious" at OUT/<precious>, runs, and expects the one-line refusal naming it,
        the file untouched and nothing else written."""
        with tempfile.TemporaryDirectory() as folder:
            data, out = os.path.join(folder, "data"), os.path.join(folder, "out")
            write_dataset(data)
            with open(os.path.join(folder, "encoder.py"), "w") as file:
                file.write(ENCODER)
            path = os.path.join(folder if figure else out, precious)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as file:
                file.write("precious\n")
            before = sorted(os.walk(folder))
            run = run_script("--data", data, "--out", out, *[a.replace("FOLDER", folder) for a in arguments])
            self.assertEqual((run.returncode, run.stderr), (1, f"limit_models.py: {message.replace('PATH', path)}\n"))
            self.assertEqual(read(path), "precious\n")
            self.assertEqual(sorted(os.walk(folder)), before, "the refused run wrote something")

    def test_a_model_folder_the_user_wrote_in_is_not_replaced(self):
        # The hostile tester's data loss: rc 0 and query ids where "precious" was.
        self.refused(["--models", "bm25"], "bm25/query-ids.txt", "PATH exists; pass --overwrite to replace it")

    def test_every_output_is_checked_before_any_work(self):
        cases = [(["--models", "limitfit"], "min-dim.json"), (["--models", "limitfit"], "fits.jsonl"),
                 (["--models", "limitfit"], "limitfit-construction/certificate.json"),
                 (["--models", "limitfit"], "limitfit-fit/queries.npy"),
                 (["--models", "svd"], "bm25-svd-4/eval.json"),
                 (["--models", "", "--encoder", "FOLDER/encoder.py:hashed_words"], "hashed-words/documents.npy"),
                 (["--models", "bm25"], "models.json")]
        for arguments, precious in cases:
            with self.subTest(precious):
                self.refused(arguments, precious, "PATH exists; pass --overwrite to replace it")

    @unittest.skipUnless(importlib.util.find_spec("matplotlib"), "matplotlib is not installed")
    def test_an_existing_figure_is_checked_before_any_work(self):
        self.refused(["--models", "bm25", "--figure", "FOLDER/figure.png"], "figure.png",
                     "PATH exists; pass --overwrite to replace it", figure=True)

    def test_with_overwrite_it_replaces_them(self):
        with tempfile.TemporaryDirectory() as folder:
            data, out = os.path.join(folder, "data"), os.path.join(folder, "out")
            write_dataset(data)
            os.makedirs(os.path.join(out, "bm25"))
            with open(os.path.join(out, "bm25", "query-ids.txt"), "w") as file:
                file.write("precious\n")
            run = run_script("--data", data, "--out", out, "--models", "bm25", "--overwrite")
            self.assertEqual(run.returncode, 0, run.stderr)
            self.assertEqual(read(os.path.join(out, "bm25", "query-ids.txt")).split("\n")[0], "query_0")

    def test_limitfit_is_not_told_to_overwrite_unless_the_user_asked(self):
        calls = []

        def record(binary, arguments):
            calls.append(arguments)
            return subprocess.CompletedProcess(arguments, 1, "", "stopped here")

        saved = limit_models.limitfit
        limit_models.limitfit = record
        try:
            for overwrite in (False, True):
                with self.assertRaises(limit_models.ModelError):
                    limit_models.evaluate("limitfit", "data", "out/bm25", "BM25", "bm25", overwrite)
                with self.assertRaises(limit_models.ModelError):
                    limit_models.min_dim("limitfit", "data", "out", overwrite)
        finally:
            limit_models.limitfit = saved
        self.assertEqual([("--overwrite" in arguments) for arguments in calls], [False, False, True, True])

    def test_an_out_that_is_a_file_and_a_figure_in_no_folder(self):
        with tempfile.TemporaryDirectory() as folder:
            data, out = os.path.join(folder, "data"), os.path.join(folder, "out")
            write_dataset(data)
            with open(out, "w") as file:
                file.write("precious\n")
            with self.subTest("--out a file"):
                run = run_script("--data", data, "--out", out, "--models", "bm25")
                self.assertEqual((run.returncode, run.stderr),
                                 (1, f"limit_models.py: --out {out}: is a file; expected a folder for the results\n"))
                self.assertEqual(read(out), "precious\n")
            with self.subTest("--figure in no folder"):
                elsewhere = os.path.join(folder, "elsewhere")
                run = run_script("--data", data, "--out", elsewhere, "--models", "bm25", "--figure", "nodir/x.png")
                self.assertEqual((run.returncode, run.stderr), (1, f"limit_models.py: --figure nodir/x.png: "
                                 f"{os.path.join(os.getcwd(), 'nodir')} is no such folder\n"))
                self.assertFalse(os.path.exists(elsewhere), "the refused run did the work")


class HostileInputTests(unittest.TestCase):
    check = BadInputTests.check

    def test_bytes_that_are_not_utf8(self):
        def queries(data, glove):
            with open(os.path.join(data, "queries.jsonl"), "ab") as file:
                file.write(b'{"_id": "q", "text": "caf\xe9"}\n')

        def corpus(data, glove):
            with open(os.path.join(data, "corpus.jsonl"), "wb") as file:
                file.write(b'\xff\n')

        def vocabulary(data, glove):
            write_word_vectors(glove, ["who", "likes"])
            with open(os.path.join(glove, "vocabulary.txt"), "wb") as file:
                file.write(b"who\nlik\xc3es\n")

        def vocabulary_folder(data, glove):
            write_word_vectors(glove, ["who", "likes"])
            os.remove(os.path.join(glove, "vocabulary.txt"))
            os.makedirs(os.path.join(glove, "vocabulary.txt"))

        cases = [(["--models", "bm25"], "DATA/queries.jsonl:13: expected UTF-8 text, not byte 0xe9 at offset 25", queries),
                 (["--models", "bm25"], "DATA/corpus.jsonl:1: expected UTF-8 text, not byte 0xff at offset 0", corpus),
                 (["--models", "glove", "--glove", "GLOVE"],
                  "GLOVE/vocabulary.txt: expected UTF-8 text, a word a line, not byte 0xc3 at offset 7", vocabulary),
                 (["--models", "glove", "--glove", "GLOVE"],
                  "GLOVE/vocabulary.txt: is a folder; expected the vocabulary, a file", vocabulary_folder)]
        for arguments, message, prepare in cases:
            with self.subTest(message):
                self.check(arguments, re.escape(message), prepare)

    def test_a_models_json_that_is_not_one(self):
        good = {"data": "limit-small", "bounds": {"lowerBound": 4, "upperBound": 4, "optimiserAlone": 12},
                "rows": [{"model": "BM25", "kind": "bm25", "dimension": 28, "recallAt2": 0.5, "recallAt10": 0.9,
                          "recallAt20": 1, "ndcgAt10": 0.7, "solvedQueries": 3, "queries": 12, "minimumMargin": None,
                          "folder": "bm25"}]}
        cases = [(dict(good, rows=5), "rows: expected a list of rows, not an integer"),
                 (dict(good, rows=[{}]), "rows[0].model: expected a string, not nothing (the field is missing)"),
                 (dict(good, bounds=5), "bounds: expected an object, not an integer"),
                 (dict(good, rows=[dict(good["rows"][0], kind="e5")]),
                  "rows[0].kind: expected one of svd, bm25, dense, static, custom, construction, optimiser, not 'e5'"),
                 (dict(good, rows=[dict(good["rows"][0], dimension=10**400)]),
                  "rows[0].dimension: expected a positive integer, not a 401-digit integer"),
                 ([1], "expected an object, not a list")]
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "models.json")
            for value, message in cases:
                with self.subTest(message):
                    with open(path, "w") as file:
                        json.dump(value, file)
                    run = run_script("--from", path, "--figure", os.path.join(folder, "figure.png"))
                    self.assertEqual((run.returncode, run.stderr), (1, f"limit_models.py: {path}: not a models.json "
                                     f"that limit_models.py wrote: {message}\n"))
            with open(path, "w") as file:
                json.dump(good, file)
            run = run_script("--from", path, "--figure", os.path.join(folder, "nodir", "figure.png"))
            self.assertEqual((run.returncode, run.stderr), (1, f"limit_models.py: --figure {folder}/nodir/figure.png: "
                                                               f"{folder}/nodir is no such folder\n"))

    def test_anything_unforeseen_is_one_line_naming_the_file(self):
        def failing(folder):
            limit_models.working_on(os.path.join(folder, "queries.jsonl"))
            raise RuntimeError("disk\non fire")
        with tempfile.TemporaryDirectory() as folder:
            saved, saved_argv = limit_models.read_dataset, sys.argv
            limit_models.read_dataset = failing
            sys.argv = ["limit_models.py", "--data", folder, "--out", os.path.join(folder, "out"), "--models", "bm25"]
            try:
                with self.assertRaises(SystemExit) as exit:
                    limit_models.main()
            finally:
                limit_models.read_dataset, sys.argv = saved, saved_argv
            self.assertEqual(exit.exception.code, f"limit_models.py: {folder}/queries.jsonl: unexpected failure "
                                                  "(RuntimeError: disk on fire)")


if __name__ == "__main__":
    if len(sys.argv) > 1 and os.path.isfile(sys.argv[1]):
        BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main()
