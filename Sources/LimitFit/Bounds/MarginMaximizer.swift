/// Chooses a query's unit vector to maximise its smallest margin over fixed points: the
/// smallest score of a relevant point less the largest score of any other.
///
/// That is a hard-margin support-vector machine through the origin on the differences
/// x_s − x_j (s relevant, j not): minimise ½|w|² subject to (x_s − x_j)·w ≥ 1, whose solution,
/// scaled to unit length, has the largest smallest margin, 1/|w|. It is solved by dual
/// coordinate ascent (Hsieh et al., ICML 2008) on a working set of differences, grown with the
/// most violated ones until none is left: the points that matter are few (the closest rivals).
struct MarginMaximizer {
  /// The points, p × d, row-major.
  let points: [Double]
  let dimension: Int
  private var isRelevant: [Bool]
  private var scores: [Double]

  init(points: [Double], dimension: Int) {
    self.points = points
    self.dimension = dimension
    isRelevant = [Bool](repeating: false, count: points.count / dimension)
    scores = [Double](repeating: 0, count: points.count / dimension)
  }

  /// The unit query with the larger smallest margin of two: `start` (a direction known to
  /// separate `relevant` from the other points) scaled to unit length, and the
  /// support-vector solution.
  mutating func bestQuery(relevant: [Int], start: [Double]) -> [Double] {
    for point in relevant { isRelevant[point] = true }
    defer { for point in relevant { isRelevant[point] = false } }
    // Relevant to every point, any unit vector will do (and the start may be zero).
    guard isRelevant.contains(false) else { return [1] + [Double](repeating: 0, count: dimension - 1) }
    let initial = Self.unit(start)
    let initialMargin = margin(of: initial)
    guard let solved = supportVectorQuery(relevant: relevant, start: initial) else { return initial }
    return margin(of: solved) > initialMargin ? solved : initial
  }

  /// The smallest relevant score less the largest other score of unit vector `q`.
  private mutating func margin(of q: [Double]) -> Double {
    score(q)
    var worstRelevant = Double.infinity
    var bestOther = -Double.infinity
    for (point, s) in scores.enumerated() {
      if isRelevant[point] { worstRelevant = min(worstRelevant, s) } else { bestOther = max(bestOther, s) }
    }
    return worstRelevant - bestOther
  }

  private mutating func score(_ q: [Double]) {
    for point in scores.indices {
      var sum = 0.0
      for c in 0..<dimension { sum += q[c] * points[point * dimension + c] }
      scores[point] = sum
    }
  }

  /// The support-vector solution scaled to unit length; `nil` if it did not converge to a
  /// finite vector.
  private mutating func supportVectorQuery(relevant: [Int], start: [Double]) -> [Double]? {
    let d = dimension
    let rivalsPerRound = 2 * d + 2
    // The working set: (relevant point, other point) pairs with their dual variables.
    var pairs: [(s: Int, j: Int, alpha: Double, squaredNorm: Double)] = []
    var inWorkingSet = Set<Int>()
    var w = [Double](repeating: 0, count: d)
    func addRivals(scoredBy q: [Double], threshold: (Double) -> Bool) -> Bool {
      score(q)
      let rivals = scores.indices.filter { !isRelevant[$0] && threshold(scores[$0]) && !inWorkingSet.contains($0) }
        .sorted { scores[$0] > scores[$1] }.prefix(rivalsPerRound)
      for j in rivals {
        inWorkingSet.insert(j)
        for s in relevant {
          var squaredNorm = 0.0
          for c in 0..<d {
            let difference = points[s * d + c] - points[j * d + c]
            squaredNorm += difference * difference
          }
          pairs.append((s, j, 0, squaredNorm))
        }
      }
      return !rivals.isEmpty
    }
    _ = addRivals(scoredBy: start) { _ in true }
    for _ in 0..<20 {
      // Coordinate ascent on the working set until no dual variable moves noticeably.
      for _ in 0..<1000 {
        var largestStep = 0.0
        for index in pairs.indices where pairs[index].squaredNorm > 0 {
          let (s, j, alpha, squaredNorm) = pairs[index]
          var value = 0.0
          for c in 0..<d { value += w[c] * (points[s * d + c] - points[j * d + c]) }
          let updated = max(0, alpha + (1 - value) / squaredNorm)
          let step = updated - alpha
          guard step != 0 else { continue }
          for c in 0..<d { w[c] += step * (points[s * d + c] - points[j * d + c]) }
          pairs[index].alpha = updated
          largestStep = max(largestStep, abs(step) * squaredNorm.squareRoot())
        }
        if largestStep < 1e-12 { break }
      }
      guard w.allSatisfy(\.isFinite) else { return nil }
      // Other points whose difference constraint is violated join the working set.
      score(w)
      let worstRelevant = relevant.map { scores[$0] }.min() ?? 0
      guard addRivals(scoredBy: w, threshold: { worstRelevant - $0 < 1 - 1e-9 }) else { break }
    }
    let unitW = Self.unit(w)
    return unitW.allSatisfy(\.isFinite) ? unitW : nil
  }

  static func unit(_ v: [Double]) -> [Double] {
    let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
    return v.map { $0 / norm }
  }
}
