import Foundation
import TestSupport
import Testing
@testable import LimitFit

/// A matrix of `values` (row-major) as read from a .npy file of type `descr`.
func npy(_ values: [Double], rows: Int, columns: Int, descr: String = "<f4", fortranOrder: Bool = false) throws -> NPYMatrix {
  try NPYMatrix(npyMatrix(values, rows: rows, columns: columns, descr: descr, fortranOrder: fortranOrder), name: "\(rows)x\(columns)")
}

/// The evaluation of queries and documents whose rows are the matrix's, in order.
func evaluate(_ queries: NPYMatrix, _ documents: NPYMatrix, _ qrels: Qrels) throws -> RetrievalEvaluation {
  let labeled = LabeledQrels(
    qrels: qrels, queryIDs: (0..<qrels.queryCount).map { "q\($0)" },
    documentIDs: (0..<qrels.documentCount).map { "d\($0)" }, source: "test")
  let rows = try EmbeddingRows(qrels: labeled, queries: queries, documents: documents)
  return try RetrievalEvaluation(queries: queries, documents: documents, relevance: qrels, rows: rows)
}

/// The metrics by brute force: every score in double precision, the whole ranking sorted
/// (highest first, then the lower row), each metric from its definition.
func referenceMetrics(queries: [Double], documents: [Double], d: Int, relevant: Set<Int>, query: Int) -> RetrievalMetrics {
  let n = documents.count / d
  let scores = (0..<n).map { j in (0..<d).reduce(0.0) { $0 + queries[query * d + $1] * documents[j * d + $1] } }
  let ranking = (0..<n).sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
  func recall(_ k: Int) -> Double { Double(ranking.prefix(k).filter(relevant.contains).count) / Double(relevant.count) }
  var metrics = RetrievalMetrics()
  (metrics.recallAt2, metrics.recallAt10, metrics.recallAt100) = (recall(2), recall(10), recall(100))
  let dcg = ranking.prefix(10).enumerated().filter { relevant.contains($0.element) }
    .reduce(0.0) { $0 + 1 / log2(Double($1.offset + 2)) }
  let ideal = (0..<min(relevant.count, 10)).reduce(0.0) { $0 + 1 / log2(Double($1 + 2)) }
  metrics.ndcgAt10 = dcg / ideal
  return metrics
}

/// Seeded normal deviates (SplitMix64 and Box–Muller), rounded to float32.
func normals(_ count: Int, seed: UInt64) -> [Double] {
  var state = seed
  func uniform() -> Double {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return (Double((z ^ (z >> 31)) >> 11) + 0.5) * 0x1p-53
  }
  return (0..<count).map { _ in Double(Float((-2 * log(uniform())).squareRoot() * cos(2 * .pi * uniform()))) }
}

