import Foundation

/// A Kerdock set: 2^(m−1) alternating m × m matrices over GF(2), m even, every difference of two
/// of which is nonsingular. Each gives a basis of ±1 vectors (−1)^{Q(x) + a·x} of R^(2^m), Q the
/// quadratic form whose polar form the matrix is; two bases are unbiased (every inner product
/// ±2^(m/2)) because Q + Q' then has a nondegenerate polar form, so its Walsh transform is flat.
///
/// Built from the field F = GF(2^n), n = m − 1 odd, on V = F ⊕ GF(2): for s ∈ F,
///   B_s((x, a), (y, b)) = Tr(s x y) + Tr(√s x) Tr(√s y) + a Tr(√s y) + b Tr(√s x),
/// alternating since Tr(s x²) = Tr(√s x) = Tr(√s x)². `init` checks every difference.
struct KerdockSet: Sendable {
  /// The largest m built: 2^(m−1) bases of 2^m ±1 vectors with entries stored in Int8.
  static let largestM = 12

  let m: Int
  /// Row i of matrix s, as a bit mask over columns: `rows[s * m + i]`.
  private let rows: [UInt32]

  /// Builds and checks the set for even m, 2 ≤ m ≤ `largestM`.
  ///
  /// - Returns: nil when a difference is singular (never, for the construction above; the
  ///   check is what makes the codes' inner products a proof rather than a citation).
  init?(m: Int) {
    precondition(m % 2 == 0 && (2...Self.largestM).contains(m), "Kerdock sets are built for even m ≤ \(Self.largestM)")
    self.m = m
    let n = m - 1
    let field = GaloisField(degree: n)
    let elements = 1 << n
    func trace(_ z: Int) -> Int {
      var (t, power) = (0, z)
      for _ in 0..<n {
        t ^= power
        power = field.multiply(power, power)
      }
      return t  // 0 or 1
    }
    func squareRoot(_ z: Int) -> Int {
      var r = z
      for _ in 0..<(n - 1) { r = field.multiply(r, r) }  // z^(2^(n−1))
      return r
    }
    // Basis vector i of V: x = 2^i for i < n, or (0, 1) for i = n.
    var rows = [UInt32](repeating: 0, count: elements * m)
    for s in 0..<elements {
      let root = squareRoot(s)
      for i in 0..<m {
        for j in 0..<m {
          let (x, a) = i < n ? (1 << i, 0) : (0, 1)
          let (y, b) = j < n ? (1 << j, 0) : (0, 1)
          let tx = trace(field.multiply(root, x))
          let ty = trace(field.multiply(root, y))
          let value = trace(field.multiply(s, field.multiply(x, y))) ^ (tx & ty) ^ (a & ty) ^ (b & tx)
          if value == 1 { rows[s * m + i] |= 1 << j }
        }
      }
    }
    self.rows = rows
    for s in 0..<elements {
      guard matrix(s).isAlternating else { return nil }
      for t in 0..<s where !matrix(s).adding(matrix(t)).isNonsingular { return nil }
    }
  }

  var count: Int { 1 << (m - 1) }

  func matrix(_ s: Int) -> BinaryMatrix { BinaryMatrix(rows: Array(rows[(s * m)..<((s + 1) * m)])) }

  /// The value at x (bits of an index into R^(2^m)) of the quadratic form of matrix s:
  /// Σ_{i<j} B_ij x_i x_j mod 2.
  func quadraticForm(_ s: Int, at x: Int) -> Int {
    var value = 0
    for i in 0..<m where x >> i & 1 == 1 {
      // The upper triangle of row i, restricted to x.
      let upper = Int(rows[s * m + i]) & ~((2 << i) - 1)
      value ^= (upper & x).nonzeroBitCount & 1
    }
    return value
  }
}

/// A square matrix over GF(2), row i a bit mask over columns.
struct BinaryMatrix: Equatable, Sendable {
  var rows: [UInt32]

  func adding(_ other: BinaryMatrix) -> BinaryMatrix { BinaryMatrix(rows: zip(rows, other.rows).map { $0 ^ $1 }) }

  /// Symmetric with a zero diagonal.
  var isAlternating: Bool {
    rows.indices.allSatisfy { i in
      rows[i] >> i & 1 == 0 && rows.indices.allSatisfy { j in (rows[i] >> j & 1) == (rows[j] >> i & 1) }
    }
  }

  /// Full rank, by Gaussian elimination.
  var isNonsingular: Bool {
    var rows = rows
    for column in rows.indices {
      guard let pivot = (column..<rows.count).first(where: { rows[$0] >> column & 1 == 1 }) else { return false }
      rows.swapAt(column, pivot)
      for r in rows.indices where r != column && rows[r] >> column & 1 == 1 { rows[r] ^= rows[column] }
    }
    return true
  }
}

extension KerdockSet {
  /// The checked set for m, built once per process.
  static func cached(m: Int) -> KerdockSet {
    KerdockSetCache.shared.set(m: m)
  }
}

/// Kerdock sets built so far (building and checking m = 12 takes seconds).
private final class KerdockSetCache: @unchecked Sendable {
  static let shared = KerdockSetCache()
  private let lock = NSLock()
  private var sets: [Int: KerdockSet] = [:]

  func set(m: Int) -> KerdockSet {
    lock.lock()
    defer { lock.unlock() }
    if let set = sets[m] { return set }
    guard let set = KerdockSet(m: m) else { fatalError("the Kerdock construction failed its check for m = \(m)") }
    sets[m] = set
    return set
  }
}
