/// A subdivision of K5 or K3,3 inside a graph: the certificate that the graph is not planar
/// (Kuratowski's theorem).
public struct KuratowskiSubdivision: Sendable, CustomStringConvertible {
  public enum Kind: Sendable {
    case k5, k33
  }

  public let kind: Kind
  /// K5: its five branch vertices, in increasing order. K3,3: the three of one side, then the
  /// three of the other, each side in increasing order, the side of the smallest first.
  public let branchVertices: [Int]
  /// One path of the graph per edge of K5 or K3,3, from branch vertex to branch vertex; no two
  /// share a vertex but their ends. K5: the pairs (i, j), i < j, of `branchVertices` in
  /// lexicographic order; K3,3: the pairs (a, b), a of the first side and b of the second, likewise.
  public let paths: [[Int]]

  /// One line, e.g. "a K3,3 subdivision: branch vertices {0, 2, 4} and {1, 3, 5}; paths 0–1,
  /// 0–3, …"; a path of more than 3 edges shows its first two vertices and its last.
  public var description: String { description { String($0) } }

  /// `description` with the vertices named by `name`.
  public func description(naming name: (Int) -> String) -> String {
    let names = branchVertices.map(name)
    let sides = kind == .k5
      ? "{\(names.joined(separator: ", "))}"
      : "{\(names[..<3].joined(separator: ", "))} and {\(names[3...].joined(separator: ", "))}"
    let shownPaths = paths.map { path in
      path.count <= 4
        ? path.map(name).joined(separator: "–")
        : "\(name(path[0]))–\(name(path[1]))–…–\(name(path[path.count - 1])) (\(path.count - 1) edges)"
    }
    return "a \(kind == .k5 ? "K5" : "K3,3") subdivision: branch vertices \(sides); paths "
      + shownPaths.joined(separator: ", ")
  }
}

extension KuratowskiSubdivision {
  /// The Kuratowski subdivision of a non-planar graph, found by deleting edges until every edge
  /// left is essential — deleting it would leave a planar graph.
  ///
  /// The graph is kept reduced, which changes no planarity: vertices of degree 1 go with their
  /// edge, each vertex of degree 2 is smoothed away (its two edges joined into one chain, a path
  /// of the graph), of parallel chains one is kept and a closed one is dropped. A reduced graph
  /// whose chains are all essential is K5 or K3,3 itself, its chains the paths. Each round takes
  /// the non-essential chains in some order, finds by binary search the longest run of them
  /// whose deletion leaves the graph non-planar, deletes it and marks the chain after it
  /// essential: O(log m) planarity tests of O(n + m) each, on a graph that shrinks from round to
  /// round. One chain is marked per round, but chains marked apart may be joined later: the
  /// rounds number about ten on dense graphs, a few dozen on large sparse ones, at most one more
  /// than the subdivision's edges.
  ///
  /// A random order (seeded: the result is deterministic) makes the deleted runs spread over the
  /// whole graph, so that it shrinks fast. The paths so found wander, so the search is then
  /// repeated, edges in their given order, on the subgraph induced by the vertices of the
  /// subdivision, as long as that finds one on fewer vertices.
  init(inNonPlanar graph: CompactGraph) {
    var subdivision = Self(searching: graph, shuffledWithSeed: 0)
    while true {
      let vertices = Set(subdivision.paths.joined())
      let induced = graph.endpoints.lazy
        .map { (graph.labels[$0.0], graph.labels[$0.1]) }
        .filter { vertices.contains($0.0) && vertices.contains($0.1) }
      let inducedGraph = CompactGraph(edges: induced)
      let subdivisionEdgeCount = subdivision.paths.reduce(0) { $0 + $1.count - 1 }
      guard inducedGraph.endpoints.count > subdivisionEdgeCount else { break }  // no chord
      let smaller = Self(searching: inducedGraph, shuffledWithSeed: nil)
      guard Set(smaller.paths.joined()).count < vertices.count else { break }
      subdivision = smaller
    }
    self = subdivision
  }

