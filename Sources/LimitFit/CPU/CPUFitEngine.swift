import Dispatch

/// One fit on the CPU, exactly DESIGN.md §1, in the precision `T`.
///
/// Layout: Q is m × d row-major (a query's vector is contiguous); D is stored transposed,
/// d × n, so that every loop over documents runs along contiguous memory. Queries are split
/// into a fixed number of contiguous partitions, processed by as many threads as the machine
/// has; each partition adds its part of ∇D into a buffer of its own, and the buffers are summed
/// in partition order. The partitions do not depend on the machine, so a fit gives the same
/// result bit for bit wherever it runs. Everything is allocated once, in `init`.
///
/// Sendable because worker threads only read shared state and write disjoint parts of it.
final class CPUFitEngine<T: FitScalar>: @unchecked Sendable {
  let queryCount: Int
  let documentCount: Int
  let dimension: Int
  let relevantPairCount: Int
  private let inverseTemperature: T
  private let learningRate: T
  let loss: Loss
  private let margin: T
  /// What the loss is averaged over (`Loss.terms(of:)`).
  private let lossTerms: Int
  /// The sigmoid loss's learned bias b, its gradient and Adam's two moments.
  let biasState: SharedBuffer<T>

  private let offsets: SharedBuffer<Int>
  private let relevantDocuments: SharedBuffer<Int32>

  /// Q, m × d.
  let queries: SharedBuffer<T>
  /// Dᵀ, d × n: element (c, j) is coordinate c of document j.
  let documentsTransposed: SharedBuffer<T>
  /// ∂L/∂Q, m × d, from the last `evaluate()`.
  let queryGradient: SharedBuffer<T>
  /// (∂L/∂D)ᵀ, d × n, from the last `evaluate()`.
  let documentGradientTransposed: SharedBuffer<T>
  private let queryMoments: (first: SharedBuffer<T>, second: SharedBuffer<T>)
  private let documentMoments: (first: SharedBuffer<T>, second: SharedBuffer<T>)

  /// Contiguous query ranges, one task each.
  private let partitions: [Range<Int>]
  /// Contiguous document ranges, for the work on D.
  private let documentChunks: [Range<Int>]
  /// Per partition: its part of (∂L/∂D)ᵀ, d × n.
  private let partialDocumentGradients: SharedBuffer<T>
  /// Per partition: one row of scores and one row of ∂L/∂S, n each.
  private let rowScratch: SharedBuffer<T>
  /// Per document: the squared norm, while renormalising D.
  private let documentNorms: SharedBuffer<T>
  private let partitionTotals: SharedBuffer<PartitionTotals>
  /// Whether the problem is big enough to be worth threads.
  private let isParallel: Bool

  /// The number of query partitions: fixed, so that results do not depend on the machine.
  static var maximumPartitions: Int { 16 }

  private struct PartitionTotals {
    var loss: Double = 0
    var biasGradient: Double = 0
    var solvedQueries = 0
    var relevantFound = 0
  }

