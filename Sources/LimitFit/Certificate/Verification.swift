/// What checking embeddings against a relevance matrix found: each query's margin, its worst
/// relevant score minus its best irrelevant one, in double precision, with its sign exact.
///
/// `Certificate.verify` checks saved embeddings against any matrix; `CyclicWitness.verify` checks
/// the construction against every pair of its documents.
public struct Verification: Equatable, Sendable {
  /// The queries checked.
  public var queries = 0
  /// Queries whose worst relevant score is strictly above their best irrelevant one.
  public var solvedQueries = 0
  /// The smallest margin (cosine units: Q Dᵀ); +∞ before any query.
  public var minimumMargin = Double.infinity
  /// The query with that margin, by its position among the queries checked.
  public var worstQuery = 0

  /// Solved only when every margin is positive.
  public var solved: Bool { solvedQueries == queries && minimumMargin > 0 }

  /// Nothing checked yet.
  public init() {}

  /// Counts one more query, `query`, whose margin is `margin`; the first query with the
  /// smallest margin stays the worst.
  mutating func record(margin: Double, of query: Int) {
    if margin > 0 { solvedQueries += 1 }
    if margin < minimumMargin || queries == 0 {
      minimumMargin = margin
      worstQuery = query
    }
    queries += 1
  }

  /// Adds the queries `other` checked, which come after these.
  mutating func merge(_ other: Verification) {
    guard other.queries > 0 else { return }
    if other.minimumMargin < minimumMargin || queries == 0 {
      minimumMargin = other.minimumMargin
      worstQuery = other.worstQuery
    }
    queries += other.queries
    solvedQueries += other.solvedQueries
  }
}

extension Verification {
  /// Checks embeddings against a relevance matrix, every score in double precision: query i
  /// is row `queryRows[i]` of the query matrix and document j row `documentRows[j]` of the
  /// document matrix; every document row takes part as a candidate.
  ///
  /// - Complexity: O(m · n · d), one row of scores at a time.
  public init(checking embeddings: Embeddings, against qrels: Qrels, queryRows: [Int], documentRows: [Int]) {
    self.init(
      queries: embeddings.queries, documents: embeddings.documents, dimension: embeddings.dimension,
      queryRows: queryRows
    ) { query in qrels.relevant(to: query).map { documentRows[Int($0)] } }
  }

  /// Checks row-major query and document matrices: query i is row `queryRows[i]`, its
  /// relevant documents the rows `relevantRows(i)`, and every document row a candidate. Scores
  /// are computed in double precision; a margin within the bound of their rounding is decided
  /// again exactly (`ExactComparison`), so every verdict is exact (docs/MATHEMATICS.md §6).
  init<Scalar: BinaryFloatingPoint>(
    queries: [Scalar], documents: [Scalar], dimension d: Int, queryRows: [Int], relevantRows: (Int) -> [Int]
  ) {
    self.init()
    let n = documents.count / d
    var converted = [Double]()
    converted.reserveCapacity(documents.count)
    for value in documents { converted.append(Double(value)) }
    let documents = converted
    var largestNorm = 0.0
    for document in 0..<n {
      var squared = 0.0
      for c in 0..<d { squared += documents[document * d + c] * documents[document * d + c] }
      largestNorm = max(largestNorm, squared.squareRoot())
    }
    var scores = [Double](repeating: 0, count: n)
    var isRelevant = [Bool](repeating: false, count: n)
    var query = [Double](repeating: 0, count: d)
    for (index, row) in queryRows.enumerated() {
      var squared = 0.0
      for c in 0..<d {
        query[c] = Double(queries[row * d + c])
        squared += query[c] * query[c]
      }
      for document in 0..<n {
        var score = 0.0
        for c in 0..<d { score += query[c] * documents[document * d + c] }
        scores[document] = score
      }
      let relevant = relevantRows(index)
      var worstRelevant = Double.infinity
      for document in relevant {
        isRelevant[document] = true
        worstRelevant = min(worstRelevant, scores[document])
      }
      var bestIrrelevant = -Double.infinity
      for document in 0..<n where !isRelevant[document] { bestIrrelevant = max(bestIrrelevant, scores[document]) }
      var margin = worstRelevant - bestIrrelevant
      let bound = ExactComparison.marginBound(dimension: d, norms: squared.squareRoot() * largestNorm)
      if margin.isFinite && abs(margin) <= bound {
        let threshold = worstRelevant - 2 * bound
        var solved = true
        query.withUnsafeBufferPointer { q in
          documents.withUnsafeBufferPointer { x in
            for l in 0..<n where !isRelevant[l] && scores[l] >= threshold {
              for r in relevant where ExactComparison.sign(q, x.baseAddress! + r * d, minus: x.baseAddress! + l * d) <= 0 {
                solved = false
              }
            }
          }
        }
        margin = ExactComparison.margin(margin, exactlySolved: solved)
      }
      for document in relevant { isRelevant[document] = false }
      record(margin: margin, of: index)
    }
  }
}
