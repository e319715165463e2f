import Testing
@testable import LimitFit

@Suite struct PlanarityTests {
  // MARK: Small graphs

  @Test func graphsWithoutEdgesAreEmbeddedEmpty() {
    for vertexCount in [0, 1, 5, 50_000, 1 << 31] {
      let graph = UndirectedGraph(vertexCount: vertexCount, edges: [])
      let rotation = expectPlanar(graph)
      #expect(rotation?.isEmpty == true, "\(vertexCount) vertices")
    }
  }

  @Test func aSingleEdgeIsPlanar() {
    let rotation = expectPlanar(UndirectedGraph(vertexCount: 7, edges: [(6, 2)]))
    #expect(rotation == [2: [6], 6: [2]])
    let last = (1 << 31) - 1
    #expect(expectPlanar(UndirectedGraph(vertexCount: 1 << 31, edges: [(last, 0)])) == [0: [last], last: [0]])
  }

  @Test func pathsCyclesAndStarsArePlanar() {
    for n in [2, 3, 4, 10, 101] {
      expectPlanar(path(n))
      expectPlanar(star(leaves: n))
      if n >= 3 { expectPlanar(cycle(n)) }
    }
  }

  @Test func aPathOfAHundredThousandVerticesIsPlanar() {
    // The DFS is as deep as the path is long: recursion would overflow the thread's stack.
    expectPlanar(path(100_000))
  }

  @Test func manyComponentsCostNoMoreThanOne() {
    // Each of 100,000 DFS trees must cost what it holds, not O(n).
    let matching = (0..<100_000).map { (2 * $0, 2 * $0 + 1) }
    expectPlanar(UndirectedGraph(vertexCount: 200_006, edges: matching))
    let k33 = completeBipartite(3, 3).edges.map { (200_000 + $0, 200_000 + $1) }
    let nonPlanar = UndirectedGraph(vertexCount: 200_006, edges: matching + k33)
    #expect(expectNonPlanar(nonPlanar)?.branchVertices == Array(200_000..<200_006))
  }

  @Test func completeGraphsArePlanarUpToK4() {
    for n in 1...4 { expectPlanar(complete(n)) }
    #expect(expectNonPlanar(complete(5))?.kind == .k5)
  }

  @Test func k33IsNotPlanarAndK5OrK33LessAnEdgeIs() {
    #expect(expectNonPlanar(completeBipartite(3, 3))?.kind == .k33)
    for removed in complete(5).edges {
      expectPlanar(UndirectedGraph(vertexCount: 5, edges: complete(5).edges.filter { $0 != removed }))
    }
    let k33 = completeBipartite(3, 3)
    for removed in k33.edges {
      expectPlanar(UndirectedGraph(vertexCount: 6, edges: k33.edges.filter { $0 != removed }))
    }
  }

  @Test func triangulationsArePlanar() {
    let opposite = [(0, 1), (2, 3), (4, 5)]
    let octahedron = UndirectedGraph(
      vertexCount: 6, edges: pairs(of: 6).filter { pair in !opposite.contains { $0 == pair } })
    let icosahedron = UndirectedGraph(vertexCount: 12, edges: icosahedronEdges)
    for graph in [octahedron, icosahedron] {
      #expect(graph.edgeCount == 3 * graph.vertexCount - 6)
      expectPlanar(graph)
    }
    // m = 3n − 2(rows + columns) + 1, near 3n − 6.
    let grid = triangulatedGrid(rows: 30, columns: 40)
    #expect(grid.edgeCount == 3 * 30 * 40 - 2 * (30 + 40) + 1)
    expectPlanar(grid)
  }

  @Test func thePetersenGraphHoldsAK33Subdivision() {
    let outer = (0..<5).map { ($0, ($0 + 1) % 5) }
    let inner = (0..<5).map { (5 + $0, 5 + ($0 + 2) % 5) }
    let spokes = (0..<5).map { ($0, $0 + 5) }
    let petersen = UndirectedGraph(vertexCount: 10, edges: outer + inner + spokes)
    #expect(petersen.edgeCount == 15 && petersen.edgeCount <= 3 * 10 - 6)
    // Its vertices have degree 3, too few for K5's branch vertices.
    #expect(expectNonPlanar(petersen)?.kind == .k33)
  }

