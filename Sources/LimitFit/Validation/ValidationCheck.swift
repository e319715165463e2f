/// One comparison of a backend with the CPU reference in double precision.
public struct ValidationCheck: Sendable {
  /// What was compared, and on which problem.
  public var name: String
  /// max |observed − expected| over the compared values.
  public var maximumAbsoluteError: Double
  /// max |observed − expected| / max |expected|: the error relative to the values' scale.
  public var relativeError: Double
  /// The largest relative error that passes (0 for counts, which must match exactly).
  public var tolerance: Double
  /// The position of the largest error among the compared values (0 when none).
  public var worstIndex: Int
  /// The share of the compared values whose error, relative to the scale, exceeds the
  /// tolerance: one bad element, or a systematic error.
  public var errorRate: Double

  /// Whether the check passed.
  public var passed: Bool { relativeError <= tolerance }

  /// Compares `observed` with `expected`, element by element.
  public init<Observed: BinaryFloatingPoint, Expected: BinaryFloatingPoint>(
    _ name: String, observed: [Observed], expected: [Expected], tolerance: Double
  ) {
    precondition(observed.count == expected.count, "\(name): \(observed.count) values against \(expected.count)")
    self.name = name
    // NaN compares false: count it as an infinite error.
    let differences = zip(observed, expected).map { a, b in
      let difference = abs(Double(a) - Double(b))
      return difference.isNaN ? Double.infinity : difference
    }
    let scale = expected.reduce(0.0) { max($0, abs(Double($1))) }
    let worstIndex = differences.indices.max { differences[$0] < differences[$1] } ?? 0
    let worst = differences.isEmpty ? 0 : differences[worstIndex]
    maximumAbsoluteError = worst
    relativeError = worst == 0 ? 0 : worst / max(scale, .leastNormalMagnitude)
    self.tolerance = tolerance
    self.worstIndex = worstIndex
    let allowed = tolerance * max(scale, .leastNormalMagnitude)
    errorRate = differences.isEmpty ? 0 : Double(differences.filter { $0 > allowed }.count) / Double(differences.count)
  }

  /// Compares counts or flags, which must be equal.
  public init(_ name: String, observed: [Int], expected: [Int]) {
    self.init(name, observed: observed.map(Double.init), expected: expected.map(Double.init), tolerance: 0)
  }
}

