/// One fit on the CPU, exactly docs/MATHEMATICS.md §1, in the precision `Scalar`: what the CPU
/// backend, the kernel validation and the tests ask of the engine that each instruction-set
/// module (CPUEngine, CPUEngineAVX2, CPUEngineAVX512) builds from the same source.
package protocol CPUFitEngine<Scalar>: AnyObject, Sendable {
  associatedtype Scalar: FitScalar

  /// The embedding dimension d.
  var dimension: Int { get }
  /// Q, m × d, row-major.
  var queries: ThreadSharedBuffer<Scalar> { get }
  /// Dᵀ, d × n: element (c, j) is coordinate c of document j.
  var documentsTransposed: ThreadSharedBuffer<Scalar> { get }
  /// The learned bias b of a loss that has one, its gradient from the last `evaluate()`, and Adam's
  /// two moments of it.
  var biasState: ThreadSharedBuffer<Scalar> { get }

  /// Computes, at the current embeddings, the loss, the verdicts and both gradients.
  func evaluate() -> StepEvaluation
  /// Adam step `iteration` on Q and D with the last gradients, then every row to unit length.
  func update(iteration: Int)
  /// What the step computes for one query: its scores S_i·, the gradient of the loss with
  /// respect to them G_i·, its verdict and its share of P·L. For validation; not thread-safe.
  func row(of query: Int) -> (scores: [Scalar], scoreGradient: [Scalar], verdict: RowVerdict<Scalar>, loss: Scalar)
  /// Q, m × d, row-major.
  func queryMatrix() -> [Scalar]
  /// D, n × d, row-major.
  func documentMatrix() -> [Scalar]
  /// ∇Q from the last `evaluate()`, m × d, row-major.
  func queryMatrixGradient() -> [Scalar]
  /// ∇D from the last `evaluate()`, n × d, row-major.
  func documentGradientMatrix() -> [Scalar]
}

/// `count` items split into at most `parts` contiguous, non-empty ranges of near-equal size.
package func contiguousRanges(splitting count: Int, into parts: Int) -> [Range<Int>] {
  let parts = min(parts, count)
  return (0..<parts).map { part in (count * part / parts)..<(count * (part + 1) / parts) }
}

/// A relevance matrix as the engines read it: query i's relevant documents are
/// `relevantDocuments[offsets[i]..<offsets[i + 1]]`, ascending.
package struct RelevanceLists: Sendable {
  package var documentCount: Int
  package var offsets: [Int]
  package var relevantDocuments: [Int32]
  package var queryCount: Int { offsets.count - 1 }

  package init(documentCount: Int, offsets: [Int], relevantDocuments: [Int32]) {
    self.documentCount = documentCount
    self.offsets = offsets
    self.relevantDocuments = relevantDocuments
  }
}
