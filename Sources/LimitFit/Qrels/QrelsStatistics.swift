/// Sizes and the paper's graph metrics of a relevance matrix (Weller et al. 2025, appendix).
public struct QrelsStatistics: Sendable {
  public var queries: Int
  public var documents: Int
  /// Documents relevant to at least one query.
  public var relevantDocuments: Int
  public var relevantPerQuery: (minimum: Int, mean: Double, maximum: Int)
  /// 2|E| / (|V|(|V| − 1)) over the document graph: an edge joins two documents that are
  /// relevant to a common query; V is every document.
  public var graphDensity: Double?
  /// The pairs of documents relevant to a common query that the graph density lists:
  /// Σ_i |R_i|(|R_i| − 1)/2; past `maximumDensityPairs` the density is not computed.
  public var densityPairs: Double

  /// The most pairs the graph density may list (8 bytes each).
  public static let maximumDensityPairs = 2e8
  /// The mean over queries of the summed Jaccard similarity of their relevant set with every
  /// other query's; `nil` when that would compare more than `maximumStrengthComparisons`
  /// pairs of overlapping queries.
  public var averageQueryStrength: Double?
  /// The pairs of overlapping queries the average query strength compares: Σ_j q_j², q_j the
  /// queries relevant to document j.
  public var strengthComparisons: Double

  /// The most comparisons the average query strength may take (tens of seconds).
  public static let maximumStrengthComparisons = 1e10

  /// The bytes `init` allocates for `qrels`, at most: each query's size (8), every document's
  /// list of queries (a header of 32 and 16 per relevant pair, growth included), the edges the
  /// graph density sorts (8 each, while listed) and the strength's counters (8 per query).
  public static func bytesNeeded(for qrels: Qrels) -> Double {
    let pairs = Double(qrels.relevantPairCount)
    let edges = densityPairs(of: (0..<qrels.queryCount).map { qrels.offsets[$0 + 1] - qrels.offsets[$0] })
    return 16 * Double(qrels.queryCount) + 32 * Double(qrels.documentCount) + 16 * pairs
      + (edges <= maximumDensityPairs ? 8 * edges : 0)
  }

  /// Σ_i |R_i|(|R_i| − 1)/2 over relevant sets of these sizes: the pairs the density lists.
  private static func densityPairs(of sizes: [Int]) -> Double {
    sizes.reduce(0) { $0 + Double($1) * Double($1 - 1) / 2 }
  }

  /// Computes the statistics.
  ///
  /// - Complexity: O(Σ_j q_j² + Σ_i |R_i|²), q_j the queries relevant to document j: only
  ///   overlapping queries are compared.
  public init(_ qrels: Qrels) {
    let m = qrels.queryCount
    let n = qrels.documentCount
    queries = m
    documents = n
    let sizes = (0..<m).map { qrels.offsets[$0 + 1] - qrels.offsets[$0] }
    relevantPerQuery = (sizes.min() ?? 0, Double(qrels.relevantPairCount) / Double(max(m, 1)), sizes.max() ?? 0)

    var queriesOf = [[Int]](repeating: [], count: n)
    densityPairs = Self.densityPairs(of: sizes)
    let listsEdges = densityPairs <= Self.maximumDensityPairs
    // Every edge a · n + b (a < b, so no overflow: n < 2³¹), then sorted to count distinct ones.
    var edges: [Int] = []
    for query in 0..<m {
      let relevant = qrels.relevant(to: query).map(Int.init)
      for (position, a) in relevant.enumerated() {
        queriesOf[a].append(query)
        if listsEdges { for b in relevant[(position + 1)...] { edges.append(a * n + b) } }
      }
    }
    edges.sort()
    let distinctEdges = edges.indices.filter { $0 == 0 || edges[$0] != edges[$0 - 1] }.count
    edges = []
    relevantDocuments = queriesOf.filter { !$0.isEmpty }.count
    graphDensity = !listsEdges ? nil : n > 1 ? 2 * Double(distinctEdges) / (Double(n) * Double(n - 1)) : 0
    strengthComparisons = queriesOf.reduce(0) { $0 + Double($1.count) * Double($1.count) }
    guard strengthComparisons <= Self.maximumStrengthComparisons else {
      averageQueryStrength = nil
      return
    }

    // For each query, count the documents it shares with every overlapping query.
    var strength = 0.0
    var shared = [Int](repeating: 0, count: m)
    for query in 0..<m {
      var touched: [Int] = []
      for document in qrels.relevant(to: query).map(Int.init) {
        for other in queriesOf[document] where other != query {
          if shared[other] == 0 { touched.append(other) }
          shared[other] += 1
        }
      }
      for other in touched {
        let union = sizes[query] + sizes[other] - shared[other]
        strength += Double(shared[other]) / Double(union)
        shared[other] = 0
      }
    }
    averageQueryStrength = m > 0 ? strength / Double(m) : 0
  }
}
