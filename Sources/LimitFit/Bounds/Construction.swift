import Foundation

/// Exact embeddings of a relevance matrix built from geometry, not fitted: an upper bound on its
/// smallest dimension with the embeddings as certificate.
///
/// Documents are placed on a few distinct unit vectors ("points"): each document relevant to
/// some query gets a point of its own, and every document relevant to no query shares one more
/// point. A query's relevant documents only have to score above the *other points*, so the
/// negatives cost one point however many there are, and since they share it they tie only with
/// each other, never with a relevant document: a query whose relevant points all score above
/// that point ranks every negative below every relevant document.
///
/// Each query starts from a vector its construction proves correct (exact arithmetic), then is
/// moved to the unit vector that maximises its smallest margin (`MarginMaximizer`); the better
/// of the two, checked in double precision, is kept.
public struct Construction: Sendable {
  /// Where the points lie.
  public enum Kind: String, Codable, Sendable {
    /// d = 1: the points +1 and −1; at most two relevant sets, disjoint, covering everything.
    case line
    /// d = 2: equally spaced on the circle, each relevant pair adjacent.
    case circle
    /// d = p − 1: the vertices of a regular simplex, every subset of which is a face.
    case simplex
    /// d = p − 2: two poles ±e_d and a regular simplex around them, whose one Radon partition
    /// (the poles against the rest) is no relevant set: every other set is separable.
    case bipyramid
    /// d = 2k: the trigonometric moment curve, whose p points span a k-neighbourly cyclic
    /// polytope: every set of at most k points is a face.
    case momentCurve = "moment-curve"
    /// The vectors of a code whose inner products are small enough for the sum-query lemma
    /// (docs/MATHEMATICS.md §7): every set of at most k of them is the top set of its sum.
    case code
  }

  public let kind: Kind
  public let dimension: Int
  /// The code's name, for `.code`.
  let codeSummary: String?
  /// The distinct unit vectors, p × d, row-major, in double precision.
  let points: [Double]
  /// The point of every document.
  let pointOfDocument: [Int]
  /// Every query's relevant points, ascending.
  let relevantPoints: [[Int]]
  /// Every query's unit vector (m × d, row-major), in double precision.
  public let queries: [Double]

  /// The number of distinct points p.
  public var pointCount: Int { points.count / dimension }

  /// One line naming the construction, e.g. "the moment curve in d = 4 (47 points, 2-neighbourly)".
  public var summary: String {
    switch kind {
    case .line: "the line d = 1 (documents at +1 and −1)"
    case .circle: "the circle d = 2 (\(pointCount) equally spaced points, each relevant pair adjacent)"
    case .simplex: "a regular simplex in d = \(dimension) (\(pointCount) vertices, every subset a face)"
    case .bipyramid:
      "a bipyramid in d = \(dimension) (two poles and a regular simplex of \(pointCount - 2) vertices; every set but the poles' Radon partition separable)"
    case .code: "\(codeSummary ?? "a code") in d = \(dimension) (\(pointCount) vectors, each set queried by its sum)"
    case .momentCurve:
      "the trigonometric moment curve in d = \(dimension) (\(pointCount) points, \(dimension / 2)-neighbourly)"
    }
  }

  /// The constructions of `qrels` up to `maximumDimension`, smallest dimension first, each
  /// built when the sequence reaches it; none beyond `maximumPoints` distinct points.
  ///
  /// - Throws: `LimitFitError` before building a construction whose vectors, their float32
  ///   copy and their check (about 24 bytes per coordinate of every query and document) do
  ///   not fit in the memory free now.
  public static func candidates(for qrels: Qrels, maximumDimension: Int = .max) -> some Sequence<Result<Construction, any Error>> {
    let layout = PointLayout(qrels)
    let k = layout.largestProperSetSize
    let code = layout.pointCount <= maximumPoints ? SumQueryCode.smallest(holding: layout.pointCount, k: k) : nil
    let kinds: [(Kind, Int)] = layout.pointCount > maximumPoints ? [] : [
      (.line, 1), (.circle, 2), (.simplex, layout.pointCount - 1), (.bipyramid, layout.pointCount - 2),
      (.momentCurve, 2 * k),
    ] + (code.map { [(.code, $0.dimension)] } ?? [])
    return kinds.sorted { $0.1 < $1.1 }.filter { (1...maximumDimension).contains($0.1) }
      .lazy.compactMap { kind, dimension -> Result<Construction, any Error>? in
        let bytes = 24 * Double(qrels.queryCount + qrels.documentCount) * Double(dimension)
        do {
          try SystemMemory.require(bytes, for: "the \(kind.rawValue) construction in d = \(dimension) for \(qrels.queryCount) queries")
        } catch {
          return .failure(error)
        }
        return Construction(kind, of: qrels, layout: layout).map { .success($0) }
      }
  }