  /// Creates the engine.
  ///
  /// - Parameters:
  ///   - queries: Q, m × d, row-major.
  ///   - documents: D, n × d, row-major.
  init(
    qrels: Qrels, dimension d: Int, queries: [T], documents: [T], learningRate: T, temperature: T,
    loss: Loss = .infonce, margin: T = 1
  ) {
    let m = qrels.queryCount
    let n = qrels.documentCount
    precondition(queries.count == m * d && documents.count == n * d,
      "Q must be \(m) × \(d) and D \(n) × \(d)")
    queryCount = m
    documentCount = n
    dimension = d
    relevantPairCount = qrels.relevantPairCount
    inverseTemperature = 1 / temperature
    self.learningRate = learningRate
    self.loss = loss
    self.margin = margin
    lossTerms = loss.terms(of: qrels)
    biasState = SharedBuffer(repeating: 0, count: 4)
    offsets = SharedBuffer(qrels.offsets)
    relevantDocuments = SharedBuffer(qrels.relevantDocuments)

    self.queries = SharedBuffer(queries)
    var transposed = [T](repeating: 0, count: n * d)
    for j in 0..<n {
      for c in 0..<d { transposed[c * n + j] = documents[j * d + c] }
    }
    documentsTransposed = SharedBuffer(transposed)
    queryGradient = SharedBuffer(repeating: 0, count: m * d)
    documentGradientTransposed = SharedBuffer(repeating: 0, count: n * d)
    queryMoments = (SharedBuffer(repeating: 0, count: m * d), SharedBuffer(repeating: 0, count: m * d))
    documentMoments = (SharedBuffer(repeating: 0, count: n * d), SharedBuffer(repeating: 0, count: n * d))

    partitions = Self.split(m, into: Self.maximumPartitions)
    documentChunks = Self.split(n, into: Self.maximumPartitions)
    partialDocumentGradients = SharedBuffer(repeating: 0, count: partitions.count * n * d)
    rowScratch = SharedBuffer(repeating: 0, count: partitions.count * 2 * n)
    documentNorms = SharedBuffer(repeating: 0, count: n)
    partitionTotals = SharedBuffer(repeating: PartitionTotals(), count: partitions.count)
    isParallel = m * n * d >= 1 << 16
  }

  deinit {
    for buffer in [queries, documentsTransposed, queryGradient, documentGradientTransposed,
      queryMoments.first, queryMoments.second, documentMoments.first, documentMoments.second,
      partialDocumentGradients, rowScratch, documentNorms]
    {
      buffer.deallocate()
    }
    offsets.deallocate()
    relevantDocuments.deallocate()
    biasState.deallocate()
    partitionTotals.deallocate()
  }

  /// The bytes an engine of this size allocates, for elements of `elementBytes` bytes.
  static func bytesNeeded(for size: ProblemSize, elementBytes: Int) -> Double {
    let m = Double(size.queries)
    let n = Double(size.documents)
    let d = Double(size.dimension)
    let partitions = Double(min(size.queries, maximumPartitions))
    let perQuery = 4 * d  // Q, ∇Q and Adam's two moments
    let perDocument = (4 + partitions) * d + 2 * partitions + 1
    return Double(elementBytes) * (m * perQuery + n * perDocument) + size.qrelsBytes
  }

  /// `count` items split into at most `parts` contiguous, non-empty ranges of near-equal size.
  static func split(_ count: Int, into parts: Int) -> [Range<Int>] {
    let parts = min(parts, count)
    return (0..<parts).map { part in (count * part / parts)..<(count * (part + 1) / parts) }
  }

  private func forEach(_ ranges: [Range<Int>], _ body: @Sendable (Int, Range<Int>) -> Void) {
    if isParallel {
      DispatchQueue.concurrentPerform(iterations: ranges.count) { body($0, ranges[$0]) }
    } else {
      for (index, range) in ranges.enumerated() { body(index, range) }
    }
  }

  // MARK: Evaluation

  /// Computes, at the current embeddings, the loss, the verdicts and both gradients.
  func evaluate() -> StepEvaluation {
    let n = documentCount
    let d = dimension
    forEach(partitions) { partition, queryRange in
      let scores = rowScratch.base + partition * 2 * n
      let scoreGradient = scores + n
      let partialGradient = partialDocumentGradients.base + partition * n * d
      partialGradient.update(repeating: 0, count: n * d)
      var totals = PartitionTotals()
      for query in queryRange {
        let verdict = scoreRow(of: query, into: scores)
        totals.solvedQueries += verdict.solved ? 1 : 0
        totals.relevantFound += verdict.relevantFound
        totals.loss += Double(
          lossAndScoreGradient(of: query, scores: scores, maximum: verdict.maximumScore,
            into: scoreGradient))
        if loss == .sigmoid { totals.biasGradient += Double(sum(scoreGradient, count: n)) }
        accumulateGradients(of: query, scoreGradient: scoreGradient, into: partialGradient)
      }
      partitionTotals[partition] = totals
    }
    sumPartialDocumentGradients()

    var totals = PartitionTotals()
    for partition in partitions.indices {
      totals.loss += partitionTotals[partition].loss
      totals.biasGradient += partitionTotals[partition].biasGradient
      totals.solvedQueries += partitionTotals[partition].solvedQueries
      totals.relevantFound += partitionTotals[partition].relevantFound
    }
    biasState[1] = T(totals.biasGradient)
    return StepEvaluation(
      loss: totals.loss / Double(lossTerms), solvedQueries: totals.solvedQueries,
      relevantFound: totals.relevantFound, queries: queryCount, relevantPairs: relevantPairCount)
  }

