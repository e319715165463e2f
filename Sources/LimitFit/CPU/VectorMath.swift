// Loops over contiguous rows, written so that they vectorise: element-wise loops are left to
// the compiler; reductions, which it may not reorder, accumulate in explicit SIMD8 lanes.
// Every loop runs in a fixed order, so results are the same bit for bit on every run.

@inline(__always)
private func load<T: FitScalar>(_ pointer: UnsafePointer<T>) -> SIMD8<T> {
  UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<T>.self)
}

/// Σ a[j]·b[j] over j < count.
@inline(__always)
func dot<T: FitScalar>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, count: Int) -> T {
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
@inline(__always)
func sum<T: FitScalar>(_ a: UnsafePointer<T>, count: Int) -> T {
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
@inline(__always)
func maximum<T: FitScalar>(_ a: UnsafePointer<T>, count: Int) -> T {
  var lanes = SIMD8<T>(repeating: -.infinity)
  var j = 0
  while j + 8 <= count {
    lanes = pointwiseMax(lanes, load(a + j))
    j += 8
  }
  var result = lanes.max()
  while j < count {
    result = Swift.max(result, a[j])
    j += 1
  }
  return result
}

/// y[j] += alpha·x[j] for j < count.
@inline(__always)
func addScaled<T: FitScalar>(
  _ alpha: T, _ x: UnsafePointer<T>, to y: UnsafeMutablePointer<T>, count: Int
) {
  for j in 0..<count { y[j] += alpha * x[j] }
}