@Suite struct RetrievalEvaluationTests {
  /// Metrics and margins against brute force: many queries over few documents, and few queries
  /// over many documents (the pass then splits the documents into ranges and merges them); the
  /// documents as float32, or as the same values in float64 in Fortran order.
  @Test(arguments: [(40, 300, 16, "<f4"), (3, 2000, 5, "<f8"), (70, 37, 3, "<f8")])
  func randomEmbeddingsMatchBruteForce(m: Int, n: Int, d: Int, descr: String) throws {
    let queries = normals(m * d, seed: 1)
    let documents = normals(n * d, seed: 2)
    var state: UInt64 = 3
    let sets = (0..<m).map { query -> [Int] in
      state = state &* 6364136223846793005 &+ 1442695040888963407
      let count = 1 + Int(state >> 60) % 5
      return (0..<count).map { (query * 7 + $0 * 13 + Int(state >> 40) % n) % n }
    }.map { Array(Set($0)) }
    let qrels = try Qrels(relevant: sets, documentCount: n)
    let evaluation = try evaluate(
      npy(queries, rows: m, columns: d), npy(documents, rows: n, columns: d, descr: descr, fortranOrder: descr == "<f8"), qrels)
    for query in 0..<m {
      let expected = referenceMetrics(queries: queries, documents: documents, d: d, relevant: Set(sets[query]), query: query)
      let found = evaluation.queries[query].metrics
      #expect(abs(found.recallAt2 - expected.recallAt2) + abs(found.recallAt10 - expected.recallAt10)
        + abs(found.recallAt100 - expected.recallAt100) + abs(found.ndcgAt10 - expected.ndcgAt10) < 1e-12,
        "query \(query): \(found) against \(expected)")
    }
    #expect(abs(evaluation.metrics.ndcgAt10 - evaluation.queries.map(\.metrics.ndcgAt10).reduce(0, +) / Double(m)) < 1e-12)
    // The verdict is verify's, bit for bit.
    let verification = Verification(
      checking: Embeddings(dimension: d, queries: queries.map(Float.init), documents: documents.map(Float.init)),
      against: qrels, queryRows: Array(0..<m), documentRows: Array(0..<n))
    #expect(evaluation.verification == verification)
  }

  /// Integer coordinates: scores tie exactly, in float32 as in double; ties go to the lower row.
  /// Seven documents: fewer than 10 and 100, so the cut-offs take every document.
  @Test func tiesGoToTheLowerRowAndShortRankingsCountWhole() throws {
    let documents: [Double] = [1, 0, 0, 1, 1, 0, 1, 1, 0, 0, 1, 0, -1, 1]
    let queries: [Double] = [1, 0, 0, 1, 1, 1, 0, 0]
    let sets = [[2], [1, 4], [5, 6], [0, 3, 6]]
    let qrels = try Qrels(relevant: sets, documentCount: 7)
    let evaluation = try evaluate(npy(queries, rows: 4, columns: 2), npy(documents, rows: 7, columns: 2), qrels)
    for query in 0..<4 {
      let expected = referenceMetrics(queries: queries, documents: documents, d: 2, relevant: Set(sets[query]), query: query)
      #expect(evaluation.queries[query].metrics == expected, "query \(query)")
    }
    // Query 0 scores documents 0, 2, 3, 5 alike (1): document 2 ranks second, after 0.
    #expect(evaluation.queries[0].metrics.recallAt2 == 1 && evaluation.queries[0].metrics.ndcgAt10 == 1 / log2(3.0))
    #expect(evaluation.queries[0].margin == 0 && evaluation.queries[0].bestIrrelevant?.row == 0)
    // The zero query scores every document 0: the relevant ones rank by row.
    #expect(evaluation.queries[3].metrics.recallAt10 == 1 && evaluation.queries[3].metrics.recallAt2 == 1.0 / 3)
    #expect(evaluation.verification.solvedQueries == 0)
  }

  /// The moment-curve construction on LIMIT-small: a perfect retriever.
  @Test func aPerfectConstructionRetrievesEverything() throws {
    let qrels = try loadLimitSmall().qrels
    let upper = try #require(try DimensionBounds(of: qrels).upper)
    let embeddings = upper.embeddings
    let evaluation = try evaluate(
      npy(embeddings.queries.map(Double.init), rows: embeddings.queryCount, columns: embeddings.dimension),
      npy(embeddings.documents.map(Double.init), rows: embeddings.documentCount, columns: embeddings.dimension), qrels)
    let metrics = evaluation.metrics
    #expect(metrics.recallAt2 == 1 && metrics.recallAt10 == 1 && metrics.recallAt100 == 1 && metrics.ndcgAt10 == 1)
    #expect(evaluation.verification.solved && evaluation.verification.solvedQueries == 1000)
    #expect(evaluation.verification == upper.stored)
  }

  /// Float64 embeddings whose margins (1e-9) float32 cannot see: every score rounds to 1. The
  /// ranking, in float32, ties; the verdict, in double, does not.
  @Test func theVerdictSeesWhatFloat32Rounds() throws {
    let (a, b) = (1 + 1e-9, 1 + 2e-9)
    #expect(Float(a) == 1 && Float(b) == 1)
    let documents: [Double] = [1, 0, a, 0, b, 0, 0, 1]
    let queries: [Double] = [1, 0, 1, 0, 1, 0]
    let qrels = try Qrels(relevant: [[2], [1], [0, 3]], documentCount: 4)
    let evaluation = try evaluate(npy(queries, rows: 3, columns: 2, descr: "<f8"), npy(documents, rows: 4, columns: 2, descr: "<f8"), qrels)
    let results = evaluation.queries
    // Query 0: b against a, solved by 1e-9, though float32 ranks its document third.
    #expect(results[0].margin == b - a && results[0].margin > 0)
    #expect(results[0].bestIrrelevant == .init(row: 1, score: a))
    #expect(results[0].metrics.recallAt2 == 0 && results[0].metrics.recallAt10 == 1)
    // Query 1: a against b, a later row with the same float32 score as the first.
    #expect(results[1].margin == a - b && results[1].bestIrrelevant == .init(row: 2, score: b))
    #expect(results[2].margin == -b && results[2].worstRelevant == .init(row: 3, score: 0))
    #expect(evaluation.verification.solvedQueries == 1 && evaluation.recomputedScores >= 4)
  }

  /// A scan recomputes in double every irrelevant document within the window of the best
  /// float32 score, and finds the best exact score among them even where float32 ranks it lower.
  @Test(arguments: [(1e-6, 2, 3), (1e-9, 1, 2)])
  func theScanRecomputesWithinTheWindow(window: Double, best: Int, recomputed: Int) {
    let scores: [Float] = [0.5, 1, 0.9999999, 1]
    let exact = [0.5, 0.9999999, 1.0000001, 2]
    var scan = QueryScan(depth: 3, relevantRows: [3], from: 0, window: window)
    scores.withUnsafeBufferPointer { scan.scan($0.baseAddress!, rows: 0..<4) { exact[$0] } }
    let found = scan.partial
    #expect(found.ranking.map(\.row) == [1, 3, 2])
    #expect(found.worstRelevant == .init(row: 3, score: 2))
    #expect(found.bestIrrelevant == .init(row: best, score: exact[best]) && scan.recomputed == recomputed)
  }

  /// Two scans of the halves, merged, find what one scan finds.
  @Test func scansOfTheHalvesMerge() {
    let scores: [Float] = [0.5, 1, 0.9999999, 1]
    let exact = [0.5, 0.9999999, 1.0000001, 2]
    let window = 1e-6
    var whole = QueryScan(depth: 3, relevantRows: [3], from: 0, window: window)
    scores.withUnsafeBufferPointer { whole.scan($0.baseAddress!, rows: 0..<4) { exact[$0] } }
    let found = whole.partial
    var first = QueryScan(depth: 3, relevantRows: [3], from: 0, window: window)
    var second = QueryScan(depth: 3, relevantRows: [3], from: 2, window: window)
    scores.withUnsafeBufferPointer {
      first.scan($0.baseAddress!, rows: 0..<2) { exact[$0] }
      second.scan($0.baseAddress! + 2, rows: 2..<4) { exact[$0] }
    }
    var merged = first.partial
    merged.merge(second.partial, depth: 3)
    #expect(merged.ranking.map(\.row) == [1, 3, 2] && merged.bestIrrelevant == found.bestIrrelevant)
  }

  /// The rounding bound against float32 scores computed as the kernel does (in order over the
  /// coordinates), on random vectors, vectors whose products cancel, and values that underflow.
  @Test func theRoundingBoundHolds() {
    for (trial, d) in [1, 2, 7, 64, 1000].enumerated() {
      for scale in [1.0, 1e-20, 1e15] {
        var q = normals(d, seed: UInt64(10 + trial)).map { $0 * scale }
        let x = normals(d, seed: UInt64(20 + trial)).map { $0 * scale }
        // Make half the products cancel the other half.
        for c in stride(from: 1, to: d, by: 2) { q[c] = -q[c - 1] * x[c - 1] / x[c] }
        let exact = zip(q, x).reduce(0.0) { $0 + $1.0 * $1.1 }
        let rounded = zip(q, x).reduce(Float(0)) { $0 + Float($1.0) * Float($1.1) }
        let norm = { (v: [Double]) in v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
        let bound = RankingPass.roundingBound(queryNorm: norm(q), documentNorm: norm(x), dimension: d)
        #expect(abs(Double(rounded) - exact) <= bound, "d = \(d), scale \(scale)")
      }
    }
  }

  @Test func idsFilesPlaceTheRows() throws {
    // Three queries over four documents; the embedding files hold them shuffled, with an extra
    // query row the qrels do not judge and an extra document row they do not know.
    let labeled = LabeledQrels(
      qrels: try Qrels(relevant: [[0], [1, 2], [3]], documentCount: 4), queryIDs: ["a", "b", "c"],
      documentIDs: ["w", "x", "y", "z"], source: "test")
    let queryValues: [Double] = [0, 1, 1, 0, 1, 1, -1, -1]  // rows: c, a, b, unjudged
    let documentValues: [Double] = [0, 1, 0.9, 0.1, 1, 0, 0.5, 0.5, 0.2, 0.2]  // rows: z, v, w, x, y
    let queryIDs = try IDList(contentsOfFile: writeFile("q.txt", "c\na\nb\nextra\n"))
    let documentIDs = try IDList(contentsOfFile: writeFile("d.txt", "z\r\nv\r\nw\r\nx\r\ny"))
    let queries = try npy(queryValues, rows: 4, columns: 2)
    let documents = try npy(documentValues, rows: 5, columns: 2)
    let rows = try EmbeddingRows(qrels: labeled, queries: queries, documents: documents, queryIDs: queryIDs, documentIDs: documentIDs)
    #expect(rows.queryRows == [1, 2, 0] && rows.documentRows == [2, 3, 4, 0])
    #expect(rows.skippedQueryRows == 1 && rows.unjudgedDocumentRows == 1)
    let evaluation = try RetrievalEvaluation(queries: queries, documents: documents, relevance: labeled.qrels, rows: rows)
    // a = (1, 0): w (row 2) scores 1, v (row 1) 0.9. b = (1, 1): x and y relevant, z and w
    // both score 1, z first (row 0). c = (0, 1): z relevant, x (row 3) best of the rest.
    #expect(evaluation.queries[0].worstRelevant == .init(row: 2, score: 1))
    #expect(evaluation.queries.map { $0.bestIrrelevant?.row } == [1, 0, 3])
    #expect(evaluation.queries[0].metrics.recallAt2 == 1 && evaluation.queries[1].metrics.recallAt2 == 0)
    #expect(evaluation.documentCount == 5)
  }

  @Test func rowsThatDoNotMatchAreNamed() throws {
    let labeled = LabeledQrels(
      qrels: try Qrels(relevant: [[0], [1]], documentCount: 3), queryIDs: ["a", "b"], documentIDs: ["x", "y", "z"],
      source: "qrels.jsonl")
    let two = try npy([1, 0, 0, 1], rows: 2, columns: 2)
    let three = try npy([1, 0, 0, 1, 1, 1], rows: 3, columns: 2)
    #expect(throws: LimitFitError("3x2: 3 rows for the 2 queries of qrels.jsonl (without an ids file the rows are its query ids in order)")) {
      try EmbeddingRows(qrels: labeled, queries: three, documents: three)
    }
    let ids = try writeFile("ids.txt", "x\nz\n")
    #expect(throws: LimitFitError("\(ids): 2 ids for the 3 rows of 3x2")) {
      try EmbeddingRows(qrels: labeled, queries: two, documents: three, documentIDs: IDList(contentsOfFile: ids))
    }
    #expect(throws: LimitFitError("no embedding for document \"y\", relevant to query \"b\": \(ids) does not list it")) {
      try EmbeddingRows(qrels: labeled, queries: two, documents: two, documentIDs: IDList(contentsOfFile: ids))
    }
    let relevantOnly = try writeFile("ids.txt", "x\ny\n")
    #expect(throws: LimitFitError("no embedding for document \"z\" of qrels.jsonl, relevant to no query but a document of the matrix: \(relevantOnly) does not list it")) {
      try EmbeddingRows(qrels: labeled, queries: two, documents: two, documentIDs: IDList(contentsOfFile: relevantOnly))
    }
    let queryIDs = try writeFile("q.txt", "a\nc\n")
    #expect(throws: LimitFitError("no embedding for query \"b\" of qrels.jsonl: \(queryIDs) does not list it")) {
      try EmbeddingRows(qrels: labeled, queries: two, documents: three, queryIDs: IDList(contentsOfFile: queryIDs))
    }
    let twice = try writeFile("ids.txt", "x\ny\nx\n")
    #expect(throws: LimitFitError("\(twice):3: id \"x\" is listed twice (first on line 1)")) { try IDList(contentsOfFile: twice) }
    let blank = try writeFile("ids.txt", "x\n\ny\n")
    #expect(throws: LimitFitError("\(blank):2: a blank line; expected one id per line")) { try IDList(contentsOfFile: blank) }
  }

  @Test func embeddingsThatCannotBeScoredAreRefused() throws {
    let qrels = try Qrels(relevant: [[0]], documentCount: 2)
    let query = try npy([1, 0], rows: 1, columns: 2)
    #expect(throws: LimitFitError("2x2: row 1 holds nan, not a finite number")) {
      try evaluate(query, npy([1, 0, .nan, 1], rows: 2, columns: 2), qrels)
    }
    #expect(throws: LimitFitError("1x2: row 0 holds -inf, not a finite number")) {
      try evaluate(npy([1, -.infinity], rows: 1, columns: 2, descr: "<f8"), npy([1, 0, 0, 1], rows: 2, columns: 2), qrels)
    }
    #expect(throws: LimitFitError("2x2: row 1 has norm 1e+300, above 2^63: scores are computed in float32, which products of such rows overflow; scale the embeddings down")) {
      try evaluate(query, npy([1, 0, 1e300, 0], rows: 2, columns: 2, descr: "<f8"), qrels)
    }
    #expect(throws: LimitFitError("1x2 has 2 columns and 2x3 3: query and document embeddings must have the same dimension")) {
      try evaluate(query, npy([1, 0, 0, 0, 1, 0], rows: 2, columns: 3), qrels)
    }
  }

  @Test func quartilesInterpolateAsNumPy() {
    let quartiles = Quartiles([4, 1, 3, 2, 5])
    #expect([quartiles.minimum, quartiles.lowerQuartile, quartiles.median, quartiles.upperQuartile, quartiles.maximum] == [1, 2, 3, 4, 5])
    #expect(Quartiles([1, 2]).lowerQuartile == 1.25)
    #expect(Quartiles([1, .infinity]).median == .infinity && Quartiles([1, .infinity]).minimum == 1)
    #expect(Quartiles([.infinity, .infinity]).lowerQuartile == .infinity)
  }
}

