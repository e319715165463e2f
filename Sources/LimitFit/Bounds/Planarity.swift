/// An undirected simple graph on the vertices 0..<vertexCount.
///
/// A relevance graph bounds the dimension from below: the pairs of unit vectors in R³ that can
/// be some query's top 2 are edges of their convex hull, whose graph is planar, so a relevance
/// graph that is not planar needs d ≥ 4 (docs/MATHEMATICS.md).
public struct UndirectedGraph: Sendable {
  public let vertexCount: Int
  /// The edges, each as (u, v) with u < v, in increasing order.
  public let edges: [(Int, Int)]

  /// The graph with these edges; an edge listed twice (either way round) counts once, and
  /// self-loops are ignored. Every endpoint must lie in 0..<vertexCount.
  public init(vertexCount: Int, edges: some Sequence<(Int, Int)>) {
    precondition(vertexCount >= 0, "a graph cannot have \(vertexCount) vertices")
    var normalized: [(Int, Int)] = []
    for (u, v) in edges where u != v {
      precondition(
        (0..<vertexCount).contains(u) && (0..<vertexCount).contains(v),
        "the edge (\(u), \(v)) leaves the vertices 0..<\(vertexCount)")
      normalized.append((min(u, v), max(u, v)))
    }
    normalized.sort { $0 < $1 }
    var unique: [(Int, Int)] = []
    unique.reserveCapacity(normalized.count)
    for edge in normalized where unique.last.map({ $0 != edge }) ?? true {
      unique.append(edge)
    }
    self.vertexCount = vertexCount
    self.edges = unique
  }

  public var edgeCount: Int { edges.count }
}

/// Whether a graph is planar, with a certificate either way.
public enum Planarity: Sendable {
  /// A combinatorial embedding in the plane: for each vertex that has edges, its neighbours in
  /// clockwise order (a rotation system whose faces satisfy Euler's formula). Isolated vertices
  /// are left out.
  case planar(rotation: [Int: [Int]])
  /// A subdivision of K5 or K3,3 inside the graph (Kuratowski's theorem).
  case nonPlanar(KuratowskiSubdivision)

  public var isPlanar: Bool {
    if case .planar = self { return true }
    return false
  }
}

extension UndirectedGraph {
  /// Tests planarity with the left-right planarity test (Brandes 2009), which also yields the
  /// embedding: O(n′ + m) for a planar graph, where n′ counts the vertices that have edges (the
  /// isolated ones cost nothing), after the O(m log m) of `init`.
  ///
  /// A non-planar graph — at once when m > 3n′ − 6 — then costs O(r log m) more such tests, on
  /// ever smaller subgraphs, to find its Kuratowski subdivision: r rounds, about ten on dense
  /// graphs, a few dozen on large sparse ones, at most one more than the subdivision's edges;
  /// then the same on the subgraph its vertices induce (`KuratowskiSubdivision.init(inNonPlanar:)`).
  /// On a busy two-core machine: 0.04 s for K500 (124,750 edges), 0.5 s for a random maximal
  /// planar graph of 105,000 edges plus one, 1.9 s for a 300 × 300 triangulated grid (269,000
  /// edges) plus one edge across it.
  public func planarity() -> Planarity {
    let graph = CompactGraph(edges: edges)
    if !graph.exceedsEulerBound {
      var test = LeftRightPlanarityTest(graph)
      if let rotation = test.embedding() {
        var labelled: [Int: [Int]] = [:]
        labelled.reserveCapacity(graph.vertexCount)
        for (vertex, neighbours) in rotation.enumerated() {
          labelled[graph.labels[vertex]] = neighbours.map { graph.labels[$0] }
        }
        return .planar(rotation: labelled)
      }
    }
    return .nonPlanar(KuratowskiSubdivision(inNonPlanar: graph))
  }
}

/// A simple graph relabelled onto 0..<vertexCount: its vertices are the endpoints of the edges
/// it was built from, in order of first appearance.
struct CompactGraph {
  /// The original label of each vertex.
  let labels: [Int]
  /// The edges, in the new labels.
  let endpoints: [(Int, Int)]

  init(labels: [Int], endpoints: [(Int, Int)]) {
    self.labels = labels
    self.endpoints = endpoints
  }

  /// The graph of these edges, which must hold no loop and no edge twice.
  init(edges: some Sequence<(Int, Int)>) {
    var index: [Int: Int] = [:]
    var labels: [Int] = []
    func relabel(_ label: Int) -> Int {
      if let vertex = index[label] { return vertex }
      index[label] = labels.count
      labels.append(label)
      return labels.count - 1
    }
    endpoints = edges.map { (relabel($0.0), relabel($0.1)) }
    self.labels = labels
  }

  var vertexCount: Int { labels.count }

  /// Whether m > 3n − 6 (n ≥ 3), which Euler's formula rules out for planar graphs.
  var exceedsEulerBound: Bool { vertexCount >= 3 && endpoints.count > 3 * vertexCount - 6 }

  /// Whether the graph is planar, without its embedding.
  var isPlanar: Bool {
    if exceedsEulerBound { return false }
    var test = LeftRightPlanarityTest(self)
    return test.run()
  }
}
