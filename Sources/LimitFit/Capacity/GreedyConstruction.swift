/// The greedy construction for k = 2: from a start set of ±1 vectors (a binary code's, or none),
/// random ±1 vectors of d coordinates (SplitMix64) are added one at a time while every pair
/// stays exactly the top 2 of its sum query. It covers the d that no code fits well (d not a
/// power of two, small d in binary precision). A start set shorter than d is filled with +1:
/// that adds d − d' to every inner product and to every squared length, so each sum query's
/// margin (L + G_ij − G_il − G_jl) stays what it was.
///
/// Adding v with inner products g_l = ⟨v, x_l⟩ keeps every pair solved exactly when
/// - no old pair {i, j} loses to v: g_i + g_j < L + G_ij (their own scores are L + G_ij), and
/// - every new pair {i, v} wins: max_{l ≠ i} (G_il + g_l) < L + g_i,
/// checked in integers in O(n²) per candidate; the set is then checked again exhaustively.
public struct GreedyConstruction: Sendable {
  public let dimension: Int
  public let seed: UInt64
  /// The vectors, the start set's first.
  public private(set) var documents: IntegerDocuments
  /// How many came from the start set.
  public let startCount: Int

  /// Grows `start` (or an empty set) in `dimension` coordinates until `maximumDocuments`, until
  /// `patience` candidates in a row are refused, or after `candidates` in all.
  ///
  /// - Precondition: the start set's entries are ±1 in its first `start.squaredLength`
  ///   coordinates and 0 after them, at most `dimension` of them, every pair solved.
  public init(
    dimension d: Int, start: IntegerDocuments?, maximumDocuments: Int, patience: Int = 400, candidates: Int = 5000,
    seed: UInt64 = 42
  ) {
    precondition(d >= 1 && start.map { $0.dimension <= d } ?? true)
    dimension = d
    self.seed = seed
    let length = d
    var entries: [Int8] = []
    var n = 0
    if let start {
      n = min(start.count, maximumDocuments)
      for i in 0..<n {
        let row = start.entries[(i * start.dimension)..<((i + 1) * start.dimension)]
        entries += row.map { $0 == 0 ? 1 : $0 } + [Int8](repeating: 1, count: d - start.dimension)
      }
    }
    startCount = n
    documents = IntegerDocuments(dimension: d, entries: entries, squaredLength: length)
    // The Gram matrix, grown a row and a column at a time (capacity for the largest set).
    let capacity = maximumDocuments
    var gram = [Int32](repeating: 0, count: capacity * capacity)
    if n > 0 {
      let initial = documents.gramMatrix()
      for i in 0..<n { for j in 0..<n { gram[i * capacity + j] = initial[i * n + j] } }
    }
    var generator = SplitMix64(seed: seed)
    var candidate = [Int8](repeating: 0, count: d)
    var products = [Int32](repeating: 0, count: capacity)
    var refused = 0
    var tried = 0
    while n < maximumDocuments && refused < patience && tried < candidates {
      tried += 1
      for c in 0..<d { candidate[c] = generator.next() & 1 == 0 ? 1 : -1 }
      for l in 0..<n {
        var sum: Int32 = 0
        for c in 0..<d { sum += Int32(candidate[c]) * Int32(entries[l * d + c]) }
        products[l] = sum
      }
      if Self.keepsEveryPair(gram: gram, stride: capacity, count: n, products: products, length: Int32(length)) {
        entries += candidate
        for l in 0..<n {
          gram[n * capacity + l] = products[l]
          gram[l * capacity + n] = products[l]
        }
        gram[n * capacity + n] = Int32(length)
        n += 1
        refused = 0
      } else {
        refused += 1
      }
    }
    documents = IntegerDocuments(dimension: d, entries: entries, squaredLength: length)
  }

  /// Whether a vector with inner products `products` keeps every pair of the `count` vectors
  /// solved and is solved with each of them (the two conditions above).
  private static func keepsEveryPair(gram: [Int32], stride: Int, count n: Int, products g: [Int32], length: Int32) -> Bool {
    // Distinct vectors only: an equal one would tie.
    for l in 0..<n where g[l] == length { return false }
    for i in 0..<n {
      // The new pair {i, v}: every other document below L + g_i.
      let own = length + g[i]
      for l in 0..<n where l != i && gram[i * stride + l] + g[l] >= own { return false }
      // The old pairs {i, j}: v below L + G_ij.
      for j in (i + 1)..<max(n, i + 1) where g[i] + g[j] >= length + gram[i * stride + j] { return false }
    }
    return true
  }
}
