import Foundation

/// A polynomial c0 + c1 x + c2 x² + c3 x³.
public struct Cubic: Codable, Equatable, Sendable {
  /// c0, c1, c2, c3.
  public var coefficients: [Double]

  public init(coefficients: [Double]) {
    precondition(coefficients.count == 4, "a cubic has 4 coefficients")
    self.coefficients = coefficients
  }

  /// Each coefficient named by its power, `c0` to `c3`, so that a reader cannot take the
  /// order the wrong way round (numpy's `polyval` wants the highest power first).
  private enum CodingKeys: String, CodingKey, CaseIterable {
    case c0, c1, c2, c3
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    coefficients = try CodingKeys.allCases.map { try container.decode(Double.self, forKey: $0) }
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    for (key, value) in zip(CodingKeys.allCases, coefficients) { try container.encode(value, forKey: key) }
  }

  /// The value at x, by Horner's rule.
  public func callAsFunction(_ x: Double) -> Double {
    coefficients.reversed().reduce(0) { $0 * x + $1 }
  }

  /// A least-squares cubic: the cubic, its coefficient of determination r², and the standard
  /// error of each coefficient (ordinary least squares: σ̂² = RSS / (m − 4) times the diagonal
  /// of (XᵀX)⁻¹), `nil` with only four points, where nothing is left to estimate σ̂ from.
  public struct Fit: Sendable {
    public var cubic: Cubic
    public var rSquared: Double
    /// The standard errors of c0 … c3, as a cubic's coefficients.
    public var standardErrors: Cubic?
  }

  /// The least-squares cubic through `points`, with r² and the coefficients' standard errors.
  ///
  /// Solved by Householder QR on the Vandermonde matrix of x / max|x|, which keeps it well
  /// conditioned for x up to thousands; the coefficients are then scaled back.
  ///
  /// - Throws: `LimitFitError` with fewer than four distinct x.
  public static func leastSquares(_ points: [(x: Double, y: Double)]) throws -> Fit {
    let distinct = Set(points.map(\.x)).count
    guard distinct >= 4 else {
      throw LimitFitError("a cubic needs at least 4 distinct dimensions; there are \(distinct)")
    }
    let scale = points.map { abs($0.x) }.max() ?? 1
    // A is m × 4, column-major; b is m.
    let m = points.count
    var a = [[Double]](repeating: [Double](repeating: 0, count: m), count: 4)
    for (row, point) in points.enumerated() {
      let x = point.x / scale
      for power in 0..<4 { a[power][row] = Foundation.pow(x, Double(power)) }
    }
    var b = points.map(\.y)

    // Householder QR: reflect column j below the diagonal to zero, applying to A and b.
    for j in 0..<4 {
      let norm = (j..<m).reduce(0) { $0 + a[j][$1] * a[j][$1] }.squareRoot()
      let alpha = a[j][j] > 0 ? -norm : norm
      var v = [Double](repeating: 0, count: m)
      v[j] = a[j][j] - alpha
      for row in (j + 1)..<m { v[row] = a[j][row] }
      let vNorm = (j..<m).reduce(0) { $0 + v[$1] * v[$1] }
      guard vNorm > 0 else { continue }
      func reflect(_ column: inout [Double]) {
        let projection = (j..<m).reduce(0) { $0 + v[$1] * column[$1] } * 2 / vNorm
        for row in j..<m { column[row] -= projection * v[row] }
      }
      for column in j..<4 { reflect(&a[column]) }
      reflect(&b)
    }
    // Back substitution R c = Qᵀb.
    var scaled = [Double](repeating: 0, count: 4)
    for j in stride(from: 3, through: 0, by: -1) {
      let known = ((j + 1)..<4).reduce(0) { $0 + a[$1][j] * scaled[$1] }
      scaled[j] = (b[j] - known) / a[j][j]
    }
    let cubic = Cubic(coefficients: (0..<4).map { scaled[$0] / Foundation.pow(scale, Double($0)) })

    let mean = points.map(\.y).reduce(0, +) / Double(m)
    let residual = points.reduce(0) { $0 + ($1.y - cubic($1.x)) * ($1.y - cubic($1.x)) }
    let total = points.reduce(0) { $0 + ($1.y - mean) * ($1.y - mean) }
    let rSquared = total > 0 ? 1 - residual / total : (residual == 0 ? 1 : 0)
    guard m > 4 else { return Fit(cubic: cubic, rSquared: rSquared, standardErrors: nil) }
    // (XᵀX)⁻¹ = R⁻¹R⁻ᵀ: the variance of scaled coefficient j is σ̂² Σ_l (R⁻¹)_jl².
    var inverse = [[Double]](repeating: [Double](repeating: 0, count: 4), count: 4)  // inverse[row][column]
    for column in 0..<4 {
      inverse[column][column] = 1 / a[column][column]
      for row in stride(from: column - 1, through: 0, by: -1) {
        let sum = ((row + 1)...column).reduce(0) { $0 + a[$1][row] * inverse[$1][column] }
        inverse[row][column] = -sum / a[row][row]
      }
    }
    let variance = residual / Double(m - 4)
    let errors = (0..<4).map { j in
      (variance * inverse[j].reduce(0) { $0 + $1 * $1 }).squareRoot() / Foundation.pow(scale, Double(j))
    }
    return Fit(cubic: cubic, rSquared: rSquared, standardErrors: Cubic(coefficients: errors))
  }
}
