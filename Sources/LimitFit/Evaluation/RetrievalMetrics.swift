import Foundation

/// The retrieval metrics the LIMIT paper reports for real models, as MTEB and BEIR compute them
/// (pytrec_eval) with binary relevance: recall@k = |relevant ∩ top k| / |relevant| for k = 2, 10
/// and 100, and nDCG@10, where a relevant document at rank i gains 1 / log2(i + 1) and the sum
/// is divided by the ideal one, min(|relevant|, 10) relevant documents at the top.
public struct RetrievalMetrics: Codable, Equatable, Sendable {
  /// The share of the relevant documents among the first 2.
  public var recallAt2 = 0.0
  /// The share of the relevant documents among the first 10.
  public var recallAt10 = 0.0
  /// The share of the relevant documents among the first 100.
  public var recallAt100 = 0.0
  /// The discounted gain of the first 10 over the best possible.
  public var ndcgAt10 = 0.0

  /// The most documents of a ranking the metrics read.
  public static let depth = 100

  /// All zero.
  public init() {}

  /// One query's metrics.
  ///
  /// - Parameters:
  ///   - ranking: the documents ranked first, best first; the first `depth` are read, so a
  ///     ranking shorter than that holds every document.
  ///   - relevantCount: the number of relevant documents, at least 1.
  ///   - isRelevant: whether a document is relevant.
  public init(ranking: some Collection<Int>, relevantCount: Int, isRelevant: (Int) -> Bool) {
    precondition(relevantCount >= 1, "a query without relevant documents")
    var found = 0
    var gain = 0.0
    for (index, document) in ranking.prefix(Self.depth).enumerated() {
      let rank = index + 1
      if isRelevant(document) {
        found += 1
        if rank <= 10 { gain += 1 / log2(Double(rank + 1)) }
      }
      if rank == 2 { recallAt2 = Double(found) }
      if rank == 10 { recallAt10 = Double(found) }
    }
    // Rankings shorter than a cutoff hold every document: all they found counts.
    if ranking.count < 2 { recallAt2 = Double(found) }
    if ranking.count < 10 { recallAt10 = Double(found) }
    recallAt100 = Double(found)
    let total = Double(relevantCount)
    (recallAt2, recallAt10, recallAt100) = (recallAt2 / total, recallAt10 / total, recallAt100 / total)
    let ideal = (1...min(relevantCount, 10)).reduce(0.0) { $0 + 1 / log2(Double($1 + 1)) }
    ndcgAt10 = gain / ideal
  }

  /// The mean of each metric over `queries`, summed in order; all zero when there are none.
  public init(meanOf queries: some Collection<RetrievalMetrics>) {
    guard !queries.isEmpty else { return }
    for query in queries {
      recallAt2 += query.recallAt2
      recallAt10 += query.recallAt10
      recallAt100 += query.recallAt100
      ndcgAt10 += query.ndcgAt10
    }
    let count = Double(queries.count)
    (recallAt2, recallAt10, recallAt100, ndcgAt10) =
      (recallAt2 / count, recallAt10 / count, recallAt100 / count, ndcgAt10 / count)
  }
}
