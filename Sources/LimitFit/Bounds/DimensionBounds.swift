/// What geometry proves about the smallest dimension d in which unit vectors represent a
/// relevance matrix exactly (every query's relevant documents strictly above the rest): a lower
/// bound with its reason, and an upper bound with a construction (docs/MATHEMATICS.md §4).
public struct DimensionBounds: Sendable {
  /// d ≥ `lower`.
  public let lower: Int
  /// Why d = `lower` − 1 is impossible; `nil` when `lower` is 1.
  public let lowerReason: String?
  /// The construction in the smallest dimension that solves the matrix in double precision and
  /// as stored: d ≤ its dimension.
  public let upper: CheckedConstruction?
  /// Smaller constructions that did not solve it as stored, smallest first.
  public let rejected: [CheckedConstruction]

  /// A construction with its embeddings as stored, and what checking them found.
  public struct CheckedConstruction: Sendable {
    public let construction: Construction
    /// The vectors rounded to the precision asked, as a certificate stores them.
    public let embeddings: Embeddings
    /// The check in double precision, before rounding.
    public let exact: Verification
    /// The check of the stored vectors, every score in double precision.
    public let stored: Verification
    public var solved: Bool { exact.solved && stored.solved }
  }

  /// The bounds of `qrels`; `name` gives a document's id for the reasons.
  ///
  /// - Parameters:
  ///   - maximumDimension: no construction above it is built.
  ///   - precision: the constructions are stored, and checked again, in this precision.
  /// - Throws: `LimitFitError` when a construction would not fit in the memory free now.
  public init(
    of qrels: Qrels, maximumDimension: Int = .max, precision: Precision = .float32,
    naming name: (Int) -> String = { "\($0)" }
  ) throws {
    // The lower bound's copy of the matrix (rows, offsets with their growth, ids) and the
    // graph of its pairs (adjacency both ways, with set overhead), at most.
    let m = Double(qrels.queryCount)
    try SystemMemory.require(
      96 * m + 16 * Double(qrels.relevantPairCount) + 64 * Double(qrels.documentCount),
      for: "the bounds of \(qrels.queryCount) queries and \(qrels.documentCount) documents")
    (lower, lowerReason) = Self.lowerBound(of: qrels, naming: name)
    var rejected: [CheckedConstruction] = []
    var upper: CheckedConstruction?
    for candidate in Construction.candidates(for: qrels, maximumDimension: maximumDimension) {
      let construction = try candidate.get()
      let embeddings = construction.embeddings(roundedTo: precision)
      let checked = CheckedConstruction(
        construction: construction, embeddings: embeddings, exact: construction.verify(),
        stored: Verification(
          checking: embeddings, against: qrels, queryRows: Array(0..<qrels.queryCount),
          documentRows: Array(0..<qrels.documentCount)))
      if checked.solved {
        upper = checked
        break
      }
      rejected.append(checked)
    }
    self.upper = upper
    self.rejected = rejected
  }

  /// Whether the bounds meet: the smallest dimension is `lower`.
  public var isExact: Bool { upper?.construction.dimension == lower }

  /// The largest d proven impossible plus one, and why. Which documents coincide is free, but
  /// a document relevant to a query can share its vector only with documents relevant to every
  /// query it is relevant to; in d ≥ 2 that never helps the arguments below.
  static func lowerBound(of qrels: Qrels, naming name: (Int) -> String) -> (Int, String?) {
    // A query relevant to every document has nothing to rank below them: it holds in any d.
    let rows = (0..<qrels.queryCount).filter { qrels.relevant(to: $0).count < qrels.documentCount }
    guard !rows.isEmpty else { return (1, nil) }
    var offsets = [0]
    var documents: [Int32] = []
    for row in rows {
      documents += qrels.relevant(to: row)
      offsets.append(documents.count)
    }
    let qrels = Qrels(documentCount: qrels.documentCount, offsets: offsets, relevantDocuments: documents)
    if let reason = lineImpossibility(qrels, naming: name) {
      // Every relevant pair must be a hull edge whatever the larger sets are: the graph of
      // the pairs alone bounds d.
      let graph = RelevanceGraph(qrels)
      if let reason = graph.spaceImpossibility(naming: name) { return (4, reason) }
      if let reason = graph.planeImpossibility(naming: name) { return (3, reason) }
      return (2, reason)
    }
    return (1, nil)
  }

