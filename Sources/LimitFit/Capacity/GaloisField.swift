/// The finite field GF(2^m), 1 ≤ m ≤ 16: elements are the integers 0 ..< 2^m (polynomials over
/// GF(2) in the bits), multiplied through tables of logarithms to the base of a primitive
/// element α (the class of x modulo a primitive polynomial).
struct GaloisField: Sendable {
  /// The degree m.
  let degree: Int
  /// 2^m.
  let size: Int
  /// α^i for i in 0 ..< 2^m − 1.
  private let power: [Int]
  /// log_α(a) for a in 1 ..< 2^m (entry 0 unused).
  private let logarithm: [Int]

  /// A primitive polynomial of every degree 1 … 16 (bit i is the coefficient of x^i); the
  /// initialiser checks primitivity (α has order 2^m − 1).
  static let primitivePolynomials = [
    0x3, 0x7, 0xB, 0x13, 0x25, 0x43, 0x89, 0x11D, 0x211, 0x409, 0x805, 0x1053, 0x201B, 0x4443, 0x8003, 0x1100B,
  ]

  init(degree m: Int) {
    precondition((1...16).contains(m), "GF(2^m) is built for 1 ≤ m ≤ 16")
    degree = m
    size = 1 << m
    let modulus = Self.primitivePolynomials[m - 1]
    var power = [Int](repeating: 0, count: size - 1)
    var logarithm = [Int](repeating: 0, count: size)
    var element = 1
    for i in 0..<(size - 1) {
      precondition(i == 0 || element != 1, "x is not primitive modulo \(modulus)")
      power[i] = element
      logarithm[element] = i
      element <<= 1
      if element & size != 0 { element ^= modulus }
    }
    precondition(element == 1, "x is not primitive modulo \(modulus)")
    self.power = power
    self.logarithm = logarithm
  }

  /// The multiplicative order of α: 2^m − 1.
  var order: Int { size - 1 }

  /// α^exponent, for any integer exponent.
  func alpha(_ exponent: Int) -> Int {
    let r = exponent % order
    return power[r < 0 ? r + order : r]
  }

  func multiply(_ a: Int, _ b: Int) -> Int {
    a == 0 || b == 0 ? 0 : power[(logarithm[a] + logarithm[b]) % order]
  }

  /// The value at `x` of the polynomial with `coefficients` (constant term first), by Horner's rule.
  func evaluate(_ coefficients: [Int], at x: Int) -> Int {
    coefficients.reversed().reduce(0) { multiply($0, x) ^ $1 }
  }

  /// The cyclotomic coset of `exponent` modulo 2^m − 1: {e, 2e, 4e, …}, the exponents of the
  /// conjugates of α^e.
  func cyclotomicCoset(of exponent: Int) -> [Int] {
    var coset = [exponent % order]
    while true {
      let next = coset.last! * 2 % order
      if next == coset[0] { return coset }
      coset.append(next)
    }
  }

  /// ∏ (x − α^e) over `exponents`, a union of cyclotomic cosets, as a polynomial over GF(2)
  /// (coefficients 0 or 1, constant term first).
  func polynomial(withRootsAtPowers exponents: [Int]) -> [UInt8] {
    var product = [1]
    for e in exponents {
      // product · (x + α^e)
      let root = alpha(e)
      var next = [Int](repeating: 0, count: product.count + 1)
      for (i, c) in product.enumerated() {
        next[i + 1] ^= c
        next[i] ^= multiply(c, root)
      }
      product = next
    }
    return product.map { coefficient in
      precondition(coefficient <= 1, "the roots are not closed under conjugation")
      return UInt8(coefficient)
    }
  }
}
