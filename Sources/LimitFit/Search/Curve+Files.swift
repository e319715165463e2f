import Foundation

/// The curve's files: curve.csv, curve.json and the plot, curve.svg.
extension Curve {
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
      ? (0...Int(Swift.min(Swift.max(Foundation.log10(yHigh), 0), 308))).map { Foundation.pow(10, Double($0)) }
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
      let label = aggregate == .max ? "critical-n = \(Self.label(value))" : "the seeds' \(aggregate.rawValue) = " + String(format: "%.1f", value)
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

  /// A tick's label: an integer as one while it is exact in a double (below 2⁵³), otherwise
  /// in %g's form (1e+20).
  static func label(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 0x1p53 ? String(format: "%.0f", value) : String(format: "%g", value)
  }
}
