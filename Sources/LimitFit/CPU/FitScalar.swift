import RealModule

/// The floating-point types the CPU backend computes in: Float for fits, Double for the
/// gradient checks against finite differences.
public protocol FitScalar: Real, BinaryFloatingPoint, SIMDScalar, Codable, Sendable {}

extension Float: FitScalar {}
extension Double: FitScalar {}

/// Memory the CPU engine owns, shared by worker threads that write disjoint parts of it.
struct SharedBuffer<T>: @unchecked Sendable {
  let base: UnsafeMutablePointer<T>
  let count: Int

  /// Allocates `count` elements, each set to `value`.
  init(repeating value: T, count: Int) {
    base = .allocate(capacity: max(count, 1))
    base.initialize(repeating: value, count: count)
    self.count = count
  }

  /// Allocates a copy of `elements`.
  init(_ elements: [T]) {
    base = .allocate(capacity: max(elements.count, 1))
    _ = UnsafeMutableBufferPointer(start: base, count: elements.count).initialize(from: elements)
    count = elements.count
  }

  func deallocate() {
    base.deinitialize(count: count)
    base.deallocate()
  }

  subscript(index: Int) -> T {
    get { base[index] }
    nonmutating set { base[index] = newValue }
  }
}