@Suite struct EvaluationReportTests {
  /// Two queries over three documents, one relevant each, both solved.
  @Test func theRecordAndTheRunFileSayWhatTheEvaluationFound() throws {
    let qrels = try Qrels(relevant: [[0], [2]], documentCount: 3)
    let labeled = LabeledQrels(qrels: qrels, queryIDs: ["a", "b"], documentIDs: ["x", "y", "z"], source: "test")
    let queries = try npy([1, 0, 0, 1], rows: 2, columns: 2)
    let documents = try npy([1, 0, 0.6, 0.8, 0, 1], rows: 3, columns: 2)
    let rows = try EmbeddingRows(qrels: labeled, queries: queries, documents: documents)
    let evaluation = try RetrievalEvaluation(
      queries: queries, documents: documents, relevance: qrels, rows: rows,
      ties: TieRule.trec.tieBreak(documentIDs: labeled.documentIDs))
    let report = EvaluationReport(
      qrels: labeled, queries: queries, documents: documents, rows: rows, documentIDs: labeled.documentIDs,
      queryOrder: "qrels", documentOrder: "qrels", evaluation: evaluation, name: "run1", ties: .trec, worst: 1,
      seconds: 2, device: "cpu")
    #expect(report.gigaflops == 2 * 2 * 3 * 2 / 1e9 && report.gigaflopsPerSecond == report.gigaflops / 2)
    #expect(report.runFile.split(separator: "\n").first == "a Q0 x 1 1 run1")
    #expect(report.runFile.split(separator: "\n").count == 6)
    let record = report.record
    #expect(record.name == "run1" && record.ties == "trec" && record.queries == 2 && record.documents == 3)
    #expect(record.solved && record.solvedQueries == 2 && record.worstQueries.count == 1)
    #expect(record.perQuery.map(\.query) == ["a", "b"] && record.perQuery[0].worstRelevant.document == "x")
    #expect(abs((record.minimumMargin ?? 0) - 0.2) < 1e-6 && record.margins.minimum == record.minimumMargin)
  }
}