  /// The search of `init(inNonPlanar:)`, the chains of each round in a random order drawn from
  /// `seed`, or as they come when it is nil.
  private init(searching graph: CompactGraph, shuffledWithSeed seed: UInt64?) {
    var random = seed.map(SplitMix64.init(seed:))
    var chains = Chains(vertexCount: graph.vertexCount)
    var kuratowskiGraph = chains.reduce(graph.endpoints.map { chains.addEdge($0.0, $0.1) })
    var relabelling = Relabelling(vertexCount: graph.vertexCount)
    while true {
      var candidates = kuratowskiGraph.filter { !chains.isEssential[$0] }
      guard !candidates.isEmpty else { break }
      if random != nil { candidates.shuffle(using: &random!) }
      var place = [Int](repeating: .max, count: chains.ends.count)  // in the order of deletion
      for (index, chain) in candidates.enumerated() { place[chain] = index }
      /// The graph less its first `count` candidates.
      func deletingCandidates(_ count: Int) -> [Int] { kuratowskiGraph.filter { place[$0] >= count } }
      var deletable = 0  // deleting that many keeps the graph non-planar
      var atMost = candidates.count
      while deletable < atMost {
        let count = (deletable + atMost + 1) / 2
        if relabelling.subgraph(deletingCandidates(count).map { chains.ends[$0] }).isPlanar {
          atMost = count - 1
        } else {
          deletable = count
        }
      }
      if deletable < candidates.count {
        chains.isEssential[candidates[deletable]] = true
      }
      kuratowskiGraph = chains.reduce(deletingCandidates(deletable))
    }
    self.init(kuratowskiGraph: kuratowskiGraph, of: chains, labels: graph.labels)
  }

  /// The subdivision whose branch vertices and paths are the vertices and chains of a K5 or
  /// K3,3, relabelled by `labels`.
  private init(kuratowskiGraph graph: [Int], of chains: Chains, labels: [Int]) {
    var neighbours: [Int: [Int]] = [:]
    var chainBetween: [VertexPair: Int] = [:]
    for chain in graph {
      let (u, v) = (labels[chains.ends[chain].0], labels[chains.ends[chain].1])
      neighbours[u, default: []].append(v)
      neighbours[v, default: []].append(u)
      chainBetween[VertexPair(u, v)] = chain
    }
    let vertices = neighbours.keys.sorted()
    let pairs: [(Int, Int)]
    if vertices.count == 5 && graph.count == 10 {
      kind = .k5
      branchVertices = vertices
      pairs = vertices.indices.flatMap { i in vertices[(i + 1)...].map { (vertices[i], $0) } }
    } else if vertices.count == 6 && graph.count == 9 {
      kind = .k33
      let otherSide = neighbours[vertices[0]]!.sorted()
      let firstSide = vertices.filter { !otherSide.contains($0) }
      branchVertices = firstSide + otherSide
      pairs = firstSide.flatMap { a in otherSide.map { (a, $0) } }
    } else {
      preconditionFailure(
        "edge deletion left \(graph.count) chains on \(vertices.count) vertices, not K5 or K3,3")
    }
    paths = pairs.map { a, b in
      guard let chain = chainBetween[VertexPair(a, b)] else {
        preconditionFailure("edge deletion left no chain between \(a) and \(b) of a K3,3")
      }
      let start = chains.ends[chain].0
      let path = chains.path(of: chain, from: labels[start] == a ? start : chains.ends[chain].1)
      return path.map { labels[$0] }
    }
  }
}

/// An unordered pair of vertices.
private struct VertexPair: Hashable {
  let low: Int
  let high: Int
  init(_ u: Int, _ v: Int) { (low, high) = (min(u, v), max(u, v)) }
}

/// Relabels subgraphs of a graph on 0..<vertexCount onto their own vertices, through an index
/// it reuses (and leaves all `unlabelled`), so that each costs O(m) and no hashing.
private struct Relabelling {
  private static let unlabelled = -1
  private var index: [Int]

  init(vertexCount: Int) { index = [Int](repeating: Self.unlabelled, count: vertexCount) }

  mutating func subgraph(_ edges: [(Int, Int)]) -> CompactGraph {
    var labels: [Int] = []
    func relabel(_ vertex: Int) -> Int {
      if index[vertex] == Self.unlabelled {
        index[vertex] = labels.count
        labels.append(vertex)
      }
      return index[vertex]
    }
    let endpoints = edges.map { (relabel($0.0), relabel($0.1)) }
    for vertex in labels { index[vertex] = Self.unlabelled }
    return CompactGraph(labels: labels, endpoints: endpoints)
  }
}

