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
  /// The metrics at each cut-off asked for (`eval --k`), in the order asked.
  public var cutoffs: [CutoffMetrics] = []

  /// The most documents of a ranking the metrics read.
  public static let depth = 100

  /// All zero.
  public init() {}

  private enum CodingKeys: String, CodingKey {
    case recallAt2, recallAt10, recallAt100, ndcgAt10, cutoffs
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    recallAt2 = try container.decode(Double.self, forKey: .recallAt2)
    recallAt10 = try container.decode(Double.self, forKey: .recallAt10)
    recallAt100 = try container.decode(Double.self, forKey: .recallAt100)
    ndcgAt10 = try container.decode(Double.self, forKey: .ndcgAt10)
    cutoffs = try container.decodeIfPresent([CutoffMetrics].self, forKey: .cutoffs) ?? []
  }

  /// The four metrics, and `cutoffs` only where there are some.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(recallAt2, forKey: .recallAt2)
    try container.encode(recallAt10, forKey: .recallAt10)
    try container.encode(recallAt100, forKey: .recallAt100)
    try container.encode(ndcgAt10, forKey: .ndcgAt10)
    if !cutoffs.isEmpty { try container.encode(cutoffs, forKey: .cutoffs) }
  }

  /// One query's metrics.
  ///
  /// - Parameters:
  ///   - ranking: the documents ranked first, best first; the first `depth` are read, so a
  ///     ranking shorter than that holds every document.
  ///   - relevantCount: the number of relevant documents, at least 1.
  ///   - cutoffs: the cut-offs k of `cutoffs`; the ranking must hold the first max(k) documents
  ///     (or every document).
  ///   - isRelevant: whether a document is relevant.
  public init(ranking: some Collection<Int>, relevantCount: Int, cutoffs: [Int] = [], isRelevant: (Int) -> Bool) {
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
    let relevance = ranking.prefix(cutoffs.max() ?? 0).map(isRelevant)
    self.cutoffs = cutoffs.map { CutoffMetrics(relevance: relevance, relevantCount: relevantCount, k: $0) }
  }

  /// The mean of each metric over `queries`, summed in order; all zero when there are none.
  public init(meanOf queries: some Collection<RetrievalMetrics>) {
    guard !queries.isEmpty else { return }
    cutoffs = queries.first?.cutoffs.map { CutoffMetrics(k: $0.k) } ?? []
    for query in queries {
      recallAt2 += query.recallAt2
      recallAt10 += query.recallAt10
      recallAt100 += query.recallAt100
      ndcgAt10 += query.ndcgAt10
      for (index, cutoff) in query.cutoffs.enumerated() { cutoffs[index].add(cutoff) }
    }
    let count = Double(queries.count)
    (recallAt2, recallAt10, recallAt100, ndcgAt10) =
      (recallAt2 / count, recallAt10 / count, recallAt100 / count, ndcgAt10 / count)
    for index in cutoffs.indices { cutoffs[index].divide(by: count) }
  }
}

/// The metrics at one cut-off k, as pytrec_eval (trec_eval) computes them with binary relevance
/// and MTEB reports them, over the first k documents of a ranking (all of them when there are
/// fewer) and the |R| relevant documents of the query:
/// - recall@k = |R ∩ top k| / |R| (trec_eval's recall_k);
/// - precision@k = |R ∩ top k| / k (P_k: divided by k even when fewer documents are ranked);
/// - nDCG@k: gain 1 at rank i discounted by log2(i + 1), over the ideal, min(|R|, k) relevant
///   documents first (ndcg_cut_k);
/// - MAP@k: the precision at the rank of each relevant document in the top k, summed and
///   divided by |R| (map_cut_k);
/// - MRR@k: 1 / the rank of the first relevant document in the top k, 0 without one (MTEB's).
public struct CutoffMetrics: Codable, Equatable, Sendable {
  public var k: Int
  public var recall = 0.0
  public var precision = 0.0
  public var ndcg = 0.0
  public var map = 0.0
  public var mrr = 0.0

  /// All zero, at `k`.
  public init(k: Int) { self.k = k }

  /// One query's metrics at `k`, from whether each ranked document is relevant, best first.
  init(relevance: [Bool], relevantCount: Int, k: Int) {
    self.k = k
    var found = 0
    var gain = 0.0
    for (index, relevant) in relevance.prefix(k).enumerated() where relevant {
      let rank = Double(index + 1)
      found += 1
      gain += 1 / log2(rank + 1)
      map += Double(found) / rank
      if found == 1 { mrr = 1 / rank }
    }
    recall = Double(found) / Double(relevantCount)
    precision = Double(found) / Double(k)
    ndcg = gain / (1...min(relevantCount, k)).reduce(0.0) { $0 + 1 / log2(Double($1 + 1)) }
    map /= Double(relevantCount)
  }

  mutating func add(_ other: CutoffMetrics) {
    (recall, precision, ndcg, map, mrr) =
      (recall + other.recall, precision + other.precision, ndcg + other.ndcg, map + other.map, mrr + other.mrr)
  }

  mutating func divide(by count: Double) {
    (recall, precision, ndcg, map, mrr) = (recall / count, precision / count, ndcg / count, map / count, mrr / count)
  }
}
