import FitCore

/// Float32 scores of a block of queries against documents laid out in panels, for `eval`: the
/// fit's inner kernel (`scoreTile4x16`), four queries by sixteen documents, over the coordinates
/// in chunks so that a panel's chunk stays in the first-level cache while every query of the
/// block passes over it.
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
          scoreTile4x16(
            queries: (row(0), row(1), row(2), row(3)), documents: x, documentStep: width, length: length,
            into: scores + first * stride + panel * width, rowStride: stride, accumulating: start > 0)
          first += queryRows
        }
      }
      start += length
    }
  }
}