  @Test func graphsOverEulersBoundStillGetACertificate() {
    for n in [6, 7] {
      let graph = complete(n)
      #expect(graph.edgeCount > 3 * n - 6)
      expectNonPlanar(graph)
    }
    let k44 = completeBipartite(4, 4)
    #expect(k44.edgeCount <= 3 * 8 - 6)  // the left-right test, not the bound, rejects it
    expectNonPlanar(k44)
  }

  @Test func aSubdividedK5AmongManyIsolatedVertices() throws {
    let branch = [0, 12_345, 25_000, 37_777, 49_999]
    var edges: [(Int, Int)] = []
    var nextInner = 100
    for (a, b) in pairs(of: 5) {
      // Each edge of K5 becomes a path of 3 edges.
      edges += [(branch[a], nextInner), (nextInner, nextInner + 7), (nextInner + 7, branch[b])]
      nextInner += 1000
    }
    var random = SplitMix64(seed: 0)
    let graph = UndirectedGraph(vertexCount: 50_000, edges: edges.shuffled(using: &random))
    let subdivision = try #require(expectNonPlanar(graph))
    #expect(subdivision.kind == .k5)
    #expect(subdivision.branchVertices == branch)
    #expect(subdivision.paths.allSatisfy { $0.count == 4 })
  }

  @Test func aK33WithLongPathsKeepsThemWhole() throws {
    // 9 paths of 10,000 edges each: the search joins them back into 9 chains.
    let length = 10_000
    var edges: [(Int, Int)] = []
    var nextInner = 6
    for a in 0..<3 {
      for b in 3..<6 {
        let inner = Array(nextInner..<(nextInner + length - 1))
        nextInner += length - 1
        let walk = [a] + inner + [b]
        edges += zip(walk, walk.dropFirst()).map { ($0, $1) }
      }
    }
    let graph = UndirectedGraph(vertexCount: nextInner, edges: edges)
    let subdivision = expectNonPlanar(graph)
    #expect(subdivision?.kind == .k33)
    #expect(subdivision?.branchVertices == [0, 1, 2, 3, 4, 5])
    #expect(subdivision?.paths.allSatisfy { $0.count == length + 1 } == true)
    let description = subdivision?.description ?? ""
    #expect(description.contains("0–6–…–3 (10000 edges)"), "\(description)")
  }

  @Test func duplicateEdgesAndSelfLoopsAreIgnored() throws {
    let k5 = complete(5).edges
    let graph = UndirectedGraph(
      vertexCount: 5, edges: k5 + k5.map { ($1, $0) } + (0..<5).map { ($0, $0) } + k5)
    #expect(graph.edgeCount == 10)
    #expect(graph.edges.map { [$0.0, $0.1] } == complete(5).edges.map { [$0.0, $0.1] })
    #expect(expectNonPlanar(graph)?.kind == .k5)
    let triangle = UndirectedGraph(
      vertexCount: 4, edges: [(0, 1), (1, 0), (1, 1), (2, 1), (0, 2), (3, 3), (2, 0)])
    #expect(triangle.edgeCount == 3)
    let rotation = try #require(expectPlanar(triangle))
    #expect(rotation.keys.sorted() == [0, 1, 2])  // vertex 3 has only a loop
  }

  @Test func allPairsOf46DocumentsHoldAK5() {
    let graph = complete(46)
    #expect(graph.edgeCount == 1035)
    // Five documents pairwise relevant: the search narrows the paths down to single edges.
    #expect(expectNonPlanar(graph)?.kind == .k5)
  }

  @Test func aCompleteGraphOf125000EdgesHoldsAK5() {
    let graph = complete(500)
    #expect(graph.edgeCount == 124_750)
    #expect(expectNonPlanar(graph)?.kind == .k5)
  }

  @Test func aGridWithOneFarReachingEdgeHasALongCertificate() throws {
    // A 100 × 100 grid with a diagonal in each square, plus an edge across 60 rows and columns.
    let grid = triangulatedGrid(rows: 100, columns: 100)
    let graph = UndirectedGraph(
      vertexCount: 10_000, edges: grid.edges + [(20 * 100 + 20, 80 * 100 + 80)])
    let subdivision = try #require(expectNonPlanar(graph))
    // Its paths hold a second route between the edge's ends, of 60 steps at least.
    #expect(subdivision.paths.map(\.count).reduce(0, +) > 60)
  }

  // MARK: Random graphs

