import Foundation

/// Query and document vectors: the parameters of a fit.
public struct Embeddings: Equatable, Sendable {
  /// The dimension d.
  public let dimension: Int
  /// Q, m × d, row-major: query i is `queries[i·d..<(i+1)·d]`.
  public var queries: [Float]
  /// D, n × d, row-major: document j is `documents[j·d..<(j+1)·d]`.
  public var documents: [Float]

  /// Creates embeddings from row-major matrices whose sizes are multiples of `dimension`.
  public init(dimension: Int, queries: [Float], documents: [Float]) {
    precondition(dimension >= 1 && queries.count % dimension == 0
      && documents.count % dimension == 0, "matrix sizes must be multiples of d = \(dimension)")
    self.dimension = dimension
    self.queries = queries
    self.documents = documents
  }

  /// The number of queries m.
  public var queryCount: Int { queries.count / dimension }
  /// The number of documents n.
  public var documentCount: Int { documents.count / dimension }

  /// The starting point of a fit: every entry drawn from N(0, 1), then every row scaled to
  /// unit length.
  ///
  /// The generator is SplitMix64 (Steele, Lea and Flood 2014) seeded with `seed`; normal
  /// deviates come from the Box–Muller transform, both of each pair used. Q is drawn first,
  /// row by row, then D. Rows are normalised in double precision, then rounded to Float.
  /// The same seed gives the same embeddings on every machine; JAX's starts are not reproduced.
  public static func random(queries m: Int, documents n: Int, dimension d: Int, seed: UInt64)
    -> Embeddings
  {
    var normals = NormalGenerator(seed: seed)
    func unitRows(_ rows: Int) -> [Float] {
      var matrix = [Float]()
      matrix.reserveCapacity(rows * d)
      var row = [Double](repeating: 0, count: d)
      for _ in 0..<rows {
        for c in 0..<d { row[c] = normals.next() }
        let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
        for c in 0..<d { matrix.append(Float(row[c] / norm)) }
      }
      return matrix
    }
    let queries = unitRows(m)
    return Embeddings(dimension: d, queries: queries, documents: unitRows(n))
  }
}

/// SplitMix64: a small, fast, seedable 64-bit generator (Steele, Lea, Flood,
/// "Fast splittable pseudorandom number generators", OOPSLA 2014).
public struct SplitMix64: RandomNumberGenerator, Sendable {
  private var state: UInt64

  /// Creates a generator whose sequence depends only on `seed`.
  public init(seed: UInt64) { state = seed }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// Standard normal deviates by the Box–Muller transform over SplitMix64.
struct NormalGenerator {
  private var uniform: SplitMix64
  private var spare: Double?

  init(seed: UInt64) { uniform = SplitMix64(seed: seed) }

  /// A uniform deviate in (0, 1]: 53 random bits.
  private mutating func nextUniform() -> Double {
    Double((uniform.next() >> 11) + 1) * 0x1p-53
  }

  mutating func next() -> Double {
    if let value = spare {
      spare = nil
      return value
    }
    let radius = (-2 * Foundation.log(nextUniform())).squareRoot()
    let angle = 2 * Double.pi * nextUniform()
    spare = radius * Foundation.sin(angle)
    return radius * Foundation.cos(angle)
  }
}