  /// The most distinct points a construction is built for: its margins and checks cost
  /// O(m · p · d) and more.
  public static let maximumPoints = 100_000

  private init?(_ kind: Kind, of qrels: Qrels, layout: PointLayout) {
    let p = layout.pointCount
    let relevant = layout.relevantPoints
    let k = layout.largestProperSetSize
    var codeSummary: String?
    let d: Int
    let points: [Double]
    let start: ([Int]) -> [Double]
    switch kind {
    case .line:
      guard let side = Self.lineSides(relevant, pointCount: p) else { return nil }
      d = 1
      points = side.map { $0 ? 1.0 : -1.0 }
      start = { set in [side[set[0]] ? 1 : -1] }
    case .circle:
      guard p >= 3, k <= 2, let order = Self.hamiltonianOrder(relevant, pointCount: p, hasNegatives: layout.hasNegatives)
      else { return nil }
      d = 2
      var position = [Int](repeating: 0, count: p)
      for (place, point) in order.enumerated() { position[point] = place }
      points = (0..<p).flatMap { point in
        let angle = 2 * Double.pi * Double(position[point]) / Double(p)
        return [cos(angle), sin(angle)]
      }
      // The bisector of the relevant arc; that arc is at most 2π/p < π long.
      start = { set in set.reduce(into: [0.0, 0.0]) { sum, point in
          sum[0] += points[2 * point]
          sum[1] += points[2 * point + 1]
        }
      }
    case .simplex:
      guard p >= 2 else { return nil }
      d = p - 1
      points = Self.simplexVertices(p)
      // The sum of the set's vertices scores 1 − (|S| − 1)/(p − 1) on them and −|S|/(p − 1) on the rest.
      start = { set in
        var sum = [Double](repeating: 0, count: d)
        for point in set { for c in 0..<d { sum[c] += points[point * d + c] } }
        return sum
      }
    case .momentCurve:
      guard p >= 2 else { return nil }
      d = 2 * k
      let angles = (0..<p).map { 2 * Double.pi * Double($0) / Double(p) }
      points = angles.flatMap { Self.momentCurvePoint($0, k: k) }
      start = { set in Self.faceFunctional(angles: set.map { angles[$0] }, k: k) }
    case .bipyramid:
      guard p >= 4, let poles = Self.poles(relevant, pointCount: p) else { return nil }
      d = p - 2
      // The simplex's d vertices span e_d's complement; the poles are ±e_d.
      let simplex = d >= 2 ? Self.simplexVertices(d) : []
      var coordinates = [Double](repeating: 0, count: p * d)
      var vertex = 0
      for point in 0..<p {
        if point == poles.0 || point == poles.1 {
          coordinates[point * d + d - 1] = point == poles.0 ? 1 : -1
        } else {
          for c in 0..<(d - 1) { coordinates[point * d + c] = simplex[vertex * (d - 1) + c] }
          vertex += 1
        }
      }
      points = coordinates
      // The sum of the set's points (docs/MATHEMATICS.md §4: proved for every set but the
      // Radon partition).
      start = { set in
        var sum = [Double](repeating: 0, count: d)
        for point in set { for c in 0..<d { sum[c] += points[point * d + c] } }
        return sum
      }
    case .code:
      guard let code = SumQueryCode.smallest(holding: p, k: k) else { return nil }
      d = code.dimension
      codeSummary = code.summary
      let scale = 1 / Double(code.squaredLength).squareRoot()
      points = code.documents(first: p, dimension: d).entries.map { Double($0) * scale }
      start = { set in
        var sum = [Double](repeating: 0, count: d)
        for point in set { for c in 0..<d { sum[c] += points[point * d + c] } }
        return sum
      }
    }
    self.codeSummary = codeSummary
    self.kind = kind
    dimension = d
    self.points = points
    pointOfDocument = layout.pointOfDocument
    relevantPoints = relevant
    var queries = [Double]()
    queries.reserveCapacity(relevant.count * d)
    var maximizer = MarginMaximizer(points: points, dimension: d)
    for set in relevant {
      // A code's sum queries keep the lemma's margin, far above what the support-vector
      // search would add at its cost (O(m · p · d) per round).
      queries += kind == .code && set.count < p
        ? MarginMaximizer.unit(start(set)) : maximizer.bestQuery(relevant: set, start: start(set))
    }
    self.queries = queries
  }

