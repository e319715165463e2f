import Foundation

/// Which value of a dimension's seeds the cubic is fitted to (docs/MATHEMATICS.md §2).
public enum SeedAggregate: String, Codable, CaseIterable, Sendable {
  /// The critical-n: the largest n some seed solved — a solution exists (the paper's).
  case max
  /// The mean of the seeds' own critical-n.
  case mean
  /// The median of the seeds' own critical-n.
  case median
}

/// critical-n against d: the measured points, a least-squares cubic through them, and its
/// extrapolation beside the paper's (Weller et al. 2025, §4 and Figure 2).
public struct Curve: Codable, Sendable {
  /// One measured dimension.
  public struct Point: Codable, Sendable {
    public var dimension: Int
    /// The largest n some seed solved among every n fitted (docs/MATHEMATICS.md §2); `nil`
    /// when none was.
    public var criticalN: Int?
    /// Where the gallop and the bisection stopped (the paper's script's answer); below
    /// `criticalN` when the sweep solved a larger n.
    public var searchAnswer: Int?
    /// Per seed, the largest n that seed solved (`nil`: none of the n fitted), where the
    /// search recorded it.
    public var criticalNBySeed: [Int?]?
    /// The seeds' own critical-n, one per seed, a seed that solved none of the n fitted
    /// counted as not solving the smallest: that n − 1. `nil` without a critical-n or
    /// without the record of the seeds.
    public var seedValues: [Int]?
    /// Their mean, sample standard deviation (`nil` for one seed) and median.
    public var seedMean: Double?
    public var seedStandardDeviation: Double?
    public var seedMedian: Double?
    /// Every n fitted and whether some seed solved it.
    public var tested: [Int]
    public var solved: [Bool]

    init(_ search: CriticalNSummary) {
      dimension = search.dimension
      criticalN = search.criticalN
      searchAnswer = search.searchAnswer
      criticalNBySeed = search.criticalNBySeed
      tested = search.tested
      solved = search.solved
      guard criticalN != nil, let bySeed = search.criticalNBySeed, let smallest = search.tested.min() else { return }
      let values = bySeed.map { $0 ?? smallest - 1 }
      seedValues = values
      let count = Double(values.count)
      let mean = Double(values.reduce(0, +)) / count
      seedMean = mean
      if values.count > 1 {
        seedStandardDeviation = (values.reduce(0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / (count - 1)).squareRoot()
      }
      let sorted = values.sorted()
      seedMedian = Double(sorted[(sorted.count - 1) / 2] + sorted[sorted.count / 2]) / 2
    }

    /// The value the cubic is fitted to under `aggregate`; `nil` without a critical-n.
    public func value(_ aggregate: SeedAggregate) -> Double? {
      switch aggregate {
      case .max: criticalN.map(Double.init)
      case .mean: seedMean ?? criticalN.map(Double.init)
      case .median: seedMedian ?? criticalN.map(Double.init)
      }
    }
  }

  /// One extrapolated dimension.
  public struct Extrapolation: Codable, Sendable {
    public var dimension: Int
    /// The fitted cubic's value.
    public var fitted: Double?
    /// The paper's cubic's value.
    public var paperCubic: Double
    /// The value the paper reports.
    public var paperReported: Double
  }

  public var k: Int
  public var seeds: [UInt64]
  /// The settings of every fit, but for the seed.
  public var hyperparameters: Hyperparameters
  public var points: [Point]
  /// Which of each dimension's seed values the cubic is fitted to.
  public var aggregate: SeedAggregate
  /// The least-squares cubic through the points, when there are at least four.
  public var cubic: Cubic?
  public var rSquared: Double?
  /// The standard errors of the cubic's coefficients, when there are more than four points.
  public var cubicStandardErrors: Cubic?
  public var paperCubic: Cubic = LimitFit.paperCubic
  public var extrapolations: [Extrapolation]

  /// What `capacity` proves in a measured dimension, with vectors in one precision: what
  /// exists, beside what the optimiser reaches.
  public struct ProvedLimit: Codable, Sendable {
    public var precision: StoragePrecision
    public var dimension: Int
    /// n; nil past 2^53.
    public var documents: Int?
    public var log10Documents: Double
    public var proof: CapacityProof
    public var construction: String

    /// n as a double (exact below 2^53).
    var count: Double { documents.map(Double.init) ?? Foundation.pow(10, log10Documents) }
  }

  public var proved: [ProvedLimit] = []

