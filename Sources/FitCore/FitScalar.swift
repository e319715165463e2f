import Foundation
import RealModule

/// The floating-point types the CPU backend computes in: Float for fits, Double for the
/// gradient checks against finite differences.
public protocol FitScalar: Real, BinaryFloatingPoint, SIMDScalar, Codable, Sendable {
  /// e^x in every lane, for −87 ≤ x ≤ 0 (softmax arguments after the row maximum is taken off,
  /// clamped where e^x is below every sum it joins).
  static func exponential(ofNonPositive x: SIMD8<Self>) -> SIMD8<Self>
}

extension Float: FitScalar {
  /// Cephes' expf polynomial (relative error about 1 ulp) on eight lanes at once: x = k·ln 2 + r
  /// with |r| ≤ ln 2 / 2, e^r by a degree-6 polynomial, 2^k put into the exponent bits.
  /// Inlinable, so that each CPU engine module compiles it for its own instruction set.
  @inlinable @inline(__always)
  public static func exponential(ofNonPositive x: SIMD8<Float>) -> SIMD8<Float> {
    // Round x / ln 2 to the nearest integer by adding and taking off 1.5 · 2^23.
    let shifter = SIMD8<Float>(repeating: 0x1.8p23)
    let shifted = x * 1.44269504088896341 + shifter
    let k = shifted - shifter
    let r = x - k * 0.693359375 + k * 2.12194440e-4
    var p = SIMD8<Float>(repeating: 1.9875691500e-4)
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    let expR = p * (r * r) + r + 1
    // The low bits of `shifted` hold k (two's complement); 2^k = (k + 127) << 23 as a float.
    let bits = unsafeBitCast(shifted, to: SIMD8<UInt32>.self) &- unsafeBitCast(shifter, to: SIMD8<UInt32>.self)
    let scale = unsafeBitCast((bits &+ 127) &<< 23, to: SIMD8<Float>.self)
    return expR * scale
  }
}

extension Double: FitScalar {
  /// Lane by lane, with the correctly rounded `exp`: Double is the precision of the checks.
  /// Always inlined, as the engines' other FitCore code, so that no standalone copy of it is
  /// shared between the instruction-set levels.
  @inlinable @inline(__always)
  public static func exponential(ofNonPositive x: SIMD8<Double>) -> SIMD8<Double> {
    var result = x
    for lane in x.indices { result[lane] = Double.exp(x[lane]) }
    return result
  }
}

/// Memory the CPU engine owns, shared by worker threads that write disjoint parts of it.
///
/// Allocated with malloc or calloc and released with free, so that zeroed buffers can come from
/// calloc: a large one then takes memory only as its pages are first written.
@usableFromInline package struct ThreadSharedBuffer<T>: @unchecked Sendable {
  @usableFromInline package let base: UnsafeMutablePointer<T>
  @usableFromInline package let count: Int

  private init(raw: UnsafeMutableRawPointer?, count: Int) {
    guard let raw else { fatalError("out of memory allocating \(count) × \(MemoryLayout<T>.stride) bytes") }
    base = raw.bindMemory(to: T.self, capacity: max(count, 1))
    self.count = count
  }

  /// Allocates `count` elements, each set to `value`.
  package init(repeating value: T, count: Int) {
    self.init(raw: malloc(max(count, 1) * MemoryLayout<T>.stride), count: count)
    base.initialize(repeating: value, count: count)
  }

  /// Allocates a copy of `elements`.
  package init(_ elements: [T]) {
    self.init(raw: malloc(max(elements.count, 1) * MemoryLayout<T>.stride), count: elements.count)
    _ = UnsafeMutableBufferPointer(start: base, count: elements.count).initialize(from: elements)
  }

  package func deallocate() {
    base.deinitialize(count: count)
    free(base)
  }

  @inlinable @inline(__always)
  package subscript(index: Int) -> T {
    get { base[index] }
    nonmutating set { base[index] = newValue }
  }
}

extension ThreadSharedBuffer where T: FitScalar {
  /// Allocates `count` zeros.
  package static func zeros(count: Int) -> ThreadSharedBuffer {
    ThreadSharedBuffer(raw: calloc(max(count, 1), MemoryLayout<T>.stride), count: count)
  }
}