  /// The unit point of angle θ on the trigonometric moment curve of degree k:
  /// (cos θ, sin θ, cos 2θ, sin 2θ, …, cos kθ, sin kθ)/√k.
  static func momentCurvePoint(_ angle: Double, k: Int) -> [Double] {
    let scale = 1 / Double(k).squareRoot()
    return (1...k).flatMap { j in [cos(Double(j) * angle) * scale, sin(Double(j) * angle) * scale] }
  }

  /// The coefficients, against `momentCurvePoint`'s coordinates, of the trigonometric polynomial
  /// s(θ) = −∏_{a ∈ angles} (1 − cos(θ − a)) less its constant term: at most zero, zero exactly
  /// at the given angles, of degree |angles| ≤ k. The moment-curve points at those angles score
  /// highest, all equally, and every other point strictly lower.
  static func faceFunctional(angles: [Double], k: Int) -> [Double] {
    // Complex Fourier coefficients c_j, j = −k…k, of the product, one factor at a time:
    // 1 − cos(θ − a) = 1 − ½ e^{−ia} e^{iθ} − ½ e^{ia} e^{−iθ}.
    var re = [Double](repeating: 0, count: 2 * k + 1)
    var im = re
    re[k] = -1
    for a in angles {
      var (nextRe, nextIm) = (re, im)
      for j in -k...k {
        let (r, i) = (re[j + k], im[j + k])
        if j + 1 <= k {  // × −½ e^{−ia} e^{iθ}
          nextRe[j + 1 + k] -= 0.5 * (r * cos(a) + i * sin(a))
          nextIm[j + 1 + k] -= 0.5 * (i * cos(a) - r * sin(a))
        }
        if j - 1 >= -k {  // × −½ e^{ia} e^{−iθ}
          nextRe[j - 1 + k] -= 0.5 * (r * cos(a) - i * sin(a))
          nextIm[j - 1 + k] -= 0.5 * (i * cos(a) + r * sin(a))
        }
      }
      (re, im) = (nextRe, nextIm)
    }
    // c_j e^{ijθ} + c_{−j} e^{−ijθ} = 2 Re c_j cos jθ − 2 Im c_j sin jθ for a real polynomial.
    let scale = 2 * Double(k).squareRoot()
    var coefficients: [Double] = []
    for j in 1...k { coefficients += [re[j + k] * scale, -im[j + k] * scale] }
    return coefficients
  }

  /// The p vertices of a regular simplex centred at the origin, unit length, in d = p − 1
  /// (row-major): e_i − (1/p)·𝟙 written in the Helmert basis of the plane Σx = 0.
  static func simplexVertices(_ p: Int) -> [Double] {
    let d = p - 1
    var vertices = [Double](repeating: 0, count: p * d)
    // Helmert basis vector c (c = 1…p−1): (1, …, 1, −c, 0, …)/√(c(c+1)) with c ones.
    for i in 0..<p {
      for c in 1...d {
        let norm = (Double(c) * Double(c + 1)).squareRoot()
        let entry: Double = i < c ? 1 : (i == c ? -Double(c) : 0)
        vertices[i * d + c - 1] = entry / norm
      }
      // e_i has length √((p − 1)/p) once its mean is removed.
      let length = (Double(p - 1) / Double(p)).squareRoot()
      for c in 0..<d { vertices[i * d + c] /= length }
    }
    return vertices
  }

  /// For the line: which points lie at +1, when every relevant set is one of at most two
  /// disjoint sides that together hold every point.
  private static func lineSides(_ relevant: [[Int]], pointCount p: Int) -> [Bool]? {
    // A set of every point holds on either side.
    let sets = Array(Set(relevant.filter { $0.count < p }))
    guard sets.count <= 2 else { return nil }
    guard !sets.isEmpty else { return [Bool](repeating: true, count: p) }
    var positive = [Bool](repeating: false, count: p)
    for point in sets[0] { positive[point] = true }
    if sets.count == 2 {
      // The second set must be exactly the other side.
      guard sets[1].allSatisfy({ !positive[$0] }), sets[0].count + sets[1].count == p else { return nil }
    }
    return positive
  }