  @Test func randomSmallGraphsCarryACertificateEitherWay() {
    var outcomes: [(isPlanar: Bool, withinEulersBound: Bool)] = []
    for seed in 0..<200 {
      var random = SplitMix64(seed: UInt64(seed))
      let n = Int.random(in: 6...12, using: &random)
      let edgeCount = Int.random(in: 0...(n * (n - 1) / 2), using: &random)
      let graph = UndirectedGraph(vertexCount: n, edges: pairs(of: n).shuffled(using: &random).prefix(edgeCount))
      let planarity = graph.planarity()
      expectCertificate(planarity, of: graph, "seed \(seed)")
      let nonIsolated = Set(graph.edges.flatMap { [$0.0, $0.1] }).count
      outcomes.append((planarity.isPlanar, graph.edgeCount <= 3 * nonIsolated - 6))
    }
    // Both answers come up, and some non-planar graphs pass Euler's bound (the left-right test
    // rejects them).
    #expect(outcomes.contains { $0.isPlanar })
    #expect(outcomes.contains { !$0.isPlanar && !$0.withinEulersBound })
    #expect(outcomes.contains { !$0.isPlanar && $0.withinEulersBound })
  }

  @Test func randomPlanarGraphsArePlanarAndOneEdgeMoreIsNot() {
    for seed in 0..<200 {
      var random = SplitMix64(seed: UInt64(1000 + seed))
      let n = Int.random(in: 6...12, using: &random)
      let maximal = randomMaximalPlanarGraph(vertices: n, using: &random)
      let thinned = maximal.edges.filter { _ in Int.random(in: 0..<4, using: &random) > 0 }
      expectPlanar(maximal, "seed \(seed)")
      expectPlanar(UndirectedGraph(vertexCount: n, edges: thinned), "seed \(seed), thinned")
      expectNonPlanar(withExtraEdge(maximal, using: &random), "seed \(seed), one edge more")
    }
  }

  @Test func aRandomMaximalPlanarGraphOf2000VerticesAndOneEdgeMore() {
    var random = SplitMix64(seed: 7)
    let maximal = randomMaximalPlanarGraph(vertices: 2000, using: &random)
    #expect(maximal.edgeCount == 3 * 2000 - 6)
    expectPlanar(maximal)
    expectNonPlanar(withExtraEdge(maximal, using: &random))
  }

  // MARK: The certificate checks themselves

  @Test func theChecksRejectWrongCertificates() throws {
    let k4 = complete(4)
    var rotation = try #require(expectPlanar(k4))
    rotation[0]!.swapAt(0, 1)  // reverses the cyclic order around 0: a torus's faces, not a plane's
    #expect(!embeddingProblems(rotation, of: k4).isEmpty)
    rotation[0] = [1, 2]
    #expect(!embeddingProblems(rotation, of: k4).isEmpty)

    let graph = completeBipartite(3, 3)
    let subdivision = try #require(expectNonPlanar(graph))
    let branch = subdivision.branchVertices
    var throughABranchVertex = subdivision.paths
    throughABranchVertex[0].insert(branch[4], at: 1)
    var lessAPath = subdivision.paths
    lessAPath.removeLast()
    let wrongCertificates: [(KuratowskiSubdivision.Kind, [[Int]])] = [
      (.k33, throughABranchVertex), (.k33, lessAPath), (.k5, subdivision.paths),
    ]
    for (kind, paths) in wrongCertificates {
      let wrong = KuratowskiSubdivision(kind: kind, branchVertices: branch, paths: paths)
      #expect(!subdivisionProblems(wrong, of: graph).isEmpty, "\(wrong)")
    }
  }
}

// MARK: Certificate checks

/// A directed edge u → v, one of the two sides of an edge.
private struct Dart: Hashable {
  let from: Int
  let to: Int
}

