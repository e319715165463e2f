import Dispatch
import Foundation

/// The precision the vectors of an embedding are stored in.
public enum Precision: String, CaseIterable, Codable, Sendable {
  case float64, float32, float16, bfloat16

  /// `x` rounded to this precision (to nearest, ties to even), as a Double.
  public func round(_ x: Double) -> Double {
    switch self {
    case .float64: return x
    case .float32: return Double(Float(x))
    case .float16: return Double(Float16(x))
    case .bfloat16:
      // Once, from the double, to 8 significant bits (ties to even) with float32's exponent
      // range; rounding through float32 first would round twice.
      guard x.isFinite, x != 0 else { return x }
      let quantum = abs(x) < 0x1p-126 ? 0x1p-133 : Double(sign: .plus, exponent: x.exponent - 7, significand: 1)
      let rounded = (x / quantum).rounded(.toNearestOrEven) * quantum
      return abs(rounded) >= 0x1p128 ? (x < 0 ? -.infinity : .infinity) : rounded
    }
  }
}

/// An exact construction that represents every top-2 pair of any number of documents in four
/// dimensions: document i at v(θ_i) = (cos θ_i, sin θ_i, cos 2θ_i, sin 2θ_i)/√2 with
/// θ_i = 2πi/n — the vertices of a cyclic polytope, every pair of which is an edge — and, for
/// the pair {a, b}, the query whose score is, up to a positive factor and a constant,
///   s(θ) = −(1 − cos(θ − θ_a))(1 − cos(θ − θ_b))
///        = cos(θ − θ_a) + cos(θ − θ_b) − ½ cos(2θ − θ_a − θ_b) − 1 − ½ cos(θ_b − θ_a),
/// a trigonometric polynomial of degree 2 that is largest exactly at θ_a and θ_b.
/// For d > 4 the vectors are padded with zeros.
///
/// The stored vectors (documents, and unit-length queries) are rounded to `precision`; the
/// scores are then computed in double precision, so the verdict shows what that storage loses.
public struct CyclicWitness: Sendable {
  public let documents: Int
  public let dimension: Int
  public let precision: Precision
  /// The four non-zero coordinates of every document, coordinate by coordinate (4 × n).
  let documentColumns: [[Double]]

  /// The most documents whose construction is checked (`verify`, `limit`): the check costs
  /// O(n³), about an hour on two cores at this size.
  public static let maximumCheckedDocuments = 10_000

  /// Builds the construction.
  ///
  /// - Throws: `LimitFitError` when n is outside 3…`QrelsPattern.maximumDocuments` or d < 4.
  public init(documents n: Int, dimension d: Int = 4, precision: Precision = .float64) throws {
    guard (3...QrelsPattern.maximumDocuments).contains(n) else {
      throw LimitFitError("the witness needs 3 to \(QrelsPattern.maximumDocuments) documents, not \(n)")
    }
    guard d >= 4 else {
      throw LimitFitError("the witness needs d ≥ 4 (in d = \(d) no construction solves every pair of more than \(d + 1) documents)")
    }
    documents = n
    dimension = d
    self.precision = precision
    let angles = (0..<n).map { 2 * Double.pi * Double($0) / Double(n) }
    let scale = 1 / 2.0.squareRoot()
    documentColumns = [
      angles.map { precision.round(cos($0) * scale) }, angles.map { precision.round(sin($0) * scale) },
      angles.map { precision.round(cos(2 * $0) * scale) }, angles.map { precision.round(sin(2 * $0) * scale) },
    ]
  }

  /// The query of the pair {a, b}: unit length, then rounded (its four non-zero coordinates).
  func query(_ a: Int, _ b: Int) -> [Double] {
    let (x, y) = (2 * Double.pi * Double(a) / Double(documents), 2 * Double.pi * Double(b) / Double(documents))
    let exact = [cos(x) + cos(y), sin(x) + sin(y), -0.5 * cos(x + y), -0.5 * sin(x + y)]
    let norm = exact.reduce(0) { $0 + $1 * $1 }.squareRoot()
    return exact.map { precision.round($0 / norm) }
  }

  /// The pair {a, b}, a < b, of query `index` in the lexicographic order of the pairs.
  public func pair(ofQuery index: Int) -> (Int, Int) {
    var a = 0
    var first = 0  // the index of the pair (a, a + 1)
    while first + (documents - a - 1) <= index {
      first += documents - a - 1
      a += 1
    }
    return (a, a + 1 + index - first)
  }

