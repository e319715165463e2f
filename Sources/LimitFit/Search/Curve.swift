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

  private var provedPrecisions: [StoragePrecision] {
    StoragePrecision.allCases.filter { precision in proved.contains { $0.precision == precision } }
  }

  private func provedLimit(_ precision: StoragePrecision, _ dimension: Int) -> ProvedLimit? {
    proved.first { $0.precision == precision && $0.dimension == dimension }
  }

  /// A proved count for a table: exact below 2^53, else its power of ten.
  private static func formatted(_ limit: ProvedLimit) -> String {
    limit.documents.map(String.init) ?? String(format: "%.3g", limit.count)
  }

  /// The dimensions the paper extrapolates to, and the critical-n it reports there.
  public static let paperExtrapolations: [(dimension: Int, reported: Double)] = [
    (512, 500_000), (768, 1_700_000), (1024, 4_000_000), (3072, 107_000_000), (4096, 250_000_000),
  ]

  /// The curve of `searches`, one per dimension, all with the same k, seeds and settings, its
  /// cubic fitted to each dimension's `aggregate`.
  public init(searches: [CriticalNSummary], aggregate: SeedAggregate = .max) throws {
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
    header += seedColumns.map { "  seed \($0)".leftPadded(9) }.joined()
    if several { header += "     mean ± sd  median" }
    header += "  paper's cubic" + provedPrecisions.map { "  proved \($0.rawValue)".leftPadded(17) }.joined()
    var lines = [header]
    for point in points {
      var line = "\(String(point.dimension).leftPadded(5))  \((point.criticalN.map(String.init) ?? "none").leftPadded(10))"
      if anySearchBelow { line += "  " + (point.searchAnswer.map(String.init) ?? "none").leftPadded(6) }
      line += seedColumns.indices.map { seed in
        "  " + (point.seedValues.map { String($0[seed]) } ?? "-").leftPadded(7)
      }.joined()
      if several {
        let spread = point.seedMean.map { mean in
          String(format: "%.1f", mean) + " ± " + (point.seedStandardDeviation.map { String(format: "%.1f", $0) } ?? "-")
        }
        line += "  " + (spread ?? "-").leftPadded(12) + "  " + (point.seedMedian.map { String(format: "%.1f", $0) } ?? "-").leftPadded(6)
      }
      line += "  " + String(format: "%13.1f", LimitFit.paperCubic(Double(point.dimension)))
      line += provedPrecisions.map { precision in
        (provedLimit(precision, point.dimension).map(Self.formatted) ?? "-").leftPadded(17)
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
        "\(String(row.dimension).leftPadded(5))  \(Self.abbreviated(row.fitted).leftPadded(12))"
          + "  \(Self.abbreviated(row.paperCubic).leftPadded(14))  \(Self.abbreviated(row.paperReported).leftPadded(13))")
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

  /// One line per dimension — dimension, criticalN, searchAnswer, with several seeds each
  /// seed's own value (criticalNSeed42, …) and seedMean, seedStandardDeviation, seedMedian,
  /// then paperCubic (and provedFloat32, … where `capacity`'s answers were asked for) —
  /// the columns named as curve.json names them.
  public var csv: String {
    let several = seeds.count > 1
    var header = "dimension,criticalN,searchAnswer"
    if several { header += seeds.map { ",criticalNSeed\($0)" }.joined() + ",seedMean,seedStandardDeviation,seedMedian" }
    header += ",paperCubic"
      + provedPrecisions.map { ",proved" + $0.rawValue.prefix(1).uppercased() + $0.rawValue.dropFirst() }.joined()
    func number(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "" }
    return ([header] + points.map { point in
      var line = "\(point.dimension),\(point.criticalN.map(String.init) ?? ""),\(point.searchAnswer.map(String.init) ?? "")"
      if several {
        line += seeds.indices.map { seed in "," + (point.seedValues.map { String($0[seed]) } ?? "") }.joined()
        line += "," + [point.seedMean, point.seedStandardDeviation, point.seedMedian].map(number).joined(separator: ",")
      }
      return line + "," + String(format: "%.4f", LimitFit.paperCubic(Double(point.dimension)))
        + provedPrecisions.map { "," + (provedLimit($0, point.dimension).map(Self.formatted) ?? "") }.joined()
    }).joined(separator: "\n") + "\n"
  }

  /// The curve as JSON.
  public func json() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return try encoder.encode(self) + Data("\n".utf8)
  }

  // MARK: Plot

  /// The plot as SVG: the measured points (with the seeds' spread as error bars when there are
  /// several seeds), the fitted cubic, the paper's cubic dashed, labelled axes, and r² in the
  /// legend; on a logarithmic y-axis from 1 when `logarithmicY`.
  public func svg(logarithmicY: Bool = false) -> String {
    let width = 720.0
    let height = 460.0
    let (left, right, top, bottom) = (80.0, 20.0, 40.0, 60.0)
    let dimensions = points.map { Double($0.dimension) }
    let xLow = dimensions.min() ?? 0
    let xHigh = max(dimensions.max() ?? 1, xLow + 1)
    let samples = Array(stride(from: xLow, through: xHigh, by: (xHigh - xLow) / 100))
    let curveValues: [Double] = samples.flatMap { (d: Double) -> [Double] in
      [LimitFit.paperCubic(d), cubic.map { $0(d) } ?? 0]
    }
    let measuredValues: [Double] = points.compactMap { $0.value(aggregate) }
      + proved.map(\.count)
    let largest = max(2, (measuredValues + curveValues).max() ?? 2)
    // The y-axis runs from 0 to a little above the largest value, or on a logarithmic scale
    // from 1 to the power of ten above it.
    let (yLow, yHigh) = logarithmicY
      ? (1.0, Foundation.pow(10, (Foundation.log10(largest * 1.1)).rounded(.up)))
      : (0.0, largest * 1.08)
    func scaled(_ value: Double) -> Double {
      logarithmicY ? Foundation.log10(value / yLow) / Foundation.log10(yHigh / yLow) : (value - yLow) / (yHigh - yLow)
    }
    func x(_ value: Double) -> Double { left + (value - xLow) / (xHigh - xLow) * (width - left - right) }
    func y(_ value: Double) -> Double { height - bottom - scaled(value) * (height - top - bottom) }
    // The parts of a curve inside the frame, yLow ≤ value ≤ yHigh, as polylines: where the
    // curve leaves the frame it is cut at the edge (between samples, by linear interpolation),
    // not drawn along it — the paper's cubic is negative below d ≈ 2.5.
    func polylines(_ f: (Double) -> Double, style: String) -> [String] {
      var runs: [[(d: Double, value: Double)]] = [[]]
      var previous: (d: Double, value: Double)?
      for d in samples {
        let value = f(d)
        let inside = (yLow...yHigh).contains(value)
        if let previous, (yLow...yHigh).contains(previous.value) != inside {
          let edge = min(value, previous.value) < yLow ? yLow : yHigh
          let t = (edge - previous.value) / (value - previous.value)
          runs[runs.count - 1].append((previous.d + t * (d - previous.d), edge))
          if !inside { runs.append([]) }
        }
        if inside { runs[runs.count - 1].append((d, value)) }
        previous = (d, value)
      }
      return runs.filter { $0.count >= 2 }.map { run in
        let points = run.map { String(format: "%.1f,%.1f", x($0.d), y($0.value)) }.joined(separator: " ")
        return ##"<polyline fill="none" \##(style) points="\##(points)"/>"##
      }
    }

    var svg = [
      ##"<?xml version="1.0" encoding="UTF-8"?>"##,
      ##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(Int(width))" height="\##(Int(height))" viewBox="0 0 \##(Int(width)) \##(Int(height))" font-family="sans-serif" font-size="13">"##,
      ##"<rect width="100%" height="100%" fill="white"/>"##,
      ##"<text x="\##(width / 2)" y="24" text-anchor="middle" font-size="15">Free-embedding critical-n, k = \##(k)</text>"##,
      // Axes.
      ##"<line x1="\##(left)" y1="\##(height - bottom)" x2="\##(width - right)" y2="\##(height - bottom)" stroke="black"/>"##,
      ##"<line x1="\##(left)" y1="\##(top)" x2="\##(left)" y2="\##(height - bottom)" stroke="black"/>"##,
      ##"<text x="\##((left + width - right) / 2)" y="\##(height - 18)" text-anchor="middle">embedding dimension d</text>"##,
      ##"<text transform="translate(22 \##((top + height - bottom) / 2)) rotate(-90)" text-anchor="middle">critical-n (documents\##(logarithmicY ? ", log scale" : ""))</text>"##,
    ]
    for tick in Self.ticks(from: xLow, to: xHigh) {
      svg.append(##"<line x1="\##(x(tick))" y1="\##(height - bottom)" x2="\##(x(tick))" y2="\##(height - bottom + 5)" stroke="black"/>"##)
      svg.append(##"<text x="\##(x(tick))" y="\##(height - bottom + 20)" text-anchor="middle">\##(Self.label(tick))</text>"##)
    }
    let yTicks = logarithmicY
      ? (0...Int(Foundation.log10(yHigh))).map { Foundation.pow(10, Double($0)) }
      : Self.ticks(from: 0, to: yHigh)
    for tick in yTicks {
      svg.append(##"<line x1="\##(left - 5)" y1="\##(y(tick))" x2="\##(left)" y2="\##(y(tick))" stroke="black"/>"##)
      svg.append(##"<text x="\##(left - 8)" y="\##(y(tick) + 4)" text-anchor="end">\##(Self.label(tick))</text>"##)
    }
    // Curves, then points on top.
    svg += polylines({ LimitFit.paperCubic($0) }, style: ##"stroke="gray" stroke-width="1.5" stroke-dasharray="6 4""##)
    if let cubic {
      svg += polylines({ cubic($0) }, style: ##"stroke="#1f77b4" stroke-width="2""##)
    }
    let provedColors = ["#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf"]
    for (index, precision) in provedPrecisions.enumerated() {
      let limits = proved.filter { $0.precision == precision }.sorted { $0.dimension < $1.dimension }
      let line = limits.map { String(format: "%.1f,%.1f", x(Double($0.dimension)), y($0.count)) }.joined(separator: " ")
      svg.append(##"<polyline fill="none" stroke="\##(provedColors[index % 5])" stroke-width="1.5" points="\##(line)"/>"##)
      for limit in limits {
        svg.append(##"<rect x="\##(x(Double(limit.dimension)) - 3)" y="\##(y(limit.count) - 3)" width="6" height="6" fill="\##(provedColors[index % 5])"><title>d = \##(limit.dimension): n = \##(Self.formatted(limit)) proved (\##(limit.proof.rawValue); \##(limit.construction), \##(precision.rawValue))</title></rect>"##)
      }
    }
    // The seeds' spread: a bar from the least to the largest of the seeds' own critical-n.
    for point in points where seeds.count > 1 {
      guard let values = point.seedValues, let low = values.min(), let high = values.max(), low < high else { continue }
      let (centre, top, bottom) = (x(Double(point.dimension)), y(Double(high)), y(Double(max(Double(low), yLow))))
      svg += [
        ##"<line x1="\##(centre)" y1="\##(top)" x2="\##(centre)" y2="\##(bottom)" stroke="#d62728" stroke-width="1.2"><title>d = \##(point.dimension): the seeds' own critical-n span \##(low) … \##(high)</title></line>"##,
        ##"<line x1="\##(centre - 4)" y1="\##(top)" x2="\##(centre + 4)" y2="\##(top)" stroke="#d62728" stroke-width="1.2"/>"##,
        ##"<line x1="\##(centre - 4)" y1="\##(bottom)" x2="\##(centre + 4)" y2="\##(bottom)" stroke="#d62728" stroke-width="1.2"/>"##,
      ]
    }
    for point in points {
      guard let value = point.value(aggregate) else { continue }
      let label = aggregate == .max ? "critical-n = \(Int(value))" : "the seeds' \(aggregate.rawValue) = " + String(format: "%.1f", value)
      svg.append(##"<circle cx="\##(x(Double(point.dimension)))" cy="\##(y(value))" r="4" fill="#d62728"><title>d = \##(point.dimension): \##(label)</title></circle>"##)
    }
    // Legend.
    let legendX = left + 20
    // Below the construction's lines, which run along the top, when they are drawn.
    let legendTop = proved.isEmpty ? top : top + 0.3 * (height - top - bottom)
    let fitted = rSquared.map { String(format: "least-squares cubic (r² = %.4f)", $0) } ?? "no cubic (fewer than 4 dimensions)"
    let measured = seeds.count == 1
      ? "measured critical-n (1 seed)"
      : (aggregate == .max ? "measured critical-n (\(seeds.count) seeds: any solves" : "the \(seeds.count) seeds' \(aggregate.rawValue) (")
        + "; bars span single seeds)"
    svg += [
      ##"<circle cx="\##(legendX)" cy="\##(legendTop + 12)" r="4" fill="#d62728"/>"##,
      ##"<text x="\##(legendX + 14)" y="\##(legendTop + 16)">\##(measured)</text>"##,
      ##"<line x1="\##(legendX - 8)" y1="\##(legendTop + 32)" x2="\##(legendX + 8)" y2="\##(legendTop + 32)" stroke="#1f77b4" stroke-width="2"/>"##,
      ##"<text x="\##(legendX + 14)" y="\##(legendTop + 36)">\##(fitted)</text>"##,
      ##"<line x1="\##(legendX - 8)" y1="\##(legendTop + 52)" x2="\##(legendX + 8)" y2="\##(legendTop + 52)" stroke="gray" stroke-width="1.5" stroke-dasharray="6 4"/>"##,
      ##"<text x="\##(legendX + 14)" y="\##(legendTop + 56)">paper's cubic (Weller et al. 2025, r² = 0.999)</text>"##,
    ]
    for (index, precision) in provedPrecisions.enumerated() {
      let row = legendTop + 72 + 20 * Double(index)
      svg += [
        ##"<rect x="\##(legendX - 3)" y="\##(row - 3)" width="6" height="6" fill="\##(provedColors[index % 5])"/>"##,
        ##"<text x="\##(legendX + 14)" y="\##(row + 4)">what exists (proved), \##(precision.rawValue) vectors: limitfit capacity</text>"##,
      ]
    }
    svg += [
      "</svg>",
    ]
    return svg.joined(separator: "\n") + "\n"
  }

  /// About five round tick values between `low` and `high`.
  static func ticks(from low: Double, to high: Double) -> [Double] {
    let raw = (high - low) / 5
    let magnitude = Foundation.pow(10, (Foundation.log10(raw)).rounded(.down))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
    return stride(from: (low / step).rounded(.up) * step, through: high, by: step).map { $0 }
  }

  static func label(_ value: Double) -> String {
    value == value.rounded() ? String(Int(value)) : String(format: "%g", value)
  }
}

extension String {
  /// The string right-aligned in `width` characters.
  func leftPadded(_ width: Int) -> String {
    String(repeating: " ", count: max(0, width - count)) + self
  }
}
