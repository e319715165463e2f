/// A relevance matrix with the ids of its queries and documents, as read from a qrels file or
/// made from a pattern.
public struct LabeledQrels: Sendable {
  /// The matrix: query i is `queryIDs[i]`, document j is `documentIDs[j]`.
  public var qrels: Qrels
  public var queryIDs: [String]
  public var documentIDs: [String]
  /// Where it came from: a path, or a pattern's description.
  public var source: String
  /// (query, document) pairs listed more than once; the last listing counts, as in BEIR's and
  /// pytrec_eval's loaders.
  public var duplicatePairs = 0
  /// Duplicate pairs whose listings disagree on relevance (at --min-score).
  public var conflictingPairs = 0
  /// The line numbers of the first conflicting pair's first and last listings.
  public var firstConflict: (first: Int, last: Int)?
  /// Lines about files read despite a flaw, for standard error.
  public var notes: [String] = []
  /// Queries dropped because no document was relevant to them (at --min-score).
  public var droppedQueries = 0
  /// The corpus.jsonl whose order the documents take, when every document is in it.
  public var corpusFile: String?
  /// The data set's queries.jsonl, when the qrels came from a data set's folder that has one
  /// (`queriesFileIDs()` reads it).
  public var queriesFile: String?

  /// A content digest of the matrix (FNV-1a, 64 bits, over n and the sorted rows): fits of the
  /// same matrix share it, so stored fits are reused only for the same matrix.
  public var digest: String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    func mix(_ value: Int) {
      for byte in 0..<8 {
        hash ^= UInt64(UInt8(truncatingIfNeeded: value >> (8 * byte)))
        hash = hash &* 0x100_0000_01b3
      }
    }
    mix(qrels.documentCount)
    for offset in qrels.offsets { mix(offset) }
    for id in qrels.relevantDocuments { mix(Int(id)) }
    return String(hash, radix: 16)
  }

  /// The all-k-subsets problem with ids "q0", "q1", … and "d0", "d1", ….
  public static func allSubsets(documents n: Int, k: Int) -> LabeledQrels {
    let qrels = Qrels.allSubsets(documents: n, k: k)
    return LabeledQrels(
      qrels: qrels, queryIDs: (0..<qrels.queryCount).map { "q\($0)" },
      documentIDs: (0..<n).map { "d\($0)" }, source: "all \(k)-subsets of \(n) documents")
  }

  /// The matrix with `count` more documents, relevant to no query, whose ids are
  /// "negative-1" … "negative-<count>": the rest of a corpus whose qrels name only the relevant
  /// documents (LIMIT: 46 relevant documents of 50,000).
  ///
  /// - Throws: `LimitFitError` when `count` is negative, the documents would be too many or
  ///   not fit in memory, or an id is taken.
  public func addingNegatives(_ count: Int) throws -> LabeledQrels {
    let total = qrels.documentCount.addingReportingOverflow(count)
    guard count >= 0, !total.overflow, total.partialValue <= QrelsPattern.maximumDocuments else {
      throw LimitFitError(
        "the number of negatives (\(count)) must be between 0 and \(QrelsPattern.maximumDocuments - qrels.documentCount) (at most \(QrelsPattern.maximumDocuments) documents)")
    }
    guard count > 0 else { return self }
    // Measured: about 160 bytes per negative for its id, the matrix and the checks.
    try SystemMemory.require(256 * Double(count), for: "\(count) negatives")
    let names = (0..<count).map { "negative-\($0 + 1)" }
    let existing = Set(documentIDs.map(ExactID.init))
    if let taken = names.first(where: { existing.contains(ExactID($0)) }) {
      throw LimitFitError("\(source): a document is already called \(taken); the negatives' ids would repeat it")
    }
    var result = self
    result.qrels = Qrels(
      documentCount: total.partialValue, offsets: qrels.offsets, relevantDocuments: qrels.relevantDocuments)
    result.documentIDs += names
    result.source += " + \(count) negatives"
    return result
  }
}

/// An id compared by its UTF-8 bytes, as Python, BEIR and pytrec_eval compare ids: Swift's
/// String equality is canonical equivalence, which would make "é" and "e" + U+0301 one id.
struct ExactID: Hashable {
  let id: String

  init(_ id: String) { self.id = id }

  static func == (a: ExactID, b: ExactID) -> Bool { a.id.utf8.elementsEqual(b.id.utf8) }

  func hash(into hasher: inout Hasher) {
    let hashed: Void? = id.utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    if hashed == nil { for byte in id.utf8 { hasher.combine(byte) } }
  }
}
