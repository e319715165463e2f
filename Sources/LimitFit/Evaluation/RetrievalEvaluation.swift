import Foundation

/// A model's embeddings scored against a relevance matrix as a retriever uses them, and judged
/// exactly.
///
/// Every query ranks every document row by its score, the dot product q · x (the cosine for
/// unit rows), highest first, ties broken as `TieBreak` says; `RetrievalMetrics` reads each
/// query's first 100 (or more, for larger cut-offs). Scores are computed in float32, as models retrieve, blocked over queries and
/// documents on every core, with no m × n matrix in memory.
///
/// The verdict is decided in double precision, as `verify` decides it: a query's margin is its
/// worst relevant score less its best irrelevant one, and the query is solved when the margin is
/// positive. Every relevant score is recomputed in double from the files' own values, and so is
/// every irrelevant score that float32 rounding could have put below the best irrelevant one:
/// those within twice a rigorous bound of the float32 error of the best (`RankingPass`;
/// docs/MATHEMATICS.md §6).
public struct RetrievalEvaluation: Sendable {
  /// How documents with equal scores are ranked.
  public enum TieBreak: Sendable {
    /// trec_eval's rule, and so pytrec_eval's and MTEB's: the larger document id first, ids
    /// compared byte by byte (strcmp); one id per document row.
    case documentIDDescending([String])
    /// The lower document row first.
    case lowerRow
  }

  /// A ranked document row and its float32 score.
  public struct RankedRow: Equatable, Sendable {
    public var row: Int
    public var score: Float
  }

  /// A document row and its score in double precision.
  public struct ScoredDocument: Equatable, Sendable {
    /// The row in the document embeddings.
    public var row: Int
    public var score: Double
  }

  /// What one query found.
  public struct QueryResult: Sendable {
    /// Its number of relevant documents.
    public var relevantCount: Int
    public var metrics: RetrievalMetrics
    /// The documents ranked first, best first: max(100, the largest cut-off) of them, or all.
    public var ranking: [RankedRow]
    /// The worst relevant score less the best irrelevant one, in double precision; +∞ when every
    /// document is relevant.
    public var margin: Double
    /// The relevant document with the lowest score (the first row among equals).
    public var worstRelevant: ScoredDocument
    /// The irrelevant document with the highest score (the first row among equals); `nil` when
    /// every document is relevant.
    public var bestIrrelevant: ScoredDocument?
  }

  /// One result per query of the relevance matrix, in its order.
  public var queries: [QueryResult]
  /// The mean of each metric over the queries.
  public var metrics: RetrievalMetrics
  /// The exact verdict: solved queries, the minimum margin and its query.
  public var verification: Verification
  /// The embeddings' dimension d.
  public var dimension: Int
  /// Every document row, the ranked candidates.
  public var documentCount: Int
  /// The smallest and largest norm of the evaluated query rows, and of the document rows.
  public var queryNorms: ClosedRange<Double>
  public var documentNorms: ClosedRange<Double>
  /// Irrelevant scores recomputed in double precision because float32 rounding could have hidden
  /// the best one among them.
  public var recomputedScores: Int

  /// The largest dimension evaluated: the rounding bound needs (d + 2) · 2⁻²⁴ ≤ 1/2.
  public static let maximumDimension = 1 << 22

  /// The largest row norm read: products of two such norms stay within float32's range.
  public static let maximumNorm = 0x1p63
  /// The smallest but 0: products of two such rows stay far above float32's smallest normal
  /// number (2⁻¹²⁶), so that their scores do not underflow to ties. (A zero row scores every
  /// document exactly 0: true ties, ranked by row.)
  public static let minimumNorm = 0x1p-60