  private func relevant(to query: Int) -> UnsafeBufferPointer<Int32> {
    UnsafeBufferPointer(
      start: relevantDocuments.base + offsets[query], count: offsets[query + 1] - offsets[query])
  }

  /// S_i· = q_i Dᵀ / τ into `scores`; returns the query's verdict.
  private func scoreRow(of query: Int, into scores: UnsafeMutablePointer<T>) -> RowVerdict<T> {
    let n = documentCount
    let q = queries.base + query * dimension
    scores.update(repeating: 0, count: n)
    for c in 0..<dimension {
      addScaled(q[c] * inverseTemperature, documentsTransposed.base + c * n, to: scores, count: n)
    }
    return RowVerdict(scores: scores, count: n, relevant: relevant(to: query))
  }

  /// The query's share of the summed loss (the loss times `lossTerms`), and G_i· = ∂L/∂S_i·
  /// into `gradient`.
  private func lossAndScoreGradient(
    of query: Int, scores: UnsafePointer<T>, maximum: T, into gradient: UnsafeMutablePointer<T>
  ) -> T {
    let relevant = relevant(to: query)
    switch loss {
    case .infonce: return infoNCE(scores: scores, relevant: relevant, maximum: maximum, into: gradient)
    case .sigmoid: return sigmoid(scores: scores, relevant: relevant, into: gradient)
    case .hinge: return hinge(scores: scores, relevant: relevant, into: gradient)
    }
  }

  /// Σ_{j∈R_i} (lse_i − S_ij); G_ij = (|R_i| · softmax_ij − A_ij) / P.
  private func infoNCE(
    scores: UnsafePointer<T>, relevant: UnsafeBufferPointer<Int32>, maximum: T,
    into gradient: UnsafeMutablePointer<T>
  ) -> T {
    let n = documentCount
    for j in 0..<n { gradient[j] = T.exp(scores[j] - maximum) }
    let partition = sum(gradient, count: n)
    let logSumExp = maximum + T.log(partition)
    let pairs = T(lossTerms)
    let scale = T(relevant.count) / (partition * pairs)
    for j in 0..<n { gradient[j] *= scale }
    var loss: T = 0
    for id in relevant.lazy.map(Int.init) {
      loss += logSumExp - scores[id]
      gradient[id] -= 1 / pairs
    }
    return loss
  }

  /// Σ_j softplus(z_ij) − A_ij z_ij with z = S + b; G_ij = (σ(z_ij) − A_ij) / (m n).
  private func sigmoid(
    scores: UnsafePointer<T>, relevant: UnsafeBufferPointer<Int32>,
    into gradient: UnsafeMutablePointer<T>
  ) -> T {
    let n = documentCount
    let bias = biasState[0]
    let terms = T(lossTerms)
    var loss: T = 0
    for j in 0..<n {
      let z = scores[j] + bias
      // softplus(z) = max(z, 0) + log(1 + e^−|z|), and σ(z), without overflow.
      let e = T.exp(-abs(z))
      loss += max(z, 0) + T.log(1 + e)
      gradient[j] = (z >= 0 ? 1 / (1 + e) : e / (1 + e)) / terms
    }
    for id in relevant.lazy.map(Int.init) {
      loss -= scores[id] + bias
      gradient[id] -= 1 / terms
    }
    return loss
  }

