/// The left-right planarity test of U. Brandes ("The Left-Right Planarity Test", 2009, after
/// de Fraysseix, Ossona de Mendez and Rosenstiehl) and the embedding it yields: O(n + m) time
/// and memory. Every depth-first search keeps its own stack, so that a long path cannot overflow
/// the thread's.
///
/// A first DFS orients the edges (tree edges away from the root, back edges towards it) and
/// computes each edge's lowpoints, the heights of the lowest vertices its subtree returns to. A
/// second, taking each vertex's outgoing edges by nesting depth, gives every back edge a side,
/// left or right, relative to another (`ref`), and halts when the constraints conflict. The
/// sides, once resolved, order each vertex's edges into a rotation system.
struct LeftRightPlanarityTest {
  private let vertexCount: Int
  private let edgeCount: Int
  /// The neighbours of v and the edges to them:
  /// adjacency[adjacencyStart[v]..<adjacencyStart[v + 1]].
  private let adjacencyStart: [Int]
  private let adjacency: [(neighbour: Int, edge: Int)]

  // The orientation: edge e goes from source[e] to target[e].
  private var source: [Int]
  private var target: [Int]
  /// Each vertex's depth in its DFS tree; `none` before the DFS reaches it.
  private var height: [Int]
  private var parentEdge: [Int]
  private var lowpoint: [Int]
  private var secondLowpoint: [Int]
  private var nestingDepth: [Int]
  private var roots: [Int] = []
  /// The outgoing edges of v, ordered by nesting depth:
  /// outgoing[outgoingStart[v]..<outgoingStart[v + 1]].
  private var outgoingStart: [Int]
  private var outgoing: [Int]

  // The constraints on the sides.
  private var ref: [Int]
  /// +1 or −1: whether e lies on the same side as ref[e] or the other (once resolved: right or
  /// left).
  private var side: [Int]
  private var lowpointEdge: [Int]
  /// How many conflict pairs lay on the stack when the DFS took the edge.
  private var stackBottom: [Int]
  private var conflictPairs: [ConflictPair] = []

  init(_ graph: CompactGraph) {
    vertexCount = graph.vertexCount
    edgeCount = graph.endpoints.count
    var start = [Int](repeating: 0, count: vertexCount + 1)
    for (u, v) in graph.endpoints {
      start[u + 1] += 1
      start[v + 1] += 1
    }
    for v in 0..<vertexCount { start[v + 1] += start[v] }
    var fill = start
    var adjacency = [(neighbour: Int, edge: Int)](repeating: (none, none), count: 2 * edgeCount)
    for (edge, (u, v)) in graph.endpoints.enumerated() {
      adjacency[fill[u]] = (v, edge)
      fill[u] += 1
      adjacency[fill[v]] = (u, edge)
      fill[v] += 1
    }
    adjacencyStart = start
    self.adjacency = adjacency
    source = [Int](repeating: none, count: edgeCount)
    target = source
    height = [Int](repeating: none, count: vertexCount)
    parentEdge = height
    lowpoint = source
    secondLowpoint = source
    nestingDepth = source
    outgoingStart = []
    outgoing = []
    ref = source
    side = [Int](repeating: 1, count: edgeCount)
    lowpointEdge = source
    stackBottom = source
  }

  /// Whether the graph is planar. A test runs once: this or `embedding()`.
  mutating func run() -> Bool {
    orient()
    sortOutgoingEdgesByNestingDepth()
    var next = outgoingStart  // each vertex's next outgoing edge to take
    for root in roots where !testConstraints(from: root, next: &next) { return false }
    return true
  }

  /// A planar embedding — each vertex's neighbours in clockwise order — or nil when the graph is
  /// not planar.
  mutating func embedding() -> [[Int]]? {
    guard run() else { return nil }
    var unresolved: [Int] = []
    for edge in 0..<edgeCount { nestingDepth[edge] *= resolveSide(of: edge, unresolved: &unresolved) }
    sortOutgoingEdgesByNestingDepth()
    return rotationSystem()
  }

  // MARK: Orientation

