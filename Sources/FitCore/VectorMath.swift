// Loops over contiguous rows, written so that they vectorise: element-wise loops are left to
// the compiler; reductions, which it may not reorder, accumulate in explicit SIMD8 lanes.
// Every loop runs in a fixed order, so results are the same bit for bit on every run.
// Inlinable, so that each CPU engine module compiles them for its own instruction set.

@inlinable @inline(__always)
package func load<T: FitScalar>(_ pointer: UnsafePointer<T>) -> SIMD8<T> {
  UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<T>.self)
}

@inlinable @inline(__always)
package func store<T: FitScalar>(_ value: SIMD8<T>, _ pointer: UnsafeMutablePointer<T>) {
  UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<T>.self)
}

/// y[j] = e^(x[j] − shift) for j < count, where every x[j] ≤ shift; returns Σ y[j]. Arguments
/// below −87 count as −87: e^−87 ≈ 1.6e−38 is below anything a sum that holds e^0 can tell apart.
@inlinable @inline(__always)
package func exponentials<T: FitScalar>(
  of x: UnsafePointer<T>, minus shift: T, into y: UnsafeMutablePointer<T>, count: Int
) -> T {
  for j in 0..<count { y[j] = Swift.max(x[j] - shift, -87) }
  var lanes = SIMD8<T>()
  var j = 0
  while j + 8 <= count {
    let e = T.exponential(ofNonPositive: load(y + j))
    store(e, y + j)
    lanes += e
    j += 8
  }
  var total = lanes.sum()
  guard j < count else { return total }
  var tail = SIMD8<T>()
  for lane in 0..<(count - j) { tail[lane] = y[j + lane] }
  tail = T.exponential(ofNonPositive: tail)
  for lane in 0..<(count - j) {
    y[j + lane] = tail[lane]
    total += tail[lane]
  }
  return total
}

/// Σ a[j]·b[j] over j < count.
@inlinable @inline(__always)
package func dot<T: FitScalar>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, count: Int) -> T {
  var lanes = SIMD8<T>()
  var j = 0
  while j + 8 <= count {
    lanes += load(a + j) * load(b + j)
    j += 8
  }
  var total = lanes.sum()
  while j < count {
    total += a[j] * b[j]
    j += 1
  }
  return total
}

/// Σ a[j] over j < count.
@inlinable @inline(__always)
package func sum<T: FitScalar>(_ a: UnsafePointer<T>, count: Int) -> T {
  var lanes = SIMD8<T>()
  var j = 0
  while j + 8 <= count {
    lanes += load(a + j)
    j += 8
  }
  var total = lanes.sum()
  while j < count {
    total += a[j]
    j += 1
  }
  return total
}

/// max a[j] over j < count; −∞ when count is 0.
@inlinable @inline(__always)
package func maximum<T: FitScalar>(_ a: UnsafePointer<T>, count: Int) -> T {
  // Eight independent running maxima, which the compiler turns into one vector.
  let low = -T.infinity
  var m = (low, low, low, low, low, low, low, low)
  var j = 0
  while j + 8 <= count {
    m.0 = a[j] > m.0 ? a[j] : m.0
    m.1 = a[j + 1] > m.1 ? a[j + 1] : m.1
    m.2 = a[j + 2] > m.2 ? a[j + 2] : m.2
    m.3 = a[j + 3] > m.3 ? a[j + 3] : m.3
    m.4 = a[j + 4] > m.4 ? a[j + 4] : m.4
    m.5 = a[j + 5] > m.5 ? a[j + 5] : m.5
    m.6 = a[j + 6] > m.6 ? a[j + 6] : m.6
    m.7 = a[j + 7] > m.7 ? a[j + 7] : m.7
    j += 8
  }
  var result = Swift.max(Swift.max(Swift.max(m.0, m.1), Swift.max(m.2, m.3)),
    Swift.max(Swift.max(m.4, m.5), Swift.max(m.6, m.7)))
  while j < count {
    result = Swift.max(result, a[j])
    j += 1
  }
  return result
}

