import Foundation
import TestSupport
import Testing
@testable import LimitFit

/// Verdicts that double-precision sums get wrong, decided exactly (docs/MATHEMATICS.md §6).
@Suite struct ExactVerdictTests {
  /// The tie: with float32 values r = fl(1/√3), a = fl(1/√2), q = (r, r, r), relevant
  /// x = (a, −a, 2⁻⁶⁰) and irrelevant y = (a, 2⁻⁶⁰, −a) score exactly the same, but the
  /// double sums put x ahead by 5·10⁻¹⁹.
  static let r = Float(1 / 3.0.squareRoot())
  static let a = Float(1 / 2.0.squareRoot())
  static let tiny = Float(0x1p-60)
  static let query: [Float] = [r, r, r]
  static let documents: [Float] = [a, -a, tiny, a, tiny, -a]

  @Test func doubleSumsSeeAMarginWhereThereIsATie() {
    let q = Self.query.map(Double.init)
    let x = Self.documents[0..<3].map(Double.init)
    let y = Self.documents[3..<6].map(Double.init)
    let rounded = zip(q, x).reduce(0) { $0 + $1.0 * $1.1 } - zip(q, y).reduce(0) { $0 + $1.0 * $1.1 }
    #expect(rounded > 0, "the example must fool a plain double sum")
    q.withUnsafeBufferPointer { q in #expect(ExactComparison.sign(q, x, minus: y) == 0) }
  }

  @Test func verifyCallsTheTieUnsolved() {
    let verification = Verification(
      queries: Self.query, documents: Self.documents, dimension: 3, queryRows: [0]) { _ in [0] }
    #expect(!verification.solved && verification.minimumMargin <= 0)
  }

  @Test func evalCallsTheTieUnsolved() throws {
    let queries = try writeFile("tie-queries.npy", bytes: [UInt8](npyMatrix(Self.query.map(Double.init), rows: 1, columns: 3)))
    let documents = try writeFile(
      "tie-documents.npy", bytes: [UInt8](npyMatrix(Self.documents.map(Double.init), rows: 2, columns: 3)))
    let (q, x) = (try NPYMatrix(contentsOfFile: queries), try NPYMatrix(contentsOfFile: documents))
    let qrels = LabeledQrels(
      qrels: try Qrels(relevant: [[0]], documentCount: 2), queryIDs: ["q"], documentIDs: ["x", "y"], source: "the tie")
    let evaluation = try RetrievalEvaluation(
      queries: q, documents: x, relevance: qrels.qrels, rows: try EmbeddingRows(qrels: qrels, queries: q, documents: x))
    #expect(!evaluation.verification.solved)
  }

  /// Exact signs agree with rational arithmetic on random small integers scaled by powers of two.
  @Test func exactSignsAgreeWithIntegerArithmetic() {
    var generator = SplitMix64(seed: 3)
    for _ in 0..<2000 {
      let d = Int(generator.next() % 6) + 1
      func value() -> Int { Int(generator.next() % 2001) - 1000 }
      let (q, x, y) = ((0..<d).map { _ in value() }, (0..<d).map { _ in value() }, (0..<d).map { _ in value() })
      let exact = zip(q, zip(x, y)).reduce(0) { $0 + $1.0 * ($1.1.0 - $1.1.1) }
      let scale = 0x1p-30
      let sign = q.map { Double($0) * scale }.withUnsafeBufferPointer { q in
        ExactComparison.sign(q, x.map { Double($0) * 0x1p20 }, minus: y.map { Double($0) * 0x1p20 })
      }
      #expect(sign == exact.signum(), "\(q) \(x) \(y)")
    }
  }

  /// bfloat16 rounds once, to nearest even: 1 + 2⁻⁸ + 2⁻³⁰ is above the midpoint 1 + 2⁻⁸.
  @Test func bfloat16RoundsOnce() {
    #expect(Precision.bfloat16.round(1 + 0x1p-8 + 0x1p-30) == 1 + 0x1p-7)
    #expect(Precision.bfloat16.round(1 + 0x1p-8) == 1)
    #expect(Precision.bfloat16.round(1 + 3 * 0x1p-8) == 1 + 0x1p-6)
    #expect(Precision.bfloat16.round(-(1 + 0x1p-8 + 0x1p-30)) == -(1 + 0x1p-7))
    #expect(Precision.bfloat16.round(0x1p-130 * 1.5) == 0x1p-130 * 1.5)
  }
}
