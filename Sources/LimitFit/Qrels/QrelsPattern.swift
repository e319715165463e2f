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

  /// The most documents a relevance matrix may have: ids are stored as Int32.
  public static let maximumDocuments = Int(Int32.max)

  /// The documents the pattern needs for `queries` queries, when `documents` is not given;
  /// `nil` when that is more than `maximumDocuments`.
  public func defaultDocuments(queries m: Int) -> Int? {
    let n: Int
    switch self {
    case .dense:
      // The smallest n with C(n, 2) ≥ m, from the square root, then corrected by one either way.
      var guess = max(2, Int((2 * Double(m)).squareRoot().rounded(.down)))
      while guess > 2 && Double(guess - 1) * Double(guess - 2) / 2 >= Double(m) { guess -= 1 }
      while Double(guess) * Double(guess - 1) / 2 < Double(m) { guess += 1 }
      n = guess
    case .random, .cycle: n = max(m, 3)
    case .disjoint:
      guard m <= Self.maximumDocuments / 2 else { return nil }
      n = 2 * m
    }
    return n <= Self.maximumDocuments ? n : nil
  }

  /// The pattern's relevance matrix with ids "q0", "q1", … and "d0", "d1", ….
  ///
  /// - Parameters:
  ///   - documents: n; more than the pattern needs adds documents relevant to no query.
  ///   - seed: the seed of `random`.
  /// - Throws: `LimitFitError` when m < 1, n is too small for the pattern, or the matrix would
  ///   not fit in the memory free now; nothing is built before these checks.
  public func qrels(queries m: Int, documents: Int? = nil, seed: UInt64 = 42) throws -> LabeledQrels {
    guard m >= 1 else { throw LimitFitError("the number of queries (\(m)) must be at least 1") }
    guard let needed = self == .cycle || self == .random ? 3 : defaultDocuments(queries: m) else {
      throw LimitFitError(
        "the \(rawValue) pattern with \(m) queries needs more than \(Self.maximumDocuments) documents")
    }
    let n = documents ?? defaultDocuments(queries: m) ?? needed
    guard n >= needed else {
      throw LimitFitError("the \(rawValue) pattern with \(m) queries needs at least \(needed) documents, not \(n)")
    }
    guard n <= Self.maximumDocuments else {
      throw LimitFitError("the number of documents (\(n)) must be at most \(Self.maximumDocuments)")
    }
    // Offsets (8 bytes) and two ids (4 each) per query, and an id string (16 bytes) per query
    // and per document.
    try SystemMemory.require(
      32 * Double(m) + 16 * Double(n), for: "the \(rawValue) pattern with \(m) queries and \(n) documents")

    var pairs = [Int32]()
    pairs.reserveCapacity(2 * m)
    func add(_ a: Int, _ b: Int) {
      pairs.append(Int32(min(a, b)))
      pairs.append(Int32(max(a, b)))
    }
    switch self {
    case .dense:
      var pair = [0, 1]
      for query in 0..<m {
        if query > 0 { _ = KSubsets.advance(&pair, n: needed) }
        add(pair[0], pair[1])
      }
    case .random:
      var generator = SplitMix64(seed: seed)
      for _ in 0..<m {
        let first = Int.random(in: 0..<n, using: &generator)
        var second = Int.random(in: 0..<(n - 1), using: &generator)
        if second >= first { second += 1 }
        add(first, second)
      }
    case .cycle:
      for query in 0..<m { add(query % n, (query + 1) % n) }
    case .disjoint:
      for query in 0..<m { add(2 * query, 2 * query + 1) }
    }
    return LabeledQrels(
      qrels: Qrels(documentCount: n, offsets: Array(stride(from: 0, through: 2 * m, by: 2)), relevantDocuments: pairs),
      queryIDs: (0..<m).map { "q\($0)" }, documentIDs: (0..<n).map { "d\($0)" },
      source: "\(rawValue) pattern, \(m) queries, \(n) documents" + (self == .random ? ", seed \(seed)" : ""))
  }
}
