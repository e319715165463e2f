/// How one query's scores rank its documents.
struct RowVerdict<T: FitScalar>: Equatable {
  /// The worst relevant score is strictly above the best irrelevant one (a tie is not solved).
  var solved: Bool
  /// Relevant documents among the top |R| by score, ties broken by lower document id
  /// (a stable descending sort, as the paper's argsort).
  var relevantFound: Int
  /// The largest score, relevant or not.
  var maximumScore: T

  /// Judges one query from its scores.
  ///
  /// - Parameters:
  ///   - scores: the query's score for each of `count` documents.
  ///   - relevant: the query's relevant document ids, ascending.
  /// - Complexity: O(n + |R|) when solved, O(|R| · n) otherwise.
  init(scores: UnsafePointer<T>, count n: Int, relevant: UnsafeBufferPointer<Int32>) {
    var worstRelevant = T.infinity
    for id in relevant.lazy.map(Int.init) { worstRelevant = min(worstRelevant, scores[id]) }
    // Every relevant document scores at least the worst one; any other that does breaks it.
    solved = countAtLeast(scores, count: n, threshold: worstRelevant) == relevant.count
    maximumScore = maximum(scores, count: n)
    relevantFound = solved ? relevant.count : Self.countFound(scores: scores, count: n, relevant: relevant)
  }

  /// The relevant documents that a stable descending sort puts among the first |R|.
  private static func countFound(
    scores: UnsafePointer<T>, count n: Int, relevant: UnsafeBufferPointer<Int32>
  ) -> Int {
    relevant.lazy.map(Int.init).filter { id in
      countAhead(scores, count: n, of: scores[id], tiedBefore: id) < relevant.count
    }.count
  }
}