  /// Why d = 1 is impossible, if it is: the documents are ±1 there, so a query's top set is
  /// every document at +1 or every one at −1.
  private static func lineImpossibility(_ qrels: Qrels, naming name: (Int) -> String) -> String? {
    var sets: [ArraySlice<Int32>] = []
    for query in 0..<qrels.queryCount where !sets.contains(qrels.relevant(to: query)) {
      sets.append(qrels.relevant(to: query))
      if sets.count > 2 {
        return "d = 1 is impossible: documents are +1 or −1 there, so at most 2 different sets can be top sets, and the matrix has more"
      }
    }
    guard sets.count == 2 else { return nil }
    let first = Set(sets[0])
    if let shared = sets[1].first(where: first.contains) {
      return "d = 1 is impossible: its two top sets are the documents at +1 and those at −1, but \(name(Int(shared))) is in both relevant sets"
    }
    if sets[0].count + sets[1].count < qrels.documentCount {
      let left = qrels.documentCount - sets[0].count - sets[1].count
      return "d = 1 is impossible: its two top sets are the documents at +1 and those at −1, but \(left == 1 ? "1 document is" : "\(left) documents are") in neither relevant set"
    }
    return nil
  }
}

/// The graph of a matrix whose relevant sets have at most two documents: an edge for every
/// relevant pair. With unit vectors a pair is a query's strict top 2 exactly when it is an edge
/// of the documents' convex hull.
struct RelevanceGraph {
  /// The documents in some relevant pair, and their neighbours.
  let neighbours: [Int: [Int]]
  let edges: [(Int, Int)]
  /// All the documents, in pairs or not.
  let documentCount: Int

  init(_ qrels: Qrels) {
    var seen = Set<[Int32]>()
    var edges: [(Int, Int)] = []
    var neighbours: [Int: [Int]] = [:]
    for query in 0..<qrels.queryCount {
      let set = qrels.relevant(to: query)
      guard set.count == 2, seen.insert(Array(set)).inserted else { continue }
      let (a, b) = (Int(set.first!), Int(set.last!))
      edges.append((a, b))
      neighbours[a, default: []].append(b)
      neighbours[b, default: []].append(a)
    }
    self.neighbours = neighbours
    self.edges = edges
    documentCount = qrels.documentCount
  }

  /// Why d = 2 is impossible, if it is: on a circle only neighbours are hull edges, so the
  /// graph must lie in one cycle through every document.
  func planeImpossibility(naming name: (Int) -> String) -> String? {
    if let document = neighbours.keys.sorted().first(where: { neighbours[$0]!.count > 2 }), let partners = neighbours[document] {
      let listed = partners.prefix(3).map(name).joined(separator: ", ")
      return "d = 2 is impossible: \(name(document)) is in \(partners.count) relevant pairs (with \(listed)\(partners.count > 3 ? ", …" : "")), but on a circle only its two neighbours can be its top-2 partners"
    }
    // Every degree is at most 2: the components are paths and cycles.
    guard let cycle = firstCycle() else { return nil }
    guard cycle.count < documentCount else { return nil }
    let shown = cycle.count <= 6 ? cycle.map(name).joined(separator: "–") + "–" + name(cycle[0]) : "\(cycle.count) documents"
    return "d = 2 is impossible: the relevant pairs close a cycle (\(shown)) that leaves out \(documentCount - cycle.count == 1 ? "a document" : "\(documentCount - cycle.count) documents"), but on a circle the only such cycle is the whole circle"
  }

  /// A cycle of a graph of degree at most 2, as its documents in order.
  private func firstCycle() -> [Int]? {
    var visited = Set<Int>()
    for start in neighbours.keys.sorted() where !visited.contains(start) {
      var path = [start]
      var (previous, current) = (-1, start)
      visited.insert(start)
      while let next = neighbours[current]?.first(where: { $0 != previous }) {
        if next == start { return path }
        guard visited.insert(next).inserted else { break }
        path.append(next)
        (previous, current) = (current, next)
      }
    }
    return nil
  }

  /// Why d = 3 is impossible, if the graph shows it: the hull's graph in d = 3 is planar, so
  /// it has at most 3n − 6 edges and no subdivision of K5 or K3,3.
  func spaceImpossibility(naming name: (Int) -> String) -> String? {
    let reason = "d = 3 is impossible: its convex hulls have planar graphs, and the relevance graph"
    let n = neighbours.count
    if n >= 3 && edges.count > 3 * n - 6 {
      return "\(reason) has \(edges.count) edges on \(n) documents, more than 3n − 6 = \(3 * n - 6), the most a planar graph has"
    }
    // Documents in no pair cost the test nothing.
    let graph = UndirectedGraph(vertexCount: documentCount, edges: edges)
    guard case .nonPlanar(let subdivision) = graph.planarity() else { return nil }
    return "\(reason) is not planar: " + subdivision.description(naming: name)
  }
}
