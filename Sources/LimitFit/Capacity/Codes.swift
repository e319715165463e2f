import CSumQuery
import Foundation

/// Documents as integer vectors that all have one squared length: the codes' ±1 vectors
/// (a binary code's codeword c becomes (−1)^c), and the multiples 2^t·e_i of the standard
/// basis in d = 4^t. Integer entries are exact in every floating-point precision, so the
/// scores of sum queries are exact integers whatever the precision the vectors are stored in;
/// scaling every row to unit length multiplies all scores of a query by one positive factor
/// and changes no ranking.
public struct IntegerDocuments: Sendable {
  public let dimension: Int
  /// Row-major, `count` × `dimension`.
  public internal(set) var entries: [Int8]
  /// Every row's squared length.
  public let squaredLength: Int

  public var count: Int { entries.count / dimension }

  /// The rows `range` (a prefix or any slice) as documents of their own.
  func rows(_ range: Range<Int>) -> IntegerDocuments {
    IntegerDocuments(
      dimension: dimension, entries: Array(entries[(range.lowerBound * dimension)..<(range.upperBound * dimension)]),
      squaredLength: squaredLength)
  }

  /// The Gram matrix, n × n, row-major: ⟨x_i, x_j⟩ as integers.
  ///
  /// - Complexity: O(n² d) (every entry, both triangles, in vector lanes), on all cores.
  func gramMatrix() -> [Int32] {
    let n = count
    let d = dimension
    let x = ThreadSharedBuffer(entries)
    let g = ThreadSharedBuffer<Int32>(repeating: 0, count: n * n)
    defer {
      x.deallocate()
      g.deallocate()
    }
    let blocks = contiguousRanges(splitting: n, into: 4 * ProcessInfo.processInfo.activeProcessorCount)
    DispatchQueue.concurrentPerform(iterations: blocks.count) { block in
      limitfit_gram_rows(x.base, n, d, blocks[block].lowerBound, blocks[block].count, g.base)
    }
    let gram = Array(UnsafeBufferPointer(start: g.base, count: n * n))
    return gram
  }
}

/// A code whose codewords, as vectors, have pairwise inner products bounded from its
/// parameters alone; the sum-query lemma (docs/MATHEMATICS.md §7) then proves that every set
/// of at most k of its vectors is exactly the top set of the sum of its vectors.
public struct SumQueryCode: Sendable, Equatable {
  public enum Family: Sendable, Equatable {
    /// The extended narrow-sense BCH code of length 2^m and designed distance δ (odd), halved:
    /// the codewords whose first coordinate is 0, so that no two are complements. Its weights
    /// lie in {0} ∪ [δ + 1, 2^m − δ − 1] ∪ {2^m} (the BCH bound; the code holds the all-ones word).
    case bch(m: Int, designedDistance: Int)
    /// An outer Reed–Solomon code of length L and dimension K over GF(q), q = 2^s, each symbol
    /// replaced by its row of the q × q Sylvester–Hadamard matrix: q^K vectors in d = L·q with
    /// inner products in [0, (K − 1)/L], since two codewords agree in at most K − 1 positions.
    case reedSolomonHadamard(q: Int, length: Int, dimension: Int)
    /// The real mutually unbiased bases of d = 2^m (m even) from a Kerdock set: d/2 bases
    /// {(−1)^{Q(x) + a·x}} of ±1 vectors and the standard basis (not in binary precision):
    /// inner products in {0, ±1/√d}.
    case kerdock(m: Int, includesStandardBasis: Bool)
  }

  public let family: Family

  /// The dimension of the vectors (the code's length; padded with zeros up to the d asked for).
  public var dimension: Int {
    switch family {
    case .bch(let m, _), .kerdock(let m, _): 1 << m
    case .reedSolomonHadamard(let q, let length, _): q * length
    }
  }

  /// Every vector's squared length (inner products are in these units).
  public var squaredLength: Int { dimension }

  /// The largest |inner product| between two distinct vectors, in units of `squaredLength`.
  public var maximumInnerProduct: Int {
    switch family {
    case .bch(let m, let delta): (1 << m) - 2 * (delta + 1)
    case .reedSolomonHadamard(let q, _, let k): (k - 1) * q
    case .kerdock(let m, _): 1 << (m / 2)
    }
  }

  /// Whether every inner product is at least 0 (the lemma's stronger form applies).
  public var innerProductsAreNonnegative: Bool {
    if case .reedSolomonHadamard = family { return true }
    return false
  }