  /// Adds what `capacity` proves for the curve's k in `precisions`, for every measured
  /// dimension (k ≤ 5), checking at most `maximumChecked` documents exhaustively.
  public mutating func addProvedLimits(_ precisions: [StoragePrecision], k: Int, maximumChecked: Int = 1024) throws {
    guard CapacityAnalysis.kRange.contains(k) else { return }
    for precision in precisions {
      let analysis = try CapacityAnalysis(
        k: k, precision: precision, maximumChecked: min(maximumChecked, CapacityAnalysis.checkLimit(k: k)))
      let momentCurve = try precision.floatingPoint.flatMap { floatingPoint in
        k == 2 && points.contains { $0.dimension >= 4 }
          ? try MomentCurveLimit.find(precision: floatingPoint, maximumDocuments: analysis.maximumChecked) : nil
      }
      for point in points {
        let (answer, _) = try analysis.answer(dimension: point.dimension, momentCurve: point.dimension >= 4 ? momentCurve : nil)
        proved.append(ProvedLimit(
          precision: precision, dimension: point.dimension, documents: answer.documents,
          log10Documents: answer.log10Documents, proof: answer.proof, construction: answer.construction))
      }
    }
  }

  /// The precisions with proved limits, in `StoragePrecision`'s order: a column each.
  var provedPrecisions: [StoragePrecision] {
    StoragePrecision.allCases.filter { precision in proved.contains { $0.precision == precision } }
  }

  /// What `capacity` proves in `dimension` with vectors in `precision`, where it was asked.
  func provedLimit(_ precision: StoragePrecision, _ dimension: Int) -> ProvedLimit? {
    proved.first { $0.precision == precision && $0.dimension == dimension }
  }

  /// A proved count for a table: exact below 2^53, else its power of ten.
  static func formatted(_ limit: ProvedLimit) -> String {
    limit.documents.map(String.init) ?? String(format: "%.3g", limit.count)
  }

  /// The dimensions the paper extrapolates to, and the critical-n it reports there.
  public static let paperExtrapolations: [(dimension: Int, reported: Double)] = [
    (512, 500_000), (768, 1_700_000), (1024, 4_000_000), (3072, 107_000_000), (4096, 250_000_000),
  ]

  /// The curve of `searches`, one per dimension, all with the same k, seeds and settings, its
  /// cubic fitted to each dimension's `aggregate`, with what `capacity` proves in every
  /// measured dimension with vectors in each of `provedIn` (`addProvedLimits(_:k:maximumChecked:)`).
  public init(searches: [CriticalNSummary], aggregate: SeedAggregate = .max, provedIn precisions: [StoragePrecision] = []) throws {
    guard let first = searches.first else { throw LimitFitError("there are no searches to fit") }
    k = first.k
    seeds = first.seeds
    hyperparameters = first.hyperparameters
    hyperparameters.seed = first.seeds.first ?? 0
    self.aggregate = aggregate
    points = searches.sorted { $0.dimension < $1.dimension }.map(Point.init)
    let measured = points.compactMap { point in point.value(aggregate).map { (x: Double(point.dimension), y: $0) } }
    if Set(measured.map(\.x)).count >= 4 {
      let fit = try Cubic.leastSquares(measured)
      cubic = fit.cubic
      rSquared = fit.rSquared
      cubicStandardErrors = fit.standardErrors
    }
    extrapolations = Self.paperExtrapolations.map { [cubic] dimension, reported in
      Extrapolation(
        dimension: dimension, fitted: cubic?(Double(dimension)),
        paperCubic: LimitFit.paperCubic(Double(dimension)), paperReported: reported)
    }
    try addProvedLimits(precisions, k: k)
  }

  // MARK: Text

  /// Whether some dimension's sweep solved a larger n than its search's answer.
  private var anySearchBelow: Bool { points.contains { $0.searchAnswer != $0.criticalN } }

  /// The seeds whose own critical-n the table lists, a column each: up to 10 of them.
  private var seedColumns: [UInt64] { seeds.count > 1 && seeds.count <= 10 ? seeds : [] }

