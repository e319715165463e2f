import FitCore

/// One query's row as a loss sees it. Plain values only, so that passing it costs no
/// reference counting on the threads that share the engine.
struct ScoreRow<T: FitScalar> {
  /// S_i·, n scores.
  var scores: UnsafePointer<T>
  /// n.
  var count: Int
  /// R_i: the relevant document ids, ascending.
  var relevant: UnsafeBufferPointer<Int32>
  /// The largest score in the row.
  var maximum: T
  /// Where G_i· = ∂L/∂S_i· goes, n values.
  var gradient: UnsafeMutablePointer<T>
  /// What the loss is averaged over (`FitPlan.lossTerms`).
  var terms: T
  /// The margin γ (`FitPlan.margin`).
  var margin: T
  /// The learned bias b of a loss that has one.
  var bias: T
}

/// How the CPU engine computes one loss (`Loss`, by name) on one query's row of scores.
protocol RowLoss: Sendable {
  /// The loss this computes.
  static var loss: Loss { get }

  /// The row's share of the summed loss (the loss times `terms`); writes its G_i· into
  /// `row.gradient`.
  static func evaluate<T: FitScalar>(_ row: ScoreRow<T>) -> T

  /// `evaluate` on each row of a block (the engine's `QueryBlock`), in order, the shares into
  /// `losses`; in float32 and in double, each a call of its own (the default implementations
  /// below), so that the engine's call through the loss's type is made once per block and
  /// lands on code compiled for that loss and precision. A generic requirement instead cost
  /// 10–15% of a step at n = 64.
  static func evaluate(_ rows: UnsafeBufferPointer<ScoreRow<Float>>, losses: UnsafeMutablePointer<Float>)
  static func evaluate(_ rows: UnsafeBufferPointer<ScoreRow<Double>>, losses: UnsafeMutablePointer<Double>)
}

extension RowLoss {
  static func evaluate(_ rows: UnsafeBufferPointer<ScoreRow<Float>>, losses: UnsafeMutablePointer<Float>) {
    for (index, row) in rows.enumerated() { losses[index] = evaluate(row) }
  }

  static func evaluate(_ rows: UnsafeBufferPointer<ScoreRow<Double>>, losses: UnsafeMutablePointer<Double>) {
    for (index, row) in rows.enumerated() { losses[index] = evaluate(row) }
  }

  /// The block's evaluation in the engine's precision `T` (Float or Double).
  @inline(__always)
  static func evaluate<T: FitScalar>(block rows: UnsafeBufferPointer<ScoreRow<T>>, losses: UnsafeMutablePointer<T>) {
    if T.self == Float.self {
      rows.withMemoryRebound(to: ScoreRow<Float>.self) { rows in
        losses.withMemoryRebound(to: Float.self, capacity: rows.count) { evaluate(rows, losses: $0) }
      }
    } else {
      precondition(T.self == Double.self, "the CPU engine runs in Float or Double")
      rows.withMemoryRebound(to: ScoreRow<Double>.self) { rows in
        losses.withMemoryRebound(to: Double.self, capacity: rows.count) { evaluate(rows, losses: $0) }
      }
    }
  }
}

/// The CPU engine's losses: one for each of `Loss.allCases`.
let rowLosses: [any RowLoss.Type] = [InfoNCERow.self, SigmoidRow.self, HingeRow.self]

/// Σ_{j∈R_i} (lse_i − S_ij); G_ij = (|R_i| · softmax_ij − A_ij) / P.
enum InfoNCERow: RowLoss {
  static var loss: Loss { .infonce }

  @inline(__always)
  static func evaluate<T: FitScalar>(_ row: ScoreRow<T>) -> T {
    let gradient = row.gradient
    let partition = exponentials(of: row.scores, minus: row.maximum, into: gradient, count: row.count)
    let logSumExp = row.maximum + T.log(partition)
    let pairs = row.terms
    let scale = T(row.relevant.count) / (partition * pairs)
    for j in 0..<row.count { gradient[j] *= scale }
    var loss: T = 0
    for id in row.relevant.lazy.map(Int.init) {
      loss += logSumExp - row.scores[id]
      gradient[id] -= 1 / pairs
    }
    return loss
  }
}

/// Σ_j softplus(z_ij) − A_ij z_ij with z = S + b; G_ij = (σ(z_ij) − A_ij) / (m n).
enum SigmoidRow: RowLoss {
  static var loss: Loss { .sigmoid }

  @inline(__always)
  static func evaluate<T: FitScalar>(_ row: ScoreRow<T>) -> T {
    let gradient = row.gradient
    let terms = row.terms
    var loss: T = 0
    for j in 0..<row.count {
      let z = row.scores[j] + row.bias
      // softplus(z) = max(z, 0) + log(1 + e^−|z|), and σ(z), without overflow.
      let e = T.exp(-abs(z))
      loss += max(z, 0) + T.log(1 + e)
      gradient[j] = (z >= 0 ? 1 / (1 + e) : e / (1 + e)) / terms
    }
    for id in row.relevant.lazy.map(Int.init) {
      loss -= row.scores[id] + row.bias
      gradient[id] -= 1 / terms
    }
    return loss
  }
}

/// Σ_{r∈R_i} Σ_{l∉R_i} max(0, γ − (S_ir − S_il)); each active pair adds −1/T to G_ir and
/// +1/T to G_il, T = the number of (relevant, irrelevant) pairs.
enum HingeRow: RowLoss {
  static var loss: Loss { .hinge }

  @inline(__always)
  static func evaluate<T: FitScalar>(_ row: ScoreRow<T>) -> T {
    let gradient = row.gradient
    let scores = row.scores
    let step = 1 / row.terms
    gradient.update(repeating: 0, count: row.count)
    var loss: T = 0
    for r in row.relevant.lazy.map(Int.init) {
      let threshold = scores[r] - row.margin
      var active = 0
      // Every document above the threshold, relevant ones included; those are taken back below.
      // A NaN score counts, so that it makes the loss NaN: a diverged fit is caught.
      for j in 0..<row.count where !(scores[j] <= threshold) {
        loss += scores[j] - threshold
        gradient[j] += step
        active += 1
      }
      for other in row.relevant.lazy.map(Int.init) where !(scores[other] <= threshold) {
        loss -= scores[other] - threshold
        gradient[other] -= step
        active -= 1
      }
      gradient[r] -= T(active) * step
    }
    return loss
  }
}