  /// Scores `queries` against `documents` and judges them against `relevance`.
  ///
  /// - Parameters:
  ///   - rows: which embedding rows are the matrix's queries and documents; every document row
  ///     is a candidate, whether the matrix knows it or not.
  ///   - cutoffs: the cut-offs k of `RetrievalMetrics.cutoffs`, each at least 1.
  ///   - ties: how equal scores are ranked.
  ///   - level: the instruction-set level of the score kernel.
  /// - Throws: `LimitFitError` when the dimensions differ, a row holds a value that is not
  ///   finite or is too large for float32 scores, or the work does not fit in memory.
  public init(
    queries: NPYMatrix, documents: NPYMatrix, relevance: Qrels, rows: EmbeddingRows, cutoffs: [Int] = [],
    ties: TieBreak = .lowerRow, level: CPULevel = .best
  ) throws {
    precondition(cutoffs.allSatisfy { $0 >= 1 }, "a cut-off below 1")
    precondition(rows.queryRows.count == relevance.queryCount && rows.documentRows.count == relevance.documentCount)
    let d = queries.columns
    guard documents.columns == d else {
      throw LimitFitError(
        "\(queries.name) has \(d) columns and \(documents.name) \(documents.columns): query and document embeddings must have the same dimension")
    }
    guard (1...Self.maximumDimension).contains(d) else {
      throw LimitFitError("\(queries.name): dimension \(d); it must be between 1 and \(Self.maximumDimension)")
    }
    guard documents.rows <= Int(Int32.max) else {
      throw LimitFitError("\(documents.name): \(documents.rows) rows; at most \(Int32.max) are ranked")
    }
    let pass = RankingPass(
      queries: relevance.queryCount, documents: documents.rows, dimension: d,
      depth: max(RetrievalMetrics.depth, cutoffs.max() ?? 0))
    var tieKeys: [Int32]?
    if case .documentIDDescending(let ids) = ties {
      precondition(ids.count == documents.rows, "one id per document row")
      var keys = [Int32](repeating: 0, count: ids.count)
      let descending = ids.indices.sorted { ids[$1].utf8.lexicographicallyPrecedes(ids[$0].utf8) }
      for (key, row) in descending.enumerated() { keys[row] = Int32(key) }
      tieKeys = keys
    }
    try SystemMemory.require(
      pass.bytesNeeded,
      for: "ranking \(relevance.queryCount) queries against \(documents.rows) documents in d = \(d)")
    let packed = try PackedEmbeddings(queries: queries, rows: rows.queryRows, documents: documents)
    defer { packed.deallocate() }
    let relevantRows = (0..<relevance.queryCount).map { query in
      relevance.relevant(to: query).map { rows.documentRows[Int($0)] }.sorted()
    }
    let found = pass.run(
      packed, queries: queries, queryRows: rows.queryRows, documents: documents, relevantRows: relevantRows,
      tieKeys: tieKeys, level: level)

    var verification = Verification()
    self.queries = relevantRows.indices.map { query in
      let relevant = relevantRows[query]
      let ranking = found.rankings[query]
      let metrics = RetrievalMetrics(ranking: ranking.map(\.row), relevantCount: relevant.count, cutoffs: cutoffs) { row in
        Self.contains(relevant, row)
      }
      let best = found.bestIrrelevant[query]
      let worst = found.worstRelevant[query]
      var margin = best.map { worst.score - $0.score } ?? .infinity
      let bound = ExactComparison.marginBound(dimension: d, norms: packed.queryNorms[query] * packed.documentNorms.upperBound)
      if margin.isFinite, abs(margin) <= bound {
        margin = Self.exactMargin(
          queries: queries, row: rows.queryRows[query], documents: documents, relevantRows: relevant, rounded: margin,
          bound: bound)
      }
      verification.record(margin: margin, of: query)
      return QueryResult(
        relevantCount: relevant.count, metrics: metrics, ranking: ranking, margin: margin, worstRelevant: worst,
        bestIrrelevant: best)
    }
    self.verification = verification
    metrics = RetrievalMetrics(meanOf: self.queries.map(\.metrics))
    dimension = d
    documentCount = documents.rows
    queryNorms = packed.queryNorms.min()!...packed.queryNorms.max()!
    documentNorms = packed.documentNorms
    recomputedScores = found.recomputedScores
  }

  /// The margin of one query whose rounded margin is within `bound` of zero, decided exactly:
  /// every irrelevant document whose double-precision score is within twice `bound` of the worst
  /// relevant one is compared with every relevant one exactly (`ExactComparison`). Returns
  /// the margin as `ExactComparison.margin` gives it.
  static func exactMargin(
    queries: NPYMatrix, row: Int, documents: NPYMatrix, relevantRows: [Int], rounded: Double, bound: Double
  ) -> Double {
    let d = queries.columns
    var query = [Double](repeating: 0, count: d)
    query.withUnsafeMutableBufferPointer { queries.read(rows: row..<(row + 1), into: $0.baseAddress!) }
    func documentRow(_ index: Int) -> [Double] {
      var values = [Double](repeating: 0, count: d)
      values.withUnsafeMutableBufferPointer { documents.read(rows: index..<(index + 1), into: $0.baseAddress!) }
      return values
    }
    func score(_ x: [Double]) -> Double { zip(query, x).reduce(0) { $0 + $1.0 * $1.1 } }
    let relevant = relevantRows.map(documentRow)
    let threshold = relevant.map(score).min()! - 2 * bound
    let isRelevant = Set(relevantRows)
    var solved = true
    query.withUnsafeBufferPointer { q in
      for index in 0..<documents.rows where !isRelevant.contains(index) {
        let other = documentRow(index)
        guard score(other) >= threshold else { continue }
        for x in relevant where ExactComparison.sign(q, x, minus: other) <= 0 { solved = false }
      }
    }
    return ExactComparison.margin(rounded, exactlySolved: solved)
  }

  /// The queries with the smallest margins, smallest first (the first query among equals), at
  /// most `count` of them.
  public func worstQueries(_ count: Int) -> [Int] {
    Array(queries.indices.sorted { (queries[$0].margin, $0) < (queries[$1].margin, $1) }.prefix(max(count, 0)))
  }

  /// Whether the ascending `rows` hold `row`.
  private static func contains(_ rows: [Int], _ row: Int) -> Bool {
    var (low, high) = (0, rows.count)
    while low < high {
      let middle = (low + high) / 2
      if rows[middle] < row { low = middle + 1 } else { high = middle }
    }
    return low < rows.count && rows[low] == row
  }
}

/// The smallest, largest and middle values of a sample: quartiles by linear interpolation
/// between order statistics, as numpy.percentile computes them by default.
public struct Quartiles: Sendable {
  public var minimum: Double
  public var lowerQuartile: Double
  public var median: Double
  public var upperQuartile: Double
  public var maximum: Double

  /// The quartiles of `values`, which must not be empty or hold NaN (+∞ is fine).
  public init(_ values: [Double]) {
    precondition(!values.isEmpty && !values.contains(where: \.isNaN), "quartiles of an empty sample or NaN")
    let sorted = values.sorted()
    func quantile(_ p: Double) -> Double {
      let position = p * Double(sorted.count - 1)
      let low = Int(position.rounded(.down))
      let fraction = position - Double(low)
      guard fraction > 0, sorted[low + 1] != sorted[low] else { return sorted[low] }
      guard sorted[low + 1].isFinite else { return sorted[low + 1] }
      return sorted[low] + (sorted[low + 1] - sorted[low]) * fraction
    }
    (minimum, lowerQuartile, median, upperQuartile, maximum) =
      (sorted[0], quantile(0.25), quantile(0.5), quantile(0.75), sorted[sorted.count - 1])
  }
}