  /// For the bipyramid: two points that are neither a relevant set nor its complement (the
  /// poles' pair is the configuration's one non-separable split).
  private static func poles(_ relevant: [[Int]], pointCount p: Int) -> (Int, Int)? {
    var forbidden = Set<[Int]>()
    for set in relevant where set.count == 2 || set.count == p - 2 {
      if set.count == 2 { forbidden.insert(set) }
      if set.count == p - 2 { forbidden.insert(Array(Set(0..<p).subtracting(set)).sorted()) }
    }
    for a in 0..<p {
      for b in (a + 1)..<p where !forbidden.contains([a, b]) { return (a, b) }
    }
    return nil
  }

  /// For the circle: an order of the points in which every relevant pair is adjacent
  /// (cyclically), when the pairs form paths, or one cycle through every point.
  private static func hamiltonianOrder(_ relevant: [[Int]], pointCount p: Int, hasNegatives: Bool) -> [Int]? {
    var neighbours = [[Int]](repeating: [], count: p)
    for set in Set(relevant) where set.count == 2 {
      neighbours[set[0]].append(set[1])
      neighbours[set[1]].append(set[0])
    }
    guard neighbours.allSatisfy({ $0.count <= 2 }) else { return nil }
    var order: [Int] = []
    var visited = [Bool](repeating: false, count: p)
    func walk(from start: Int) {
      var (previous, current) = (-1, start)
      while !visited[current] {
        visited[current] = true
        order.append(current)
        guard let next = neighbours[current].first(where: { $0 != previous && !visited[$0] }) else { break }
        (previous, current) = (current, next)
      }
    }
    // Paths from their ends first; what is left are cycles.
    for point in 0..<p where neighbours[point].count < 2 && !visited[point] { walk(from: point) }
    if order.count < p {
      // A cycle is allowed only when it is the whole circle.
      guard order.isEmpty, !hasNegatives else { return nil }
      walk(from: 0)
      guard order.count == p else { return nil }
    }
    return order
  }
}

/// Which point each document of a matrix gets: relevant documents a point each, in the order of
/// their ids, then one point shared by every document relevant to no query.
struct PointLayout {
  let pointOfDocument: [Int]
  let pointCount: Int
  let hasNegatives: Bool
  /// Every query's relevant points, ascending.
  let relevantPoints: [[Int]]

  init(_ qrels: Qrels) {
    var isRelevant = [Bool](repeating: false, count: qrels.documentCount)
    for id in qrels.relevantDocuments { isRelevant[Int(id)] = true }
    var point = [Int](repeating: 0, count: qrels.documentCount)
    var next = 0
    for document in 0..<qrels.documentCount where isRelevant[document] {
      point[document] = next
      next += 1
    }
    hasNegatives = next < qrels.documentCount
    for document in 0..<qrels.documentCount where !isRelevant[document] { point[document] = next }
    pointOfDocument = point
    pointCount = next + (hasNegatives ? 1 : 0)
    relevantPoints = (0..<qrels.queryCount).map { query in qrels.relevant(to: query).map { point[Int($0)] } }
  }

  /// The largest relevant set that is not every point (at least 1): a set of every point has
  /// nothing to rank below it and holds in any construction.
  var largestProperSetSize: Int {
    max(1, relevantPoints.lazy.filter { $0.count < pointCount }.map(\.count).max() ?? 1)
  }
}

extension Construction {
  /// Checks every query against the points in double precision: exact up to the rounding of
  /// the scores themselves.
  public func verify() -> Verification {
    Verification(
      queries: queries, documents: points, dimension: dimension, queryRows: Array(relevantPoints.indices)
    ) { relevantPoints[$0] }
  }

  /// The construction's vectors rounded to `precision`, stored as float32 (every narrower
  /// precision is exact there): one row per query and per document.
  public func embeddings(roundedTo precision: Precision) -> Embeddings {
    let rounded = { (values: ArraySlice<Double>) in values.map { Float(precision.round($0)) } }
    let pointRows = (0..<pointCount).map { rounded(points[($0 * dimension)..<(($0 + 1) * dimension)]) }
    var documents = [Float]()
    documents.reserveCapacity(pointOfDocument.count * dimension)
    for point in pointOfDocument { documents += pointRows[point] }
    return Embeddings(dimension: dimension, queries: rounded(queries[...]), documents: documents)
  }
}
