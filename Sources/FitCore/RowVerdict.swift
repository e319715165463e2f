/// How one query's scores rank its documents.
///
/// Usable from inlinable code, and always inlined, so that each CPU engine module compiles the
/// judging into its own functions for its own instruction set (members of a package type are
/// inlined elsewhere only so; a function left standing would be one copy for all levels).
@usableFromInline package struct RowVerdict<T: FitScalar>: Equatable {
  /// The worst relevant score is strictly above the best irrelevant one (a tie is not solved).
  @usableFromInline package var solved: Bool
  /// Relevant documents among the top |R| by score, ties broken by lower document id
  /// (a stable descending sort, as the paper's argsort).
  @usableFromInline package var relevantFound: Int
  /// The largest score, relevant or not.
  @usableFromInline package var maximumScore: T

  /// Judges one query from its scores.
  ///
  /// - Parameters:
  ///   - scores: the query's score for each of `count` documents.
  ///   - relevant: the query's relevant document ids, ascending.
  /// - Complexity: O(n + |R|) when solved, O(|R| · n) otherwise.
  @inlinable @inline(__always)
  package init(scores: UnsafePointer<T>, count n: Int, relevant: UnsafeBufferPointer<Int32>) {
    var worstRelevant = T.infinity
    for id in relevant.lazy.map(Int.init) { worstRelevant = min(worstRelevant, scores[id]) }
    // Every relevant document scores at least the worst one; any other that does breaks it.
    solved = countAtLeast(scores, count: n, threshold: worstRelevant) == relevant.count
    maximumScore = maximum(scores, count: n)
    relevantFound = solved ? relevant.count : Self.countFound(scores: scores, count: n, relevant: relevant)
  }

  /// The relevant documents that a stable descending sort puts among the first |R|.
  @inlinable @inline(__always)
  static func countFound(
    scores: UnsafePointer<T>, count n: Int, relevant: UnsafeBufferPointer<Int32>
  ) -> Int {
    var found = 0
    for id in relevant.lazy.map(Int.init)
    where countAhead(scores, count: n, of: scores[id], tiedBefore: id) < relevant.count {
      found += 1
    }
    return found
  }
}