  /// Checks every pair, one block of queries at a time (no m × n matrix); the queries are the
  /// pairs in lexicographic order (`pair(ofQuery:)`). Scores are computed in double precision
  /// from the stored values; a margin within `roundingBound` of zero is decided again exactly
  /// (`ExactComparison`), so the verdict is exact: a tie or a negative margin is not solved.
  ///
  /// - Parameter stoppingAtFirstFailure: return as soon as a pair is not solved (the counts
  ///   are then partial).
  /// - Complexity: O(n³) multiply-adds, on all cores.
  public func verify(stoppingAtFirstFailure: Bool = false) -> Verification {
    let n = documents
    let blocks = contiguousRanges(splitting: n, into: 64)
    let results = ThreadSharedBuffer<Verification>(repeating: Verification(), count: blocks.count)
    defer { results.deallocate() }
    // Each block of first documents a is one task, with a row of scores of its own.
    DispatchQueue.concurrentPerform(iterations: blocks.count) { block in
      let scores = ThreadSharedBuffer<Double>(repeating: 0, count: n)
      defer { scores.deallocate() }
      let s = scores.base
      var result = results[block]
      pairs: for a in blocks[block] {
        for b in (a + 1)..<n {
          s.update(repeating: 0, count: n)
          let q = query(a, b)
          for (c, coordinate) in q.enumerated() {
            documentColumns[c].withUnsafeBufferPointer { column in
              addScaled(coordinate, column.baseAddress!, to: s, count: n)
            }
          }
          let bestOther = max(
            maximum(s, count: a), maximum(s + a + 1, count: b - a - 1),
            maximum(s + b + 1, count: n - b - 1))
          var margin = min(s[a], s[b]) - bestOther
          if abs(margin) <= Self.roundingBound {
            margin = exactMargin(q, a, b, scores: s, rounded: margin)
          }
          result.record(margin: margin, of: a * n - a * (a + 1) / 2 + (b - a - 1))
          if margin <= 0 && stoppingAtFirstFailure { break pairs }
        }
      }
      results[block] = result
    }
    var verification = Verification()
    for block in blocks.indices { verification.merge(results[block]) }
    return verification
  }

  /// A bound on the error of a score: four products of values of magnitude at most 1.01 (unit
  /// vectors after rounding), summed in double precision, err by less than 2^−50; a margin
  /// errs by less than twice that, and this bound leaves room.
  static let roundingBound = 0x1p-46

  /// The margin of pair {a, b} decided exactly: every document whose rounded score is within
  /// twice `roundingBound` of the lower relevant score is compared with both relevant ones
  /// exactly. Returns `rounded` when the exact verdict agrees with its sign, else the
  /// smallest positive double (solved) or zero (a tie or worse: not solved).
  private func exactMargin(_ q: [Double], _ a: Int, _ b: Int, scores s: UnsafeMutablePointer<Double>, rounded: Double) -> Double {
    let threshold = min(s[a], s[b]) - 2 * Self.roundingBound
    func row(_ j: Int) -> [Double] { documentColumns.map { $0[j] } }
    let relevant = [row(a), row(b)]
    var solved = true
    q.withUnsafeBufferPointer { q in
      for l in 0..<documents where l != a && l != b && s[l] >= threshold {
        let other = row(l)
        for x in relevant where ExactComparison.sign(q, x, minus: other) <= 0 { solved = false }
      }
    }
    return ExactComparison.margin(rounded, exactlySolved: solved)
  }

  /// Throws unless `embeddings()` fits in the memory free now: C(n, 2) + n rows of d floats.
  public func requireEmbeddingsMemory() throws {
    try SystemMemory.require(
      4 * (Double(documents) * Double(documents - 1) / 2 + Double(documents)) * Double(dimension),
      for: "storing the witness for n = \(documents), d = \(dimension)")
  }

  /// The construction as embeddings (Float), queries in the lexicographic order of the pairs.
  ///
  /// - Throws: `LimitFitError` when they do not fit in the memory free now.
  public func embeddings() throws -> Embeddings {
    try requireEmbeddingsMemory()
    let n = documents
    let d = dimension
    var queries = [Float](repeating: 0, count: n * (n - 1) / 2 * d)
    var row = 0
    for a in 0..<n {
      for b in (a + 1)..<n {
        for (c, value) in query(a, b).enumerated() { queries[row * d + c] = Float(value) }
        row += 1
      }
    }
    var documents = [Float](repeating: 0, count: n * d)
    for j in 0..<n {
      for c in 0..<4 { documents[j * d + c] = Float(documentColumns[c][j]) }
    }
    return Embeddings(dimension: d, queries: queries, documents: documents)
  }
}