/// The inner kernel of both score products (`QueryBlock`, `ScoreTile`), four queries by
/// sixteen documents: for r < 4 and l < 16,
/// out[r · rowStride + l] = start + Σ_{c < length} queries.r[c] · documents[c · documentStep + l],
/// summed in order of c, where start is out's value when `accumulating`, else 0. Every
/// coordinate loaded serves four queries, and the eight SIMD8 sums are independent, so the
/// adders never wait on each other.
@inlinable @inline(__always)
package func scoreTile4x16<T: FitScalar>(
  queries: (UnsafePointer<T>, UnsafePointer<T>, UnsafePointer<T>, UnsafePointer<T>),
  documents: UnsafePointer<T>, documentStep: Int, length: Int,
  into out: UnsafeMutablePointer<T>, rowStride: Int, accumulating: Bool
) {
  let (q0, q1, q2, q3) = queries
  let (o0, o1, o2, o3) = (out, out + rowStride, out + 2 * rowStride, out + 3 * rowStride)
  var (s0, s1, s2, s3) = (SIMD8<T>(), SIMD8<T>(), SIMD8<T>(), SIMD8<T>())
  var (t0, t1, t2, t3) = (SIMD8<T>(), SIMD8<T>(), SIMD8<T>(), SIMD8<T>())
  if accumulating {
    (s0, s1, s2, s3) = (load(o0), load(o1), load(o2), load(o3))
    (t0, t1, t2, t3) = (load(o0 + 8), load(o1 + 8), load(o2 + 8), load(o3 + 8))
  }
  var column = documents
  for c in 0..<length {
    let (x, y) = (load(column), load(column + 8))
    let (a0, a1, a2, a3) = (q0[c], q1[c], q2[c], q3[c])
    s0 += x * a0
    s1 += x * a1
    s2 += x * a2
    s3 += x * a3
    t0 += y * a0
    t1 += y * a1
    t2 += y * a2
    t3 += y * a3
    column += documentStep
  }
  store(s0, o0)
  store(t0, o0 + 8)
  store(s1, o1)
  store(t1, o1 + 8)
  store(s2, o2)
  store(t2, o2 + 8)
  store(s3, o3)
  store(t3, o3 + 8)
}

/// y[j] += alpha·x[j] for j < count.
@inlinable @inline(__always)
package func addScaled<T: FitScalar>(
  _ alpha: T, _ x: UnsafePointer<T>, to y: UnsafeMutablePointer<T>, count: Int
) {
  for j in 0..<count { y[j] += alpha * x[j] }
}

/// The number of j < count with a[j] ≥ threshold.
@inlinable @inline(__always)
package func countAtLeast<T: FitScalar>(_ a: UnsafePointer<T>, count: Int, threshold: T) -> Int {
  // An integer sum, which the compiler may reorder, and so vectorises.
  var atLeast: Int32 = 0
  var j = 0
  while j < count {
    atLeast &+= a[j] >= threshold ? 1 : 0
    j &+= 1
  }
  return Int(atLeast)
}

/// The number of j < count with a[j] > threshold, plus those with a[j] == threshold and
/// j < tiedBefore: the documents a stable descending sort puts before one that scores
/// `threshold` and has id `tiedBefore`.
@inlinable @inline(__always)
package func countAhead<T: FitScalar>(
  _ a: UnsafePointer<T>, count: Int, of threshold: T, tiedBefore: Int
) -> Int {
  // An integer sum, which the compiler may reorder, and so vectorises.
  var above: Int32 = 0
  var j = 0
  while j < count {
    above &+= a[j] > threshold ? 1 : 0
    j &+= 1
  }
  var tied: Int32 = 0
  j = 0
  while j < tiedBefore {
    tied &+= a[j] == threshold ? 1 : 0
    j &+= 1
  }
  return Int(above) + Int(tied)
}