/// What keeps `rotation` from being a planar embedding of `graph`: it must list exactly the
/// graph's edges, around the vertices that have some, and each connected component must satisfy
/// Euler's formula V − E + F = 2, its faces traced by the rule u → v, then v → w for the w that
/// follows u around v. (An isolated vertex, left out, is a component with V = 1, E = 0, F = 1.)
private func embeddingProblems(_ rotation: [Int: [Int]], of graph: UndirectedGraph) -> [String] {
  var positionAroundSource: [Dart: Int] = [:]
  for (u, neighbours) in rotation {
    for (position, v) in neighbours.enumerated()
    where positionAroundSource.updateValue(position, forKey: Dart(from: u, to: v)) != nil {
      return ["\(v) appears twice around \(u)"]
    }
  }
  let edgeDarts = graph.edges.flatMap { [Dart(from: $0.0, to: $0.1), Dart(from: $0.1, to: $0.0)] }
  guard Set(positionAroundSource.keys) == Set(edgeDarts), rotation.values.allSatisfy({ !$0.isEmpty }) else {
    return ["the rotation's edges are not the graph's"]
  }
  // The connected components, by union-find.
  var parent: [Int: Int] = [:]
  func root(_ v: Int) -> Int {
    var v = v
    while parent[v]! != v {
      parent[v] = parent[parent[v]!]!  // path halving
      v = parent[v]!
    }
    return v
  }
  for u in rotation.keys { parent[u] = u }
  for (u, v) in graph.edges { parent[root(u)] = root(v) }
  var vertices: [Int: Int] = [:]
  var edges: [Int: Int] = [:]
  var faces: [Int: Int] = [:]
  for u in rotation.keys { vertices[root(u), default: 0] += 1 }
  for (u, _) in graph.edges { edges[root(u), default: 0] += 1 }
  var traced: Set<Dart> = []
  for start in edgeDarts where !traced.contains(start) {
    var dart = start
    repeat {
      traced.insert(dart)
      let around = rotation[dart.to]!
      let next = around[(positionAroundSource[Dart(from: dart.to, to: dart.from)]! + 1) % around.count]
      dart = Dart(from: dart.to, to: next)
    } while dart != start
    faces[root(start.from), default: 0] += 1
  }
  return vertices.keys.compactMap { component in
    let euler = vertices[component]! - edges[component]! + faces[component]!
    return euler == 2 ? nil : "the component of \(component) has V − E + F = \(euler), not 2"
  }
}

/// An unordered pair of vertices.
private struct Pair: Hashable {
  let low: Int
  let high: Int
  init(_ u: Int, _ v: Int) { (low, high) = (min(u, v), max(u, v)) }
}

/// What keeps `subdivision` from being a subdivision of K5 or K3,3 in `graph`: distinct branch
/// vertices, one path per edge of K5 (every pair) or K3,3 (every pair across the sides), each
/// made of the graph's edges, no two sharing a vertex but their ends.
private func subdivisionProblems(_ subdivision: KuratowskiSubdivision, of graph: UndirectedGraph) -> [String] {
  let branch = subdivision.branchVertices
  var problems: [String] = []
  let expectedEnds: [Pair]
  switch subdivision.kind {
  case .k5:
    guard branch.count == 5 else { return ["K5 with \(branch.count) branch vertices"] }
    expectedEnds = pairs(of: 5).map { Pair(branch[$0], branch[$1]) }
  case .k33:
    guard branch.count == 6 else { return ["K3,3 with \(branch.count) branch vertices"] }
    expectedEnds = (0..<3).flatMap { a in (3..<6).map { Pair(branch[a], branch[$0]) } }
  }
  if Set(branch).count != branch.count { problems.append("branch vertices repeat: \(branch)") }
  let ends = subdivision.paths.compactMap { path in path.count >= 2 ? Pair(path.first!, path.last!) : nil }
  if ends.count != expectedEnds.count || Set(ends) != Set(expectedEnds) {
    problems.append("the paths do not join the branch vertices as the \(subdivision.kind) does")
  }
  let graphEdges = Set(graph.edges.map { Pair($0.0, $0.1) })
  var innerVertices = Set(branch)
  for path in subdivision.paths {
    for (u, v) in zip(path, path.dropFirst()) where !graphEdges.contains(Pair(u, v)) {
      problems.append("\(u)–\(v) is not an edge")
    }
    for v in path.dropFirst().dropLast() where !innerVertices.insert(v).inserted {
      problems.append("\(v) lies inside a path and on another path or a branch vertex")
    }
  }
  let description = subdivision.description
  if !description.contains(subdivision.kind == .k5 ? "K5" : "K3,3") || description.contains("\n") {
    problems.append("description: \(description)")
  }
  return problems
}

/// Checks the certificate of `planarity`, whichever it is.
private func expectCertificate(_ planarity: Planarity, of graph: UndirectedGraph, _ context: String = "") {
  switch planarity {
  case .planar(let rotation):
    let problems = embeddingProblems(rotation, of: graph)
    #expect(problems.isEmpty, "\(context): \(problems)")
  case .nonPlanar(let subdivision):
    let problems = subdivisionProblems(subdivision, of: graph)
    #expect(problems.isEmpty, "\(context): \(problems), \(subdivision)")
  }
}