  private mutating func orient() {
    var next = adjacencyStart  // each vertex's next adjacency to look at
    var stack: [Int] = []
    for root in 0..<vertexCount where height[root] == none {
      height[root] = 0
      roots.append(root)
      stack.append(root)
      while let v = stack.last {
        guard next[v] < adjacencyStart[v + 1] else {
          stack.removeLast()
          if parentEdge[v] != none { finishOrienting(parentEdge[v]) }
          continue
        }
        let (w, edge) = adjacency[next[v]]
        next[v] += 1
        if source[edge] != none { continue }  // oriented already
        source[edge] = v
        target[edge] = w
        lowpoint[edge] = height[v]
        secondLowpoint[edge] = height[v]
        if height[w] == none {  // a tree edge: its lowpoints are final once w is done
          parentEdge[w] = edge
          height[w] = height[v] + 1
          stack.append(w)
        } else {  // a back edge
          lowpoint[edge] = height[w]
          finishOrienting(edge)
        }
      }
    }
    outgoingStart = [Int](repeating: 0, count: vertexCount + 1)
    for edge in 0..<edgeCount { outgoingStart[source[edge] + 1] += 1 }
    for v in 0..<vertexCount { outgoingStart[v + 1] += outgoingStart[v] }
    outgoing = [Int](repeating: none, count: edgeCount)
  }

  /// Sets the nesting depth of an edge whose lowpoints are final, and folds them into those of
  /// its source's parent edge.
  private mutating func finishOrienting(_ edge: Int) {
    let v = source[edge]
    nestingDepth[edge] = 2 * lowpoint[edge] + (secondLowpoint[edge] < height[v] ? 1 : 0)  // +1: chordal
    let parent = parentEdge[v]
    guard parent != none else { return }
    if lowpoint[edge] < lowpoint[parent] {
      secondLowpoint[parent] = min(lowpoint[parent], secondLowpoint[edge])
      lowpoint[parent] = lowpoint[edge]
    } else if lowpoint[edge] > lowpoint[parent] {
      secondLowpoint[parent] = min(secondLowpoint[parent], lowpoint[edge])
    } else {
      secondLowpoint[parent] = min(secondLowpoint[parent], secondLowpoint[edge])
    }
  }

  /// Orders each vertex's outgoing edges by nesting depth, by counting sort (a stable one).
  private mutating func sortOutgoingEdgesByNestingDepth() {
    guard let smallest = nestingDepth.min(), let largest = nestingDepth.max() else { return }
    var bucketStart = [Int](repeating: 0, count: largest - smallest + 2)
    for depth in nestingDepth { bucketStart[depth - smallest + 1] += 1 }
    for bucket in 1..<bucketStart.count { bucketStart[bucket] += bucketStart[bucket - 1] }
    var byDepth = [Int](repeating: none, count: edgeCount)
    for edge in 0..<edgeCount {
      byDepth[bucketStart[nestingDepth[edge] - smallest]] = edge
      bucketStart[nestingDepth[edge] - smallest] += 1
    }
    var fill = outgoingStart
    for edge in byDepth {
      outgoing[fill[source[edge]]] = edge
      fill[source[edge]] += 1
    }
  }

  private func isTreeEdge(_ edge: Int) -> Bool { parentEdge[target[edge]] == edge }

  // MARK: Constraints

  /// An interval of return edges, all of which lie on the same side; `low` returns lowest,
  /// `high` highest.
  private struct Interval {
    var low = none
    var high = none
    var isEmpty: Bool { low == none && high == none }
  }

  /// Two intervals whose edges must lie on opposite sides.
  private struct ConflictPair {
    var left = Interval()
    var right = Interval()
    mutating func swapSides() { swap(&left, &right) }
  }

  private func isConflicting(_ interval: Interval, with edge: Int) -> Bool {
    !interval.isEmpty && lowpoint[interval.high] > lowpoint[edge]
  }

  private func lowest(_ pair: ConflictPair) -> Int {
    if pair.left.isEmpty { return lowpoint[pair.right.low] }
    if pair.right.isEmpty { return lowpoint[pair.left.low] }
    return min(lowpoint[pair.left.low], lowpoint[pair.right.low])
  }

