import FitCore

/// Float32 scores of a block of queries against documents laid out in panels, for `eval`: the
/// shape of a matrix product's inner kernel, four queries by sixteen documents in eight SIMD8
/// sums, over the coordinates in chunks so that a panel's chunk stays in the first-level cache
/// while every query of the block passes over it.
///
/// A panel holds sixteen documents, coordinate after coordinate: the value of coordinate c of
/// its document l at `c · 16 + l`, d × 16 values in all. Every score is the sum over c in order,
/// from c = 0, of q[c] · x[c], with no multiply fused into an add: the same bits as a plain loop,
/// at every instruction-set level and for every blocking.
package enum ScoreTile {
  /// Documents in a panel.
  package static let panelWidth = 16
  /// Queries scored together.
  package static let queryRows = 4
  /// Coordinates summed in one pass over a panel.
  static let chunk = 256

  /// scores[r · stride + l] = Σ_c queries[r · d + c] · x_l[c] for every query r < `queryCount`
  /// and every document l of `panelCount` panels from `panels`.
  ///
  /// - Parameters:
  ///   - queries: `queryCount` × d, row-major.
  ///   - panels: `panelCount` consecutive panels of d × 16 values.
  ///   - scores: room for `queryCount` rounded up to a multiple of 4 rows of `stride` ≥
  ///     16 · `panelCount` values; the rows past `queryCount` are scratch.
  package static func scores(
    queries: UnsafePointer<Float>, queryCount: Int, panels: UnsafePointer<Float>, panelCount: Int,
    dimension d: Int, into scores: UnsafeMutablePointer<Float>, stride: Int
  ) {
    let width = panelWidth
    var start = 0
    while start < d {
      let length = Swift.min(chunk, d - start)
      for panel in 0..<panelCount {
        let x = panels + panel * width * d + start * width
        var first = 0
        while first < queryCount {
          // Rows past the last query repeat it; their sums land in the scratch rows.
          func row(_ offset: Int) -> UnsafePointer<Float> {
            queries + Swift.min(first + offset, queryCount - 1) * d + start
          }
          let (q0, q1, q2, q3) = (row(0), row(1), row(2), row(3))
          let out = scores + first * stride + panel * width
          var (s0, s1, s2, s3) = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
          var (t0, t1, t2, t3) = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
          if start > 0 {
            (s0, t0) = (load(out), load(out + 8))
            (s1, t1) = (load(out + stride), load(out + stride + 8))
            (s2, t2) = (load(out + 2 * stride), load(out + 2 * stride + 8))
            (s3, t3) = (load(out + 3 * stride), load(out + 3 * stride + 8))
          }
          var column = x
          for c in 0..<length {
            let (a, b) = (load(column), load(column + 8))
            let (w0, w1, w2, w3) = (q0[c], q1[c], q2[c], q3[c])
            s0 += a * w0
            s1 += a * w1
            s2 += a * w2
            s3 += a * w3
            t0 += b * w0
            t1 += b * w1
            t2 += b * w2
            t3 += b * w3
            column += width
          }
          store(s0, out)
          store(t0, out + 8)
          store(s1, out + stride)
          store(t1, out + stride + 8)
          store(s2, out + 2 * stride)
          store(t2, out + 2 * stride + 8)
          store(s3, out + 3 * stride)
          store(t3, out + 3 * stride + 8)
          first += queryRows
        }
      }
      start += length
    }
  }
}
