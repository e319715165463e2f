/// The qrel patterns of the paper's §5.4, for k = 2: which pairs of documents the queries ask for.
public enum QrelsPattern: String, CaseIterable, Sendable {
  /// All pairs of the fewest documents whose pair count reaches the number of queries
  /// (LIMIT: 46 documents, C(46, 2) = 1035 ≥ 1000), the first m in lexicographic order.
  case dense
  /// Each query a uniformly random pair of distinct documents (seeded).
  case random
  /// Query i is relevant to documents i and i + 1 (mod n).
  case cycle
  /// Query i is relevant to documents 2i and 2i + 1.
  case disjoint

  /// The documents the pattern needs for `queries` queries, when `documents` is not given.
  public func defaultDocuments(queries m: Int) -> Int {
    switch self {
    case .dense:
      var n = 2
      while n * (n - 1) / 2 < m { n += 1 }
      return n
    case .random, .cycle: return max(m, 3)
    case .disjoint: return 2 * m
    }
  }

  /// The pattern's relevance matrix with ids "q0", "q1", … and "d0", "d1", ….
  ///
  /// - Parameters:
  ///   - documents: n; more than the pattern needs adds documents relevant to no query.
  ///   - seed: the seed of `random`.
  /// - Throws: `LimitFitError` when m < 1 or n is too small for the pattern.
  public func qrels(queries m: Int, documents: Int? = nil, seed: UInt64 = 42) throws -> LabeledQrels {
    guard m >= 1 else { throw LimitFitError("--queries (\(m)) must be at least 1") }
    let needed = self == .cycle || self == .random ? 3 : defaultDocuments(queries: m)
    let n = documents ?? defaultDocuments(queries: m)
    guard n >= needed else {
      throw LimitFitError("the \(rawValue) pattern with \(m) queries needs at least \(needed) documents, not \(n)")
    }
    let pairs: [[Int]]
    switch self {
    case .dense:
      pairs = Array(KSubsets(n: defaultDocuments(queries: m), k: 2).prefix(m))
    case .random:
      var generator = SplitMix64(seed: seed)
      pairs = (0..<m).map { _ in
        let first = Int.random(in: 0..<n, using: &generator)
        var second = Int.random(in: 0..<(n - 1), using: &generator)
        if second >= first { second += 1 }
        return [first, second]
      }
    case .cycle:
      pairs = (0..<m).map { [$0 % n, ($0 + 1) % n] }
    case .disjoint:
      pairs = (0..<m).map { [2 * $0, 2 * $0 + 1] }
    }
    return LabeledQrels(
      qrels: try Qrels(relevant: pairs, documentCount: n),
      queryIDs: (0..<m).map { "q\($0)" }, documentIDs: (0..<n).map { "d\($0)" },
      source: "\(rawValue) pattern, \(m) queries, \(n) documents" + (self == .random ? ", seed \(seed)" : ""))
  }
}
