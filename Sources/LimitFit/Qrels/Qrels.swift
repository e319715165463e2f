/// A binary relevance matrix A ∈ {0,1}^{m×n}, stored sparsely: for every query, the sorted ids
/// of its relevant documents (compressed sparse rows).
///
/// Every query has at least one relevant document and at least one irrelevant one is not
/// required; document ids lie in `0..<documentCount`.
public struct Qrels: Equatable, Sendable {
  /// The number of documents n: relevant or not, every one takes part as a candidate.
  public let documentCount: Int
  /// Row starts: query i's documents are `relevantDocuments[offsets[i]..<offsets[i + 1]]`.
  public let offsets: [Int]
  /// The relevant document ids of every query, query after query, each query's ids ascending.
  public let relevantDocuments: [Int32]

  /// The number of queries m.
  public var queryCount: Int { offsets.count - 1 }

  /// The number of relevant (query, document) pairs P = Σ|R_i|.
  public var relevantPairCount: Int { relevantDocuments.count }

  /// The relevant documents of query `query`.
  public func relevant(to query: Int) -> ArraySlice<Int32> {
    relevantDocuments[offsets[query]..<offsets[query + 1]]
  }

  /// The size of the largest relevant set.
  public var maximumRelevantCount: Int {
    (0..<queryCount).map { offsets[$0 + 1] - offsets[$0] }.max() ?? 0
  }

  /// Creates a relevance matrix from each query's relevant documents.
  ///
  /// - Parameters:
  ///   - relevant: for each query, its relevant document ids, in any order.
  ///   - documentCount: the number of documents n.
  /// - Throws: `LimitFitError` when a query has no relevant document, an id is out of range,
  ///   or an id repeats within a query.
  public init(relevant: [[Int]], documentCount: Int) throws {
    guard (1...QrelsPattern.maximumDocuments).contains(documentCount) else {
      throw LimitFitError(
        "the number of documents (\(documentCount)) must be between 1 and \(QrelsPattern.maximumDocuments)")
    }
    guard !relevant.isEmpty else { throw LimitFitError("the relevance matrix has no queries") }
    var offsets = [0]
    var documents: [Int32] = []
    for (query, ids) in relevant.enumerated() {
      guard !ids.isEmpty else { throw LimitFitError("query \(query) has no relevant document") }
      let sorted = ids.sorted()
      for (position, id) in sorted.enumerated() {
        guard (0..<documentCount).contains(id) else {
          throw LimitFitError(
            "query \(query): document \(id) is outside 0..<\(documentCount)")
        }
        if position > 0 && sorted[position - 1] == id {
          throw LimitFitError("query \(query): document \(id) is listed twice")
        }
        documents.append(Int32(id))
      }
      offsets.append(documents.count)
    }
    self.documentCount = documentCount
    self.offsets = offsets
    self.relevantDocuments = documents
  }

  /// A matrix from rows known to be valid: ascending, distinct ids in range, none empty.
  init(documentCount: Int, offsets: [Int], relevantDocuments: [Int32]) {
    self.documentCount = documentCount
    self.offsets = offsets
    self.relevantDocuments = relevantDocuments
  }

  /// The combinatorial problem: one query for each of the C(n, k) k-subsets of n documents,
  /// in lexicographic order, relevant to exactly the documents of its subset.
  ///
  /// - Precondition: the size was checked with `ProblemSize.allSubsets(documents:k:dimension:)`.
  /// - Complexity: O(k · C(n, k)) time and memory.
  public static func allSubsets(documents n: Int, k: Int) -> Qrels {
    guard let m = binomial(n, k), m > 0 else {
      preconditionFailure("C(\(n), \(k)) must be positive and fit in an Int")
    }
    var documents = [Int32]()
    documents.reserveCapacity(m * k)
    var subset = Array(0..<k)
    repeat {
      for id in subset { documents.append(Int32(id)) }
    } while KSubsets.advance(&subset, n: n)
    let offsets = Array(stride(from: 0, through: m * k, by: k))
    return Qrels(documentCount: n, offsets: offsets, relevantDocuments: documents)
  }
}