  /// log₂ of the number of vectors.
  public var log2Count: Double {
    switch family {
    case .bch(let m, let delta): Double(Self.bchDimension(m: m, designedDistance: delta) - 1)
    case .reedSolomonHadamard(let q, _, let k): Double(k) * log2(Double(q))
    case .kerdock(let m, let standard): log2(Double(1 << m) * Double((1 << (m - 1)) + (standard ? 1 : 0)))
    }
  }

  /// The number of vectors, when it is below 2^53.
  public var count: Int? {
    guard log2Count < 53 else { return nil }
    switch family {
    case .kerdock(let m, let standard): return (1 << m) * ((1 << (m - 1)) + (standard ? 1 : 0))
    default: return 1 << Int(log2Count.rounded())
    }
  }

  /// A name and parameters for a person: "BCH[64, 18, ≥ 22]/2", "RS[8, 4]_8 ∘ H8", "Kerdock MUB d = 64".
  public var summary: String {
    switch family {
    case .bch(let m, let delta):
      "extended BCH code [\(1 << m), \(Self.bchDimension(m: m, designedDistance: delta)), ≥ \(delta + 1)], halved"
    case .reedSolomonHadamard(let q, let length, let k):
      "Reed–Solomon [\(length), \(k)] over GF(\(q)) ∘ Hadamard \(q)"
    case .kerdock(let m, let standard):
      "Kerdock: \(1 << (m - 1)) mutually unbiased ±1 bases of d = \(1 << m)" + (standard ? " and the standard basis" : "")
    }
  }

  /// The parameters, for records.
  public var parameters: [String: Int] {
    switch family {
    case .bch(let m, let delta):
      ["length": 1 << m, "dimension": Self.bchDimension(m: m, designedDistance: delta), "designedDistance": delta]
    case .reedSolomonHadamard(let q, let length, let k): ["q": q, "length": length, "dimension": k]
    case .kerdock(let m, let standard): ["length": 1 << m, "standardBasis": standard ? 1 : 0]
    }
  }

  /// The largest k for which the sum-query lemma proves every k-set of the code's vectors
  /// exactly retrievable: kμ < 1 for non-negative inner products, (2k − 1)μ < 1 otherwise.
  public var largestProvenK: Int {
    let (mu, one) = (maximumInnerProduct, squaredLength)
    guard mu > 0 else { return .max }
    return innerProductsAreNonnegative ? (one - 1) / mu : ((one - 1) / mu + 1) / 2
  }

  /// The lemma's lower bound on the smallest margin of the sum queries of k-sets, in cosine
  /// units (every row and every query at unit length).
  public func provenMargin(k: Int) -> Double { provenMargin(k: k, maximumInnerProduct: maximumInnerProduct) }
}

// MARK: - The best code of each family for d and k

extension SumQueryCode {
  /// The codes of every family that fit in d dimensions and prove every k-set, each with its
  /// largest count for d and k; binary precision leaves out Kerdock's standard basis.
  public static func candidates(dimension d: Int, k: Int, binary: Bool) -> [SumQueryCode] {
    guard d >= 2, k >= 1 else { return [] }
    var codes: [SumQueryCode] = []
    let m = Int.bitWidth - 1 - d.leadingZeroBitCount  // 2^m ≤ d
    if m >= 2, let bch = bestBCH(m: m, k: k) { codes.append(bch) }
    if let rs = bestReedSolomonHadamard(dimension: d, k: k) { codes.append(rs) }
    // The largest power of 4 that fits, while a Kerdock set of its size is built here.
    let even = m & ~1
    if even >= 2, even <= KerdockSet.largestM {
      let kerdock = SumQueryCode(family: .kerdock(m: even, includesStandardBasis: !binary))
      if kerdock.largestProvenK >= k { codes.append(kerdock) }
    }
    return codes.filter { $0.log2Count > log2(Double(k)) }
  }

  /// The code in the fewest dimensions with at least `count` vectors that proves every set of
  /// at most k of them; nil beyond 2^16 dimensions or k > 5.
  public static func smallest(holding count: Int, k: Int) -> SumQueryCode? {
    guard (1...5).contains(k) else { return nil }
    func best(_ d: Int) -> SumQueryCode? {
      candidates(dimension: d, k: k, binary: false).filter { code in code.count.map { $0 >= count } ?? true }
        .min { $0.dimension < $1.dimension }
    }
    // Codes only grow with d: bisect for the smallest d that has one.
    var (low, high) = (1, 1 << 16)
    guard best(high) != nil else { return nil }
    while high - low > 1 {
      let middle = (low + high) / 2
      if best(middle) != nil { high = middle } else { low = middle }
    }
    return best(high)
  }