/// The rotation of a graph that must be planar, its certificate checked.
@discardableResult
private func expectPlanar(
  _ graph: UndirectedGraph, _ context: String = ""
) -> [Int: [Int]]? {
  let planarity = graph.planarity()
  expectCertificate(planarity, of: graph, context)
  guard case .planar(let rotation) = planarity else {
    Issue.record("\(context): not planar, but it is")
    return nil
  }
  return rotation
}

/// The Kuratowski subdivision of a graph that must not be planar, its certificate checked.
@discardableResult
private func expectNonPlanar(
  _ graph: UndirectedGraph, _ context: String = ""
) -> KuratowskiSubdivision? {
  let planarity = graph.planarity()
  expectCertificate(planarity, of: graph, context)
  guard case .nonPlanar(let subdivision) = planarity else {
    Issue.record("\(context): planar, but it is not")
    return nil
  }
  return subdivision
}

// MARK: Graphs

/// The pairs (i, j), 0 ≤ i < j < n.
private func pairs(of n: Int) -> [(Int, Int)] {
  (0..<n).flatMap { i in ((i + 1)..<n).map { (i, $0) } }
}

private func complete(_ n: Int) -> UndirectedGraph { UndirectedGraph(vertexCount: n, edges: pairs(of: n)) }

private func completeBipartite(_ a: Int, _ b: Int) -> UndirectedGraph {
  UndirectedGraph(vertexCount: a + b, edges: (0..<a).flatMap { u in (a..<(a + b)).map { (u, $0) } })
}

private func path(_ n: Int) -> UndirectedGraph {
  UndirectedGraph(vertexCount: n, edges: (1..<n).map { ($0 - 1, $0) })
}

private func cycle(_ n: Int) -> UndirectedGraph {
  UndirectedGraph(vertexCount: n, edges: (0..<n).map { ($0, ($0 + 1) % n) })
}

private func star(leaves: Int) -> UndirectedGraph {
  UndirectedGraph(vertexCount: leaves + 1, edges: (1...leaves).map { (0, $0) })
}

/// A grid with a diagonal in each square.
private func triangulatedGrid(rows: Int, columns: Int) -> UndirectedGraph {
  var edges: [(Int, Int)] = []
  for r in 0..<rows {
    for c in 0..<columns {
      let v = r * columns + c
      if c + 1 < columns { edges.append((v, v + 1)) }
      if r + 1 < rows { edges.append((v, v + columns)) }
      if c + 1 < columns && r + 1 < rows { edges.append((v, v + columns + 1)) }
    }
  }
  return UndirectedGraph(vertexCount: rows * columns, edges: edges)
}

/// The icosahedron: a top vertex, a ring of 5, a second ring of 5 turned half a step, a bottom.
private let icosahedronEdges: [(Int, Int)] = (0..<5).flatMap { i in
  let (upper, nextUpper) = (1 + i, 1 + (i + 1) % 5)
  let (lower, nextLower) = (6 + i, 6 + (i + 1) % 5)
  return [(0, upper), (upper, nextUpper), (upper, lower), (nextUpper, lower), (lower, nextLower), (lower, 11)]
}

/// A maximal planar graph (m = 3n − 6): a triangle, then each vertex placed in a random face
/// and joined to its three corners.
private func randomMaximalPlanarGraph(vertices n: Int, using random: inout SplitMix64) -> UndirectedGraph {
  var faces = [(0, 1, 2), (0, 2, 1)]
  var edges = [(0, 1), (1, 2), (0, 2)]
  for v in 3..<n {
    let chosen = Int.random(in: faces.indices, using: &random)
    let (a, b, c) = faces[chosen]
    faces[chosen] = (a, b, v)
    faces += [(b, c, v), (c, a, v)]
    edges += [(a, v), (b, v), (c, v)]
  }
  return UndirectedGraph(vertexCount: n, edges: edges)
}

/// The graph with one more edge, between two random vertices that were not adjacent.
private func withExtraEdge(_ graph: UndirectedGraph, using random: inout SplitMix64) -> UndirectedGraph {
  let present = Set(graph.edges.map { Pair($0.0, $0.1) })
  while true {
    let u = Int.random(in: 0..<graph.vertexCount, using: &random)
    let v = Int.random(in: 0..<graph.vertexCount, using: &random)
    if u != v && !present.contains(Pair(u, v)) {
      return UndirectedGraph(vertexCount: graph.vertexCount, edges: graph.edges + [(u, v)])
    }
  }
}
