/// The binomial coefficient C(n, k), or `nil` when it does not fit in an `Int`.
///
/// - Complexity: O(k).
public func binomial(_ n: Int, _ k: Int) -> Int? {
  guard n >= 0, k >= 0, k <= n else { return 0 }
  let k = min(k, n - k)
  var result = 1
  for i in 0..<k {
    // result · (n − i) is divisible by (i + 1): it is (i + 1) · C(n, i + 1).
    let (product, overflow) = result.multipliedReportingOverflow(by: n - i)
    if overflow { return nil }
    result = product / (i + 1)
  }
  return result
}

/// All k-element subsets of `0..<n` in lexicographic order, each as a sorted array.
///
/// The sequence is lazy: it holds one subset at a time.
public struct KSubsets: Sequence, Sendable {
  /// The number of elements to choose from.
  public let n: Int
  /// The size of every subset.
  public let k: Int

  /// Creates the sequence of k-subsets of `0..<n`; empty when k > n.
  public init(n: Int, k: Int) {
    precondition(n >= 0 && k >= 0, "KSubsets needs n ≥ 0 and k ≥ 0, got n = \(n), k = \(k)")
    self.n = n
    self.k = k
  }

  public struct Iterator: IteratorProtocol {
    private let n: Int
    private var current: [Int]?

    init(n: Int, k: Int) {
      self.n = n
      current = k <= n ? Array(0..<k) : nil
    }

    public mutating func next() -> [Int]? {
      guard let subset = current else { return nil }
      var next = subset
      current = KSubsets.advance(&next, n: n) ? next : nil
      return subset
    }
  }

  public func makeIterator() -> Iterator { Iterator(n: n, k: k) }

  /// Replaces `subset` with the next k-subset of `0..<n` in lexicographic order;
  /// returns `false`, leaving it unchanged, when it is the last one.
  static func advance(_ subset: inout [Int], n: Int) -> Bool {
    let k = subset.count
    // The rightmost position that can still grow.
    var position = k - 1
    while position >= 0 && subset[position] == n - k + position { position -= 1 }
    guard position >= 0 else { return false }
    subset[position] += 1
    for later in (position + 1)..<k { subset[later] = subset[later - 1] + 1 }
    return true
  }
}