/// The chains that edge deletion works with, on the vertices 0..<vertexCount: each is an edge of
/// the graph, or two chains joined at a vertex, a path whose inner vertices have no other edge.
private struct Chains {
  private enum Makeup {
    case edge
    /// `first` runs from the chain's first end to `vertex`, `second` from there to its last.
    case joined(first: Int, vertex: Int, second: Int)
  }

  private let vertexCount: Int
  private var makeup: [Makeup] = []
  private(set) var ends: [(Int, Int)] = []
  /// Whether deleting the chain leaves the graph planar (when it was marked, and so ever after).
  var isEssential: [Bool] = []

  init(vertexCount: Int) { self.vertexCount = vertexCount }

  mutating func addEdge(_ u: Int, _ v: Int) -> Int {
    makeup.append(.edge)
    ends.append((u, v))
    isEssential.append(false)
    return ends.count - 1
  }

  private func otherEnd(of chain: Int, from vertex: Int) -> Int {
    ends[chain].0 == vertex ? ends[chain].1 : ends[chain].0
  }

  /// The chain of `first` and `second`, which share the end `vertex`; it is essential if either is.
  private mutating func join(_ first: Int, _ second: Int, at vertex: Int) -> Int {
    makeup.append(.joined(first: first, vertex: vertex, second: second))
    ends.append((otherEnd(of: first, from: vertex), otherEnd(of: second, from: vertex)))
    isEssential.append(isEssential[first] || isEssential[second])
    return ends.count - 1
  }

  /// The chain's vertices, from its end `start` to the other.
  func path(of chain: Int, from start: Int) -> [Int] {
    var path = [start]
    var pending = [(chain: chain, from: start)]  // to walk, last first
    while let (chain, from) = pending.popLast() {
      switch makeup[chain] {
      case .edge:
        path.append(otherEnd(of: chain, from: from))
      case let .joined(first, vertex, second):
        if from == ends[chain].0 {
          pending.append((second, vertex))
          pending.append((first, from))
        } else {
          pending.append((first, vertex))
          pending.append((second, from))
        }
      }
    }
    return path
  }

  /// The graph of these chains reduced (see `KuratowskiSubdivision.init(inNonPlanar:)`): no
  /// vertex of degree 1 or 2, no closed chain, no parallel chains. O(n + m) expected time.
  mutating func reduce(_ graph: [Int]) -> [Int] {
    var isPresent = [Bool](repeating: false, count: ends.count)
    var order: [Int] = []
    var incident = [[Int]](repeating: [], count: vertexCount)  // with chains since deleted
    var degree = [Int](repeating: 0, count: vertexCount)
    var chainBetween: [Int: Int] = [:]  // keyed by low · vertexCount + high
    chainBetween.reserveCapacity(graph.count)
    var lowDegree: [Int] = []  // vertices to look at again
    func loseChain(at end: Int) {
      degree[end] -= 1
      if degree[end] <= 2 { lowDegree.append(end) }
    }
    func delete(_ chain: Int) {
      isPresent[chain] = false
      loseChain(at: ends[chain].0)
      loseChain(at: ends[chain].1)
    }
    func insert(_ chain: Int) {
      let (u, v) = ends[chain]
      guard u != v else { return }  // closed
      let key = min(u, v) * vertexCount + max(u, v)
      if let parallel = chainBetween[key], isPresent[parallel] {
        guard isEssential[chain] && !isEssential[parallel] else { return }
        delete(parallel)
      }
      chainBetween[key] = chain
      isPresent[chain] = true
      order.append(chain)
      incident[u].append(chain)
      incident[v].append(chain)
      degree[u] += 1
      degree[v] += 1
    }
    graph.forEach(insert)
    lowDegree = degree.indices.filter { (1...2).contains(degree[$0]) }
    while let vertex = lowDegree.popLast() {
      switch degree[vertex] {
      case 1:
        delete(incident[vertex].first { isPresent[$0] }!)
      case 2:
        let pair = incident[vertex].filter { isPresent[$0] }
        delete(pair[0])
        delete(pair[1])
        let joined = join(pair[0], pair[1], at: vertex)
        isPresent.append(false)
        insert(joined)
      default:
        continue
      }
    }
    return order.filter { isPresent[$0] }
  }
}