  /// The DFS of the second phase over the tree of `root`; false when the graph is not planar.
  private mutating func testConstraints(from root: Int, next: inout [Int]) -> Bool {
    var stack = [root]
    while let v = stack.last {
      guard next[v] < outgoingStart[v + 1] else {
        stack.removeLast()
        let edge = parentEdge[v]
        guard edge != none else { continue }
        removeBackEdges(endingAtSourceOf: edge)
        let u = source[edge]
        guard integrateReturnEdges(of: edge, isFirst: next[u] == outgoingStart[u]) else { return false }
        next[u] += 1
        continue
      }
      let edge = outgoing[next[v]]
      stackBottom[edge] = conflictPairs.count
      if isTreeEdge(edge) {
        stack.append(target[edge])  // `next[v]` moves on once the subtree is done
        continue
      }
      lowpointEdge[edge] = edge
      conflictPairs.append(ConflictPair(right: Interval(low: edge, high: edge)))
      guard integrateReturnEdges(of: edge, isFirst: next[v] == outgoingStart[v]) else { return false }
      next[v] += 1
    }
    return true
  }

  /// Adds the constraints of the return edges of `edge`, taken from its source v after the DFS
  /// has explored it; `isFirst`: whether it is v's first outgoing edge.
  private mutating func integrateReturnEdges(of edge: Int, isFirst: Bool) -> Bool {
    let v = source[edge]
    let parent = parentEdge[v]
    guard lowpoint[edge] < height[v] else { return true }  // no return edge passes v
    if isFirst {
      lowpointEdge[parent] = lowpointEdge[edge]
      return true
    }
    return addConstraints(of: edge, parent: parent)
  }

  private mutating func addConstraints(of edge: Int, parent: Int) -> Bool {
    var merged = ConflictPair()
    // Merge the return edges of `edge` into merged.right.
    repeat {
      var pair = conflictPairs.removeLast()
      if !pair.left.isEmpty { pair.swapSides() }
      if !pair.left.isEmpty { return false }
      if lowpoint[pair.right.low] > lowpoint[parent] {
        if merged.right.isEmpty {
          merged.right.high = pair.right.high
        } else {
          ref[merged.right.low] = pair.right.high
        }
        merged.right.low = pair.right.low
      } else {  // aligned with the parent's lowpoint edge
        ref[pair.right.low] = lowpointEdge[parent]
      }
    } while conflictPairs.count > stackBottom[edge]
    // Merge the conflicting return edges of the earlier outgoing edges into merged.left.
    while let top = conflictPairs.last,
      isConflicting(top.left, with: edge) || isConflicting(top.right, with: edge)
    {
      var pair = conflictPairs.removeLast()
      if isConflicting(pair.right, with: edge) { pair.swapSides() }
      if isConflicting(pair.right, with: edge) { return false }
      if merged.right.low != none { ref[merged.right.low] = pair.right.high }
      if pair.right.low != none { merged.right.low = pair.right.low }
      if merged.left.isEmpty {
        merged.left.high = pair.left.high
      } else {
        ref[merged.left.low] = pair.left.high
      }
      merged.left.low = pair.left.low
    }
    if !merged.left.isEmpty || !merged.right.isEmpty { conflictPairs.append(merged) }
    return true
  }