  /// The BCH code of length 2^m with the most codewords whose weights keep (2k − 1)μ < 1.
  static func bestBCH(m: Int, k: Int) -> SumQueryCode? {
    let length = 1 << m
    // Extended distance δ' with (2k − 1)(2^m − 2δ') < 2^m: δ' > 2^m (k − 1)/(2k − 1).
    let least = length * (k - 1) / (2 * k - 1) + 1
    // The designed distance is odd and the extended code's distance one more.
    var designed = least % 2 == 0 ? least - 1 : least
    guard designed < length - 1 else { return nil }
    // The BCH bound holds for the longest run of consecutive roots: widen δ while the
    // dimension stays.
    designed = bchBoseDistance(m: m, designedDistance: designed)
    let code = SumQueryCode(family: .bch(m: m, designedDistance: designed))
    return bchDimension(m: m, designedDistance: designed) >= 2 ? code : nil
  }

  /// The Reed–Solomon ∘ Hadamard code with the most vectors in at most d dimensions with
  /// k(K − 1) < L, over every GF(2^s) with q ≤ d; of equal counts, the one with the larger margin.
  static func bestReedSolomonHadamard(dimension d: Int, k: Int) -> SumQueryCode? {
    var best: SumQueryCode?
    var q = 2
    while q <= d, q <= 1 << 16 {
      let length = min(q, d / q)
      let dimension = (length - 1) / k + 1
      let code = SumQueryCode(family: .reedSolomonHadamard(q: q, length: length, dimension: dimension))
      if let current = best {
        if code.log2Count > current.log2Count
          || (code.log2Count == current.log2Count && code.provenMargin(k: k) > current.provenMargin(k: k))
        {
          best = code
        }
      } else {
        best = code
      }
      q *= 2
    }
    return best
  }

  /// The exponents that are roots of the narrow-sense BCH code of length 2^m − 1 with designed
  /// distance δ: the cyclotomic cosets of 1 … δ − 1.
  static func bchRootExponents(m: Int, designedDistance delta: Int) -> [Int] {
    let order = (1 << m) - 1
    var isRoot = [Bool](repeating: false, count: order)
    var roots: [Int] = []
    for e in 1..<max(delta, 1) where !isRoot[e % order] {
      var x = e % order
      repeat {
        isRoot[x] = true
        roots.append(x)
        x = x * 2 % order
      } while !isRoot[x]
    }
    return roots
  }

  /// The dimension of the extended BCH code: 2^m − 1 − (the number of roots).
  static func bchDimension(m: Int, designedDistance delta: Int) -> Int {
    (1 << m) - 1 - bchRootExponents(m: m, designedDistance: delta).count
  }

  /// The largest designed distance whose roots are those of δ: one plus the longest run of
  /// consecutive root exponents from 1 (always odd for a narrow-sense code).
  static func bchBoseDistance(m: Int, designedDistance delta: Int) -> Int {
    let roots = Set(bchRootExponents(m: m, designedDistance: delta))
    var e = 1
    while roots.contains(e) { e += 1 }
    return e
  }
}

// MARK: - The vectors

extension SumQueryCode {
  /// The first `count` vectors of the code, padded with zeros to `dimension` coordinates.
  ///
  /// - Precondition: `count` is at most the code's size and `dimension` at least its length.
  public func documents(first count: Int, dimension paddedDimension: Int) -> IntegerDocuments {
    precondition(self.count.map { count <= $0 } ?? true, "the code has fewer vectors")
    let d = dimension
    precondition(paddedDimension >= d)
    var entries = [Int8](repeating: 0, count: count * paddedDimension)
    func setRow(_ t: Int, _ value: (Int) -> Int8) {
      for c in 0..<d { entries[t * paddedDimension + c] = value(c) }
    }
    switch family {
    case .bch(let m, let delta):
      let basis = Self.halvedBCHBasis(m: m, designedDistance: delta, rowsNeeded: Int.bitWidth - count.leadingZeroBitCount)
      let words = basis.first?.count ?? 1
      var word = [UInt64](repeating: 0, count: words)
      for t in 0..<count {
        for w in 0..<words { word[w] = 0 }
        for (bit, row) in basis.enumerated() where t >> bit & 1 == 1 {
          for w in 0..<words { word[w] ^= row[w] }
        }
        setRow(t) { c in word[c / 64] >> (c % 64) & 1 == 1 ? -1 : 1 }
      }
    case .reedSolomonHadamard(let q, let length, let k):
      let field = GaloisField(degree: q.trailingZeroBitCount)
      var coefficients = [Int](repeating: 0, count: k)
      var symbols = [Int](repeating: 0, count: length)
      for t in 0..<count {
        var rest = t
        for i in 0..<k {
          coefficients[i] = rest % q
          rest /= q
        }
        for position in 0..<length { symbols[position] = field.evaluate(coefficients, at: position) }
        setRow(t) { c in (symbols[c / q] & (c % q)).nonzeroBitCount & 1 == 1 ? -1 : 1 }
      }
    case .kerdock(let m, _):
      let set = KerdockSet.cached(m: m)
      for t in 0..<count {
        let (basis, a) = t.quotientAndRemainder(dividingBy: d)
        if basis < set.count {
          setRow(t) { x in (set.quadraticForm(basis, at: x) + (a & x).nonzeroBitCount) & 1 == 1 ? -1 : 1 }
        } else {
          setRow(t) { x in x == a ? Int8(1 << (m / 2)) : 0 }
        }
      }
    }
    return IntegerDocuments(dimension: paddedDimension, entries: entries, squaredLength: d)
  }