  /// Σ_{r∈R_i} Σ_{l∉R_i} max(0, γ − (S_ir − S_il)); each active pair adds −1/T to G_ir and
  /// +1/T to G_il, T = the number of (relevant, irrelevant) pairs.
  private func hinge(
    scores: UnsafePointer<T>, relevant: UnsafeBufferPointer<Int32>,
    into gradient: UnsafeMutablePointer<T>
  ) -> T {
    let n = documentCount
    let step = 1 / T(lossTerms)
    gradient.update(repeating: 0, count: n)
    var loss: T = 0
    for r in relevant.lazy.map(Int.init) {
      let threshold = scores[r] - margin
      var active = 0
      // Every document above the threshold, relevant ones included; those are taken back below.
      for j in 0..<n where scores[j] > threshold {
        loss += scores[j] - threshold
        gradient[j] += step
        active += 1
      }
      for other in relevant.lazy.map(Int.init) where scores[other] > threshold {
        loss -= scores[other] - threshold
        gradient[other] -= step
        active -= 1
      }
      gradient[r] -= T(active) * step
    }
    return loss
  }

  /// ∇Q_i = G_i· D / τ, and (∇D)ᵀ += q_iᵀ G_i· / τ into this partition's buffer.
  private func accumulateGradients(
    of query: Int, scoreGradient: UnsafePointer<T>, into partialGradient: UnsafeMutablePointer<T>
  ) {
    let n = documentCount
    let q = queries.base + query * dimension
    let gradient = queryGradient.base + query * dimension
    for c in 0..<dimension {
      let column = documentsTransposed.base + c * n
      gradient[c] = dot(scoreGradient, column, count: n) * inverseTemperature
      addScaled(q[c] * inverseTemperature, scoreGradient, to: partialGradient + c * n, count: n)
    }
  }

  /// (∇D)ᵀ = the sum of the partitions' buffers, in partition order.
  private func sumPartialDocumentGradients() {
    let n = documentCount
    let stride = n * dimension
    forEach(documentChunks) { _, documents in
      for c in 0..<dimension {
        let total = documentGradientTransposed.base + c * n + documents.lowerBound
        total.update(repeating: 0, count: documents.count)
        for partition in partitions.indices {
          let part = partialDocumentGradients.base + partition * stride + c * n + documents.lowerBound
          addScaled(1, part, to: total, count: documents.count)
        }
      }
    }
  }

  // MARK: Update

  /// Adam step `iteration` on Q and D with the last gradients, then every row to unit length.
  func update(iteration: Int) {
    let t = T(iteration)
    let firstCorrection = 1 - T.pow(T(Adam.beta1), t)
    let secondCorrection = 1 - T.pow(T(Adam.beta2), t)
    let d = dimension
    let n = documentCount
    forEach(partitions) { _, queryRange in
      let start = queryRange.lowerBound * d
      adamStep(
        parameters: queries.base + start, gradient: queryGradient.base + start,
        moments: (queryMoments.first.base + start, queryMoments.second.base + start),
        count: queryRange.count * d, corrections: (firstCorrection, secondCorrection))
      for query in queryRange { normalize(queries.base + query * d, count: d) }
    }
    forEach(documentChunks) { _, documents in
      for c in 0..<d {
        let start = c * n + documents.lowerBound
        adamStep(
          parameters: documentsTransposed.base + start,
          gradient: documentGradientTransposed.base + start,
          moments: (documentMoments.first.base + start, documentMoments.second.base + start),
          count: documents.count, corrections: (firstCorrection, secondCorrection))
      }
      normalizeColumns(documents)
    }
    if loss == .sigmoid {
      let b = biasState.base
      adamStep(
        parameters: b, gradient: b + 1, moments: (b + 2, b + 3), count: 1,
        corrections: (firstCorrection, secondCorrection))
    }
  }