  /// Drops the back edges that end at u = source[edge] once the DFS leaves u for its parent,
  /// and sets the side of `edge` relative to its highest return edge.
  private mutating func removeBackEdges(endingAtSourceOf edge: Int) {
    let u = source[edge]
    while let top = conflictPairs.last, lowest(top) == height[u] {
      let pair = conflictPairs.removeLast()
      if pair.left.low != none { side[pair.left.low] = -1 }
    }
    if var pair = conflictPairs.popLast() {
      while pair.left.high != none && target[pair.left.high] == u { pair.left.high = ref[pair.left.high] }
      if pair.left.high == none && pair.left.low != none {  // just emptied
        ref[pair.left.low] = pair.right.low
        side[pair.left.low] = -1
        pair.left.low = none
      }
      while pair.right.high != none && target[pair.right.high] == u { pair.right.high = ref[pair.right.high] }
      if pair.right.high == none && pair.right.low != none {  // just emptied
        ref[pair.right.low] = pair.left.low
        side[pair.right.low] = -1
        pair.right.low = none
      }
      conflictPairs.append(pair)
    }
    if lowpoint[edge] < height[u], let top = conflictPairs.last {  // the edge has a return edge
      let (highLeft, highRight) = (top.left.high, top.right.high)
      if highLeft != none && (highRight == none || lowpoint[highLeft] > lowpoint[highRight]) {
        ref[edge] = highLeft
      } else {
        ref[edge] = highRight
      }
    }
  }

  // MARK: Embedding

  /// The side of an edge, +1 (right) or −1 (left), resolved along its chain of references;
  /// `unresolved` is room to work in.
  private mutating func resolveSide(of edge: Int, unresolved: inout [Int]) -> Int {
    unresolved.removeAll(keepingCapacity: true)
    var current = edge
    while ref[current] != none {
      unresolved.append(current)
      current = ref[current]
    }
    for unresolvedEdge in unresolved.reversed() {
      side[unresolvedEdge] *= side[ref[unresolvedEdge]]
      ref[unresolvedEdge] = none
    }
    return side[edge]
  }

  /// Each vertex's neighbours in clockwise order, from the outgoing edges sorted by their signed
  /// nesting depth. Half-edge 2e lies at source[e], 2e + 1 at target[e]; each vertex's half-edges
  /// form a circular list.
  private func rotationSystem() -> [[Int]] {
    var clockwise = [Int](repeating: none, count: 2 * edgeCount)
    var counterclockwise = clockwise
    var first = [Int](repeating: none, count: vertexCount)
    func insert(_ halfEdge: Int, after anchor: Int) {
      clockwise[halfEdge] = clockwise[anchor]
      counterclockwise[halfEdge] = anchor
      counterclockwise[clockwise[anchor]] = halfEdge
      clockwise[anchor] = halfEdge
    }
    for v in 0..<vertexCount {
      for position in outgoingStart[v]..<outgoingStart[v + 1] {
        let halfEdge = 2 * outgoing[position]
        if first[v] == none {
          first[v] = halfEdge
          clockwise[halfEdge] = halfEdge
          counterclockwise[halfEdge] = halfEdge
        } else {
          insert(halfEdge, after: counterclockwise[first[v]])
        }
      }
    }
    var leftReference = [Int](repeating: none, count: vertexCount)
    var rightReference = leftReference
    var next = outgoingStart
    for root in roots {
      var stack = [root]
      while let v = stack.last {
        guard next[v] < outgoingStart[v + 1] else {
          stack.removeLast()
          continue
        }
        let edge = outgoing[next[v]]
        next[v] += 1
        let w = target[edge]
        let incoming = 2 * edge + 1  // the half-edge w → v
        if isTreeEdge(edge) {
          if first[w] == none {
            clockwise[incoming] = incoming
            counterclockwise[incoming] = incoming
          } else {
            insert(incoming, after: counterclockwise[first[w]])
          }
          first[w] = incoming
          leftReference[v] = 2 * edge
          rightReference[v] = 2 * edge
          stack.append(w)
        } else if side[edge] == 1 {
          insert(incoming, after: rightReference[w])
        } else {
          insert(incoming, after: counterclockwise[leftReference[w]])
          leftReference[w] = incoming
        }
      }
    }
    return (0..<vertexCount).map { v in
      var neighbours: [Int] = []
      guard first[v] != none else { return neighbours }
      var halfEdge = first[v]
      repeat {
        let edge = halfEdge / 2
        neighbours.append(halfEdge % 2 == 0 ? target[edge] : source[edge])
        halfEdge = clockwise[halfEdge]
      } while halfEdge != first[v]
      return neighbours
    }
  }
}

/// The absent vertex, edge or half-edge.
private let none = -1