  /// `count` vectors of the code padded to `dimension`: its first ones, or with `seed`, distinct
  /// codewords drawn uniformly (SplitMix64) and kept in the order drawn.
  public func documents(count: Int, sampledWith seed: UInt64?, dimension paddedDimension: Int) -> IntegerDocuments {
    guard let seed else { return documents(first: count, dimension: paddedDimension) }
    var generator = SplitMix64(seed: seed)
    let d = dimension
    var seen = Set<[Int8]>()
    var entries: [Int8] = []
    entries.reserveCapacity(count * paddedDimension)
    let padding = [Int8](repeating: 0, count: paddedDimension - d)
    switch family {
    case .bch(let m, let delta):
      let basis = Self.halvedBCHBasis(m: m, designedDistance: delta, rowsNeeded: Self.bchDimension(m: m, designedDistance: delta))
      let words = basis.first?.count ?? 1
      while seen.count < count {
        var word = [UInt64](repeating: 0, count: words)
        for row in basis where generator.next() & 1 == 1 { for w in 0..<words { word[w] ^= row[w] } }
        let vector = (0..<d).map { c in word[c / 64] >> (c % 64) & 1 == 1 ? Int8(-1) : 1 }
        if seen.insert(vector).inserted { entries += vector + padding }
      }
    case .reedSolomonHadamard(let q, let length, let k):
      let field = GaloisField(degree: q.trailingZeroBitCount)
      while seen.count < count {
        let coefficients = (0..<k).map { _ in Int(generator.next() % UInt64(q)) }
        let symbols = (0..<length).map { field.evaluate(coefficients, at: $0) }
        let vector = (0..<d).map { c in (symbols[c / q] & (c % q)).nonzeroBitCount & 1 == 1 ? Int8(-1) : 1 }
        if seen.insert(vector).inserted { entries += vector + padding }
      }
    case .kerdock:
      let total = UInt64(self.count!)
      var indices: [Int] = []
      var chosen = Set<Int>()
      while indices.count < count {
        let index = Int(generator.next() % total)
        if chosen.insert(index).inserted { indices.append(index) }
      }
      let all = documents(first: Int(total), dimension: paddedDimension)
      for index in indices { entries += all.entries[(index * paddedDimension)..<((index + 1) * paddedDimension)] }
    }
    return IntegerDocuments(dimension: paddedDimension, entries: entries, squaredLength: squaredLength)
  }

  /// A basis of the halved extended BCH code (its codewords with first coordinate 0), the
  /// first `rowsNeeded` rows, each 2^m bits in 64-bit words: the generator polynomial's shifts
  /// g(x)·x^i with a parity bit, reduced to first coordinate 0 against one row that has it 1.
  static func halvedBCHBasis(m: Int, designedDistance delta: Int, rowsNeeded: Int) -> [[UInt64]] {
    let length = 1 << m
    let words = (length + 63) / 64
    let field = GaloisField(degree: m)
    let generator = field.polynomial(withRootsAtPowers: bchRootExponents(m: m, designedDistance: delta))
    let dimension = length - 1 - (generator.count - 1)
    let needed = min(dimension, rowsNeeded + 1)
    var rows: [[UInt64]] = (0..<needed).map { shift in
      var row = [UInt64](repeating: 0, count: words)
      var parity: UInt8 = 0
      for (i, coefficient) in generator.enumerated() where coefficient == 1 {
        row[(i + shift) / 64] |= 1 << UInt64((i + shift) % 64)
        parity ^= 1
      }
      if parity == 1 { row[(length - 1) / 64] |= 1 << UInt64((length - 1) % 64) }
      return row
    }
    // g(x) has a nonzero constant term, so row 0 has coordinate 0 set: the other rows that have
    // it set are reduced against row 0, which is then dropped. The rows left are independent
    // codewords with coordinate 0 clear, so no two sums of them are complements.
    let pivot = rows.removeFirst()
    return rows.map { row in row[0] & 1 == 1 ? zip(row, pivot).map { $0 ^ $1 } : row }
  }
}

