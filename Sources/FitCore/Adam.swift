import RealModule

/// Adam, as optax.adam: its constants (the defaults), one host step and the bias corrections.
@usableFromInline package enum Adam {
  // Computed and inlinable, so that the engines' loops see constants, not a global's accessor.
  @inlinable package static var beta1: Double { 0.9 }
  @inlinable package static var beta2: Double { 0.999 }
  @inlinable package static var epsilon: Double { 1e-8 }

  /// One Adam step on the parameters in each lane, the host's arithmetic (the CPU backend's, and
  /// the OpenCL backend's scalar sigmoid bias): m ← β1 m + (1 − β1) g, v ← β2 v + (1 − β2) g²,
  /// then p ← p − (lr / c1) · m / (sqrt(v · (1 / c2)) + ε), with `stepSize` = lr / c1 and
  /// `secondScale` = 1 / c2 computed once per step. Every operation is lane by lane, so a lane
  /// gets the same bits as the scalar `step`.
  @inlinable @inline(__always)
  package static func step<V: SIMD>(
    _ parameter: inout V, gradient g: V, moments first: inout V, _ second: inout V,
    stepSize: V.Scalar, secondScale: V.Scalar
  ) where V.Scalar: BinaryFloatingPoint {
    first = V.Scalar(beta1) * first + (1 - V.Scalar(beta1)) * g
    second = V.Scalar(beta2) * second + (1 - V.Scalar(beta2)) * g * g
    parameter -= stepSize * first / ((second * secondScale).squareRoot() + V.Scalar(epsilon))
  }

  /// One Adam step on one parameter: `step` on a vector of one lane's worth.
  @inlinable @inline(__always)
  package static func step<T: BinaryFloatingPoint & SIMDScalar>(
    _ parameter: inout T, gradient g: T, moments first: inout T, _ second: inout T,
    stepSize: T, secondScale: T
  ) {
    var (p, m, v) = (SIMD2(repeating: parameter), SIMD2(repeating: first), SIMD2(repeating: second))
    step(&p, gradient: SIMD2(repeating: g), moments: &m, &v, stepSize: stepSize, secondScale: secondScale)
    (parameter, first, second) = (p[0], m[0], v[0])
  }

  /// The bias corrections of step t: 1 − β1^t and 1 − β2^t, in `T`.
  package static func corrections<T: BinaryFloatingPoint & Real>(iteration: Int) -> (first: T, second: T) {
    let t = T(iteration)
    return (1 - T.pow(T(beta1), t), 1 - T.pow(T(beta2), t))
  }
}