  /// The table d → critical-n (with the search's answer where the sweep solved more, and the
  /// seeds' own values, mean ± sd and median for several seeds), the cubic with its standard
  /// errors, and the extrapolations, for a terminal.
  public var summary: String {
    let several = seeds.count > 1
    var header = "    d  critical-n"
    if anySearchBelow { header += "  search" }
    header += seedColumns.map { "  seed \($0)".leftPadded(to: 9) }.joined()
    if several { header += "     mean ± sd  median" }
    header += "  paper's cubic" + provedPrecisions.map { "  proved \($0.rawValue)".leftPadded(to: 17) }.joined()
    var lines = [header]
    for point in points {
      var line = "\(String(point.dimension).leftPadded(to: 5))  \((point.criticalN.map(String.init) ?? "none").leftPadded(to: 10))"
      if anySearchBelow { line += "  " + (point.searchAnswer.map(String.init) ?? "none").leftPadded(to: 6) }
      line += seedColumns.indices.map { seed in
        "  " + (point.seedValues.map { String($0[seed]) } ?? "-").leftPadded(to: 7)
      }.joined()
      if several {
        let spread = point.seedMean.map { mean in
          String(format: "%.1f", mean) + " ± " + (point.seedStandardDeviation.map { String(format: "%.1f", $0) } ?? "-")
        }
        line += "  " + (spread ?? "-").leftPadded(to: 12) + "  " + (point.seedMedian.map { String(format: "%.1f", $0) } ?? "-").leftPadded(to: 6)
      }
      line += "  " + String(format: "%13.1f", LimitFit.paperCubic(Double(point.dimension)))
      line += provedPrecisions.map { precision in
        (provedLimit(precision, point.dimension).map(Self.formatted) ?? "-").leftPadded(to: 17)
      }.joined()
      lines.append(line)
    }
    if anySearchBelow {
      lines.append("search: where the gallop and the bisection stopped (the paper's script's answer); the sweep solved more")
    }
    if several {
      lines.append(
        "seeds: each seed's largest n solved, one that solved none of the n fitted counted as the smallest of them − 1; "
          + "critical-n is their largest")
    }
    if let cubic, let rSquared {
      let c = cubic.coefficients
      let through = aggregate == .max ? "" : " through the seeds' \(aggregate.rawValue)"
      lines.append(String(
        format: "least-squares cubic%@: critical-n ≈ %.4f %+.4f d %+.4f d² %+.4f d³  (r² = %.4f)",
        through, c[0], c[1], c[2], c[3], rSquared))
      if let errors = cubicStandardErrors?.coefficients {
        let count = points.filter { $0.value(aggregate) != nil }.count
        lines.append(String(
          format: "standard errors: c0 ± %.4f, c1 ± %.4f, c2 ± %.4f, c3 ± %.4f  (%d points, %d degrees of freedom)",
          errors[0], errors[1], errors[2], errors[3], count, count - 4))
      }
    } else {
      lines.append("no cubic: it needs at least 4 dimensions with a critical-n")
    }
    lines.append("paper's cubic:       critical-n ≈ -10.5322 +4.0309 d +0.0520 d² +0.0037 d³  (r² = 0.999)")
    lines.append("    d        fitted   paper's cubic  paper reports")
    for row in extrapolations {
      lines.append(
        "\(String(row.dimension).leftPadded(to: 5))  \(Self.abbreviated(row.fitted).leftPadded(to: 12))"
          + "  \(Self.abbreviated(row.paperCubic).leftPadded(to: 14))  \(Self.abbreviated(row.paperReported).leftPadded(to: 13))")
    }
    if extrapolations.contains(where: { ($0.fitted ?? 0) < 0 }) {
      lines.append("negative: the fitted cubic falls below zero there (no number of documents); curve.json keeps its values")
    }
    return lines.joined(separator: "\n")
  }

  /// A count of documents as the paper writes them: 1 234 567 as "1.23m", 500 000 as "500k",
  /// 1.62 · 10⁹ as "1.62b", 3 · 10¹² as "3t"; below 10 000 in full; below zero, "negative": no
  /// number of documents. Three significant digits, rounded before the unit is chosen, so that
  /// 999 999 is "1m", not "1e+03k".
  public static func abbreviated(_ value: Double?) -> String {
    guard let value else { return "-" }
    guard value >= 0 else { return "negative" }
    guard value >= 1e4 else { return String(format: "%.0f", value) }
    let rounded = Double(String(format: "%.3g", value)) ?? value
    let units: [(Double, String)] = [(1e12, "t"), (1e9, "b"), (1e6, "m"), (1e3, "k")]
    guard let (scale, unit) = units.first(where: { rounded >= $0.0 }), rounded < 1e15 else {
      return String(format: "%.3g", value)
    }
    return String(format: "%.3g", rounded / scale) + unit
  }
}