extension SumQueryCode {
  /// The lemma's margin bound with a measured largest |inner product| in place of the code's bound.
  func provenMargin(k: Int, maximumInnerProduct measured: Int) -> Double {
    let mu = Double(measured) / Double(squaredLength)
    let gap = innerProductsAreNonnegative ? 1 - Double(k) * mu : 1 - Double(2 * k - 1) * mu
    // The query's length is at most √(k (1 + (k − 1) μ)).
    return gap / (Double(k) * (1 + Double(k - 1) * mu)).squareRoot()
  }
}

/// The largest |inner product| between distinct ±1 vectors, bit-packed: ⟨x, y⟩ = d − 2·popcount(x ⊕ y).
enum BinaryCoherence {
  /// - Complexity: O(n² d / 64), on all cores.
  static func maximumInnerProduct(_ documents: IntegerDocuments) -> Int {
    let (n, d) = (documents.count, documents.dimension)
    let words = (d + 63) / 64
    let bits = ThreadSharedBuffer<UInt64>(repeating: 0, count: n * words)
    defer { bits.deallocate() }
    // Zero padding (beyond the code's length) packs as +1 in both: subtract it back.
    var padding = 0
    for c in 0..<d where documents.entries[c] == 0 { padding += 1 }
    for i in 0..<n {
      for c in 0..<d where documents.entries[i * d + c] < 0 { bits[i * words + c / 64] |= 1 << UInt64(c % 64) }
    }
    let length = d - padding
    let blocks = min(n, 16 * ProcessInfo.processInfo.activeProcessorCount)
    let largest = ThreadSharedBuffer<Int>(repeating: 0, count: blocks)
    defer { largest.deallocate() }
    DispatchQueue.concurrentPerform(iterations: blocks) { block in
      var best = 0
      for i in Swift.stride(from: block, to: n, by: blocks) {
        for j in 0..<i {
          var distance = 0
          for w in 0..<words { distance += (bits[i * words + w] ^ bits[j * words + w]).nonzeroBitCount }
          best = max(best, abs(length - 2 * distance))
        }
      }
      largest[block] = best
    }
    return (0..<blocks).map { largest[$0] }.max() ?? 0
  }
}

extension SumQueryCode {
  /// The code a `construction` start uses for n documents in d dimensions and k-sets: of the
  /// codes with at least n vectors that prove k-sets, the one with the largest margin.
  public static func start(documents n: Int, k: Int, dimension d: Int) -> SumQueryCode? {
    candidates(dimension: d, k: k, binary: false).filter { code in code.count.map { $0 >= n } ?? true }
      .max { $0.provenMargin(k: k) < $1.provenMargin(k: k) }
  }

  /// The first n vectors at unit length as documents, and for each query of `qrels` the sum of
  /// its relevant documents' vectors at unit length, padded to d (float32).
  func sumQueryEmbeddings(of qrels: Qrels, dimension d: Int) -> Embeddings {
    let vectors = documents(first: qrels.documentCount, dimension: d)
    let scale = 1 / Double(squaredLength).squareRoot()
    var queries = [Float](repeating: 0, count: qrels.queryCount * d)
    var sum = [Double](repeating: 0, count: d)
    for query in 0..<qrels.queryCount {
      for c in 0..<d { sum[c] = 0 }
      for document in qrels.relevant(to: query) {
        for c in 0..<d { sum[c] += Double(vectors.entries[Int(document) * d + c]) }
      }
      let norm = sum.reduce(0) { $0 + $1 * $1 }.squareRoot()
      for c in 0..<d { queries[query * d + c] = Float(sum[c] / norm) }
    }
    return Embeddings(dimension: d, queries: queries, documents: vectors.entries.map { Float(Double($0) * scale) })
  }
}
