import CSumQuery
import Foundation

/// What the exhaustive check of every k-set's sum query found: for each set R of k documents,
/// the query q = Σ_{r∈R} x_r, scored exactly (integer arithmetic on the integer vectors).
public struct SumQueryVerification: Codable, Equatable, Sendable {
  public var documents: Int
  public var k: Int
  /// C(n, k): every set checked.
  public var subsets: Int
  /// Sets whose every document scores strictly above every other document.
  public var solvedSubsets: Int
  /// The smallest margin, worst relevant score less best other score, in cosine units (every
  /// row and the query at unit length).
  public var smallestMargin: Double
  /// The set with that margin, by document index.
  public var worstSubset: [Int]
  public var seconds: Double

  public var solved: Bool { solvedSubsets == subsets }
}

/// The exhaustive check of sum queries over a Gram matrix: query R's score of document l is
/// Σ_{r∈R} G_rl, so checking all C(n, k) sets costs C(n, k)·n additions and comparisons, with no
/// factor d (docs/MATHEMATICS.md §7).
public enum SumQueryCheck {
  /// The most documents checked: the Gram matrix and its 16-bit copy take 6n² bytes.
  public static let maximumDocuments = 30_000

  /// Checks every k-subset of `documents`' rows.
  ///
  /// - Precondition: k < n ≤ `maximumDocuments`.
  /// - Complexity: O(n² d) for the Gram matrix, then C(n, k)·n, on all cores.
  public static func check(_ documents: IntegerDocuments, k: Int) -> SumQueryVerification {
    let n = documents.count
    precondition(k >= 1 && k < n && n <= maximumDocuments)
    let clock = ContinuousClock()
    let began = clock.now
    let gram = documents.gramMatrix()
    var largest: Int32 = 0
    for i in 0..<n { for j in 0..<i { largest = max(largest, abs(gram[i * n + j])) } }
    // A sentinel s on the diagonal and the padding: s + (k − 1)A lies below every other
    // document's score (at least −kA), and k·s stays within 16 bits.
    let sentinel = -(2 * k - 1) * Int(largest) - 1
    var result =
      if k == 2, 2 * sentinel >= Int(Int16.min) {
        pairs(gram, count: n, squaredLength: documents.squaredLength, sentinel: Int16(sentinel))
      } else {
        subsets(gram, count: n, k: k, squaredLength: documents.squaredLength)
      }
    result.seconds = (clock.now - began).seconds
    return result
  }

  /// The margin in cosine units of the set whose Gram sub-matrix sums to `querySquared`.
  private static func cosine(_ margin: Int, squaredLength: Int, querySquared: Int) -> Double {
    Double(margin) / (Double(squaredLength) * Double(querySquared)).squareRoot()
  }

