/// Exact comparisons of dot products of doubles, for the verdicts that rounding could decide
/// (docs/MATHEMATICS.md §6): every product split exactly into two doubles by a fused
/// multiply-add, and the terms summed into a nonoverlapping expansion (Shewchuk 1997) whose
/// largest nonzero component has the sign of the exact sum.
enum ExactComparison {
  /// The sign (−1, 0 or 1) of ⟨q, x⟩ − ⟨q, y⟩, computed exactly, for finite values whose
  /// products neither overflow nor fall below 2^−969 (where the split of a product loses bits).
  static func sign<Scalar: BinaryFloatingPoint>(
    _ q: UnsafeBufferPointer<Double>, _ x: UnsafePointer<Scalar>, minus y: UnsafePointer<Scalar>
  ) -> Int {
    var expansion: [Double] = []
    expansion.reserveCapacity(4 * q.count)
    for c in q.indices {
      for (value, sign) in [(Double(x[c]), 1.0), (Double(y[c]), -1.0)] {
        let product = q[c] * value
        grow(&expansion, sign * product)
        grow(&expansion, sign * fusedError(q[c], value, product))
      }
    }
    for component in expansion.reversed() where component != 0 { return component > 0 ? 1 : -1 }
    return 0
  }

  /// Twice the bound on the error of a score computed in double precision from d products and
  /// sums, γ_{d+1} ‖q‖ ‖x‖ with `norms` = ‖q‖ ‖x‖, enlarged for the norms' own rounding and for
  /// underflow: a margin larger than this in magnitude has the exact margin's sign.
  static func marginBound(dimension d: Int, norms: Double) -> Double {
    let gamma = Double(d + 1) * 0x1p-53 / (1 - Double(d + 1) * 0x1p-53)
    return 2 * (gamma * norms * (1 + 0x1p-20) + Double(d) * 0x1p-1022)
  }

  /// A rounded margin given the sign of the exact verdict: itself where the two agree, else the
  /// smallest positive double (solved) or 0 (a tie or worse: not solved).
  static func margin(_ rounded: Double, exactlySolved solved: Bool) -> Double {
    solved ? (rounded > 0 ? rounded : .leastNonzeroMagnitude) : min(rounded, 0)
  }

  /// a·b − fl(a·b), exactly (one fused multiply-add).
  private static func fusedError(_ a: Double, _ b: Double, _ product: Double) -> Double {
    (-product).addingProduct(a, b)
  }

  /// Adds `value` to a nonoverlapping expansion, keeping it nonoverlapping and ascending in
  /// magnitude (GROW-EXPANSION with TWO-SUM); zero components are dropped.
  private static func grow(_ expansion: inout [Double], _ value: Double) {
    var carry = value
    var next: [Double] = []
    next.reserveCapacity(expansion.count + 1)
    for component in expansion {
      let sum = carry + component
      let virtual = sum - carry
      let error = (carry - (sum - virtual)) + (component - virtual)
      if error != 0 { next.append(error) }
      carry = sum
    }
    if carry != 0 { next.append(carry) }
    expansion = next
  }
}