  /// p ← p − lr · (m / (1 − β1^t)) / (sqrt(v / (1 − β2^t)) + ε), after updating m and v.
  private func adamStep(
    parameters: UnsafeMutablePointer<T>, gradient: UnsafePointer<T>,
    moments: (first: UnsafeMutablePointer<T>, second: UnsafeMutablePointer<T>),
    count: Int, corrections: (first: T, second: T)
  ) {
    let beta1 = T(Adam.beta1)
    let beta2 = T(Adam.beta2)
    let epsilon = T(Adam.epsilon)
    for index in 0..<count {
      let g = gradient[index]
      moments.first[index] = beta1 * moments.first[index] + (1 - beta1) * g
      moments.second[index] = beta2 * moments.second[index] + (1 - beta2) * g * g
      let firstEstimate = moments.first[index] / corrections.first
      let secondEstimate = moments.second[index] / corrections.second
      parameters[index] -= learningRate * firstEstimate / (secondEstimate.squareRoot() + epsilon)
    }
  }

  /// Scales a row of `count` contiguous elements to unit length.
  private func normalize(_ row: UnsafeMutablePointer<T>, count: Int) {
    let norm = dot(row, row, count: count).squareRoot()
    for c in 0..<count { row[c] /= norm }
  }

  /// Scales the documents in `documents` (columns of Dᵀ) to unit length.
  private func normalizeColumns(_ documents: Range<Int>) {
    let n = documentCount
    let norms = documentNorms.base + documents.lowerBound
    norms.update(repeating: 0, count: documents.count)
    for c in 0..<dimension {
      let row = documentsTransposed.base + c * n + documents.lowerBound
      for j in 0..<documents.count { norms[j] += row[j] * row[j] }
    }
    for j in 0..<documents.count { norms[j] = norms[j].squareRoot() }
    for c in 0..<dimension {
      let row = documentsTransposed.base + c * n + documents.lowerBound
      for j in 0..<documents.count { row[j] /= norms[j] }
    }
  }

  // MARK: Inspection

  /// What the step computes for one query: its scores S_i·, the gradient of the loss with
  /// respect to them G_i·, its verdict and its share of P·L. For validation; not thread-safe.
  func row(of query: Int) -> (scores: [T], scoreGradient: [T], verdict: RowVerdict<T>, loss: T) {
    let n = documentCount
    let scores = rowScratch.base
    let gradient = scores + n
    let verdict = scoreRow(of: query, into: scores)
    let loss = lossAndScoreGradient(
      of: query, scores: scores, maximum: verdict.maximumScore, into: gradient)
    return (
      Array(UnsafeBufferPointer(start: scores, count: n)),
      Array(UnsafeBufferPointer(start: gradient, count: n)), verdict, loss
    )
  }

  /// ∇Q from the last `evaluate()`, m × d, row-major.
  func queryMatrixGradient() -> [T] {
    Array(UnsafeBufferPointer(start: queryGradient.base, count: queryGradient.count))
  }

  /// ∇D from the last `evaluate()`, n × d, row-major.
  func documentGradientMatrix() -> [T] { rowMajor(documentGradientTransposed) }

  // MARK: Parameters

  /// Q, m × d, row-major.
  func queryMatrix() -> [T] { Array(UnsafeBufferPointer(start: queries.base, count: queries.count)) }

  /// D, n × d, row-major.
  func documentMatrix() -> [T] { rowMajor(documentsTransposed) }

  /// A d × n matrix transposed into a new n × d row-major array.
  private func rowMajor(_ transposed: SharedBuffer<T>) -> [T] {
    let n = documentCount
    let d = dimension
    return (0..<(n * d)).map { index in transposed[(index % d) * n + index / d] }
  }
}