  /// k = 2 through `limitfit_pair_maxima` on a 16-bit copy of the Gram matrix.
  static func pairs(_ gram: [Int32], count n: Int, squaredLength: Int, sentinel: Int16)
    -> SumQueryVerification
  {
    let width = 32
    let stride = (n + width - 1) / width * width
    let masked = ThreadSharedBuffer<Int16>(repeating: sentinel, count: n * stride)
    defer { masked.deallocate() }
    for i in 0..<n {
      for l in 0..<n where l != i { masked[i * stride + l] = Int16(gram[i * n + l]) }
    }
    let blocks = (n + 3) / 4
    let workers = min(blocks, 8 * ProcessInfo.processInfo.activeProcessorCount)
    let partials = ThreadSharedBuffer<SumQueryVerification>(
      repeating: SumQueryVerification(
        documents: n, k: 2, subsets: 0, solvedSubsets: 0, smallestMargin: .infinity, worstSubset: [], seconds: 0),
      count: workers)
    defer { partials.deallocate() }
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
      let out = ThreadSharedBuffer<Int16>(repeating: 0, count: 4 * n)
      defer { out.deallocate() }
      var partial = partials[worker]
      func record(_ i: Int, _ j: Int, best: Int16) {
        let g = Int(gram[i * n + j])
        let margin = g + squaredLength - Int(best)
        partial.subsets += 1
        if margin > 0 { partial.solvedSubsets += 1 }
        let value = cosine(margin, squaredLength: squaredLength, querySquared: 2 * squaredLength + 2 * g)
        if value < partial.smallestMargin {
          partial.smallestMargin = value
          partial.worstSubset = [i, j]
        }
      }
      // Blocks of four rows, dealt out in turn so that every worker gets long and short ones.
      for block in Swift.stride(from: worker, to: blocks, by: workers) {
        let rows = (4 * block)..<min(4 * block + 4, n)
        // Pairs inside the block, then with every later row.
        for i in rows {
          let partners = (i + 1)..<rows.upperBound
          limitfit_pair_maxima(masked.base, stride, i, 1, partners.lowerBound, partners.upperBound, out.base)
          for j in partners { record(i, j, best: out[j - partners.lowerBound]) }
        }
        let partners = rows.upperBound..<n
        guard !partners.isEmpty else { continue }
        limitfit_pair_maxima(masked.base, stride, rows.lowerBound, rows.count, partners.lowerBound, partners.upperBound, out.base)
        for (b, i) in rows.enumerated() {
          for j in partners { record(i, j, best: out[b * partners.count + j - partners.lowerBound]) }
        }
      }
      partials[worker] = partial
    }
    return merged((0..<workers).map { partials[$0] }, documents: n, k: 2)
  }

  /// Any k, in 32-bit arithmetic: the partial sums of each prefix of the set kept, the last
  /// index's row added and its maximum taken over the documents outside the set.
  static func subsets(_ gram: [Int32], count n: Int, k: Int, squaredLength: Int) -> SumQueryVerification {
    let workers = min(n, 8 * ProcessInfo.processInfo.activeProcessorCount)
    let partials = ThreadSharedBuffer<SumQueryVerification>(
      repeating: SumQueryVerification(
        documents: n, k: k, subsets: 0, solvedSubsets: 0, smallestMargin: .infinity, worstSubset: [], seconds: 0),
      count: workers)
    defer { partials.deallocate() }
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
      var partial = partials[worker]
      var set = [Int](repeating: 0, count: k)
      // sums[level] = Σ of the rows of set[0 ..< level].
      var sums = [[Int64]](repeating: [Int64](repeating: 0, count: n), count: k + 1)
      func descend(_ level: Int, from start: Int) {
        if level == k {
          // The best score outside the set: the gaps between its ascending members.
          var best = Int64.min
          let scores = sums[k]
          var gap = 0
          for r in set + [n] {
            for l in gap..<r { best = max(best, scores[l]) }
            gap = r + 1
          }
          var worst = Int64.max
          var querySquared: Int64 = 0
          for r in set {
            worst = min(worst, scores[r])
            querySquared += scores[r]
          }
          let margin = Int(worst - best)
          partial.subsets += 1
          if margin > 0 { partial.solvedSubsets += 1 }
          let value = cosine(margin, squaredLength: squaredLength, querySquared: Int(querySquared))
          if value < partial.smallestMargin {
            partial.smallestMargin = value
            partial.worstSubset = set
          }
          return
        }
        guard start < n - (k - level - 1) else { return }
        for index in start..<(n - (k - level - 1)) {
          if level == 0 && index % workers != worker { continue }
          set[level] = index
          for l in 0..<n { sums[level + 1][l] = sums[level][l] + Int64(gram[index * n + l]) }
          descend(level + 1, from: index + 1)
        }
      }
      descend(0, from: 0)
      partials[worker] = partial
    }
    return merged((0..<workers).map { partials[$0] }, documents: n, k: k)
  }

  /// The workers' partial results as one; the worst set is the first smallest margin in worker order.
  private static func merged(_ partials: [SumQueryVerification], documents: Int, k: Int) -> SumQueryVerification {
    var total = SumQueryVerification(
      documents: documents, k: k, subsets: 0, solvedSubsets: 0, smallestMargin: .infinity, worstSubset: [], seconds: 0)
    for partial in partials {
      total.subsets += partial.subsets
      total.solvedSubsets += partial.solvedSubsets
      if partial.smallestMargin < total.smallestMargin {
        total.smallestMargin = partial.smallestMargin
        total.worstSubset = partial.worstSubset
      }
    }
    return total
  }
}
