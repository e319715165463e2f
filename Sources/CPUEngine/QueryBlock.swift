import FitCore

/// The CPU engine's two products, four queries at a time: every document coordinate loaded
/// serves four queries, and ∇D's buffer is read and written once per four queries, not once per
/// query. Documents go eight at a time through SIMD8 lanes (sixteen in the score product); the
/// n mod 8 left over, one by one. Every sum runs in a fixed order, so results are the same bit
/// for bit on every run and at every instruction-set level.
enum QueryBlock {
  /// The queries in a block.
  static var rows: Int { 4 }

  /// S_b· = q_b Dᵀ for the four rows of `queries`.
  ///
  /// - Parameters:
  ///   - queries: 4 × d, row-major, already divided by τ.
  ///   - documents: Dᵀ, d × n.
  ///   - scores: 4 × n, row-major.
  @inline(__always)
  static func scores<T: FitScalar>(
    _ queries: UnsafePointer<T>, _ documents: UnsafePointer<T>, n: Int, d: Int,
    into scores: UnsafeMutablePointer<T>
  ) {
    let (q0, q1, q2, q3) = (queries, queries + d, queries + 2 * d, queries + 3 * d)
    var j = 0
    // Sixteen documents at a time: eight independent sums keep the adders busy where four would
    // wait on each other. Each score is still the sum over c in order, as below.
    while j + 16 <= n {
      scoreTile4x16(
        queries: (q0, q1, q2, q3), documents: documents + j, documentStep: n, length: d,
        into: scores + j, rowStride: n, accumulating: false)
      j += 16
    }
    while j + 8 <= n {
      var (s0, s1, s2, s3) = (SIMD8<T>(), SIMD8<T>(), SIMD8<T>(), SIMD8<T>())
      var column = documents + j
      for c in 0..<d {
        let x = load(column)
        s0 += x * q0[c]
        s1 += x * q1[c]
        s2 += x * q2[c]
        s3 += x * q3[c]
        column += n
      }
      store(s0, scores + j)
      store(s1, scores + n + j)
      store(s2, scores + 2 * n + j)
      store(s3, scores + 3 * n + j)
      j += 8
    }
    while j < n {
      var (s0, s1, s2, s3) = (T.zero, T.zero, T.zero, T.zero)
      for c in 0..<d {
        let x = documents[c * n + j]
        s0 += x * q0[c]
        s1 += x * q1[c]
        s2 += x * q2[c]
        s3 += x * q3[c]
      }
      (scores[j], scores[n + j], scores[2 * n + j], scores[3 * n + j]) = (s0, s1, s2, s3)
      j += 1
    }
  }

  /// ∇Q_b = G_b· D / τ for the four rows, and (∇D)ᵀ += Σ_b (q_b / τ)ᵀ G_b·.
  ///
  /// - Parameters:
  ///   - queries: 4 × d, row-major, already divided by τ.
  ///   - scoreGradient: G, 4 × n, row-major; zero in rows that are not queries.
  ///   - documents: Dᵀ, d × n.
  ///   - queryGradient: 4 × d, row-major, overwritten.
  ///   - documentGradient: (∂L/∂D)ᵀ, d × n, added to.
  @inline(__always)
  static func gradients<T: FitScalar>(
    _ queries: UnsafePointer<T>, scoreGradient: UnsafePointer<T>, _ documents: UnsafePointer<T>,
    n: Int, d: Int, inverseTemperature: T, queryGradient: UnsafeMutablePointer<T>,
    documentGradient: UnsafeMutablePointer<T>
  ) {
    let (g0, g1, g2, g3) = (
      scoreGradient, scoreGradient + n, scoreGradient + 2 * n, scoreGradient + 3 * n
    )
    for c in 0..<d {
      let column = documents + c * n
      let partial = documentGradient + c * n
      let (q0, q1, q2, q3) = (queries[c], queries[d + c], queries[2 * d + c], queries[3 * d + c])
      var (a0, a1, a2, a3) = (SIMD8<T>(), SIMD8<T>(), SIMD8<T>(), SIMD8<T>())
      var j = 0
      while j + 8 <= n {
        let x = load(column + j)
        let (h0, h1, h2, h3) = (load(g0 + j), load(g1 + j), load(g2 + j), load(g3 + j))
        a0 += h0 * x
        a1 += h1 * x
        a2 += h2 * x
        a3 += h3 * x
        store(load(partial + j) + (h0 * q0 + h1 * q1) + (h2 * q2 + h3 * q3), partial + j)
        j += 8
      }
      var (t0, t1, t2, t3) = (a0.sum(), a1.sum(), a2.sum(), a3.sum())
      while j < n {
        let x = column[j]
        t0 += g0[j] * x
        t1 += g1[j] * x
        t2 += g2[j] * x
        t3 += g3[j] * x
        partial[j] += (g0[j] * q0 + g1[j] * q1) + (g2[j] * q2 + g3[j] * q3)
        j += 1
      }
      queryGradient[c] = t0 * inverseTemperature
      queryGradient[d + c] = t1 * inverseTemperature
      queryGradient[2 * d + c] = t2 * inverseTemperature
      queryGradient[3 * d + c] = t3 * inverseTemperature
    }
  }
}
