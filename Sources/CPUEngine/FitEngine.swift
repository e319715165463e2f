import FitCore

/// One fit on the CPU, exactly docs/MATHEMATICS.md §1, in the precision `T` (`CPUFitEngine`).
///
/// This source is compiled once per instruction-set level: the modules CPUEngine (any x86-64),
/// CPUEngineAVX2 and CPUEngineAVX512 hold the same files, built with different `-target-cpu`,
/// and the CPU backend picks one at run time (`CPULevel`). No level fuses a multiply and an add
/// (Swift contracts no floating-point expression), so every level computes the same bits.
///
/// Layout: Q is m × d row-major (a query's vector is contiguous); D is stored transposed,
/// d × n, so that every loop over documents runs along contiguous memory. Queries are split
/// into a fixed number of contiguous partitions, processed by as many threads as the machine
/// has, four queries at a time (`QueryBlock`): scores, loss, verdicts and gradients of a block
/// are done before the next, so no m × n matrix exists and memory grows with (m + n)·d. Each
/// partition adds its part of ∇D into a buffer of its own, and the buffers are summed in
/// partition order, in `update` (in the same pass as D's Adam step) or when ∇D is asked for.
/// Per step that is two hand-offs to the worker threads (`WorkerPool`): one for `evaluate`, one
/// for `update`. The partitions do not depend on the machine, so a fit gives the same result
/// bit for bit wherever it runs. Everything is allocated once, in `init`.
///
/// The library reaches the engine through the `CPUFitEngine` protocol, from another module,
/// where a generic method would run unspecialised: the step's methods are specialised for
/// Float and Double here (`@_specialize`), and the generic entry jumps to those.
///
/// Sendable because worker threads only read shared state and write disjoint parts of it.
final class FitEngine<T: FitScalar>: CPUFitEngine, @unchecked Sendable {
  let queryCount: Int
  let documentCount: Int
  package let dimension: Int
  let relevantPairCount: Int
  /// The loss and the step's scalars.
  let plan: FitPlan<T>
  /// How this engine computes the plan's loss on a row.
  private let rowLoss: any RowLoss.Type
  /// Whether the loss learns a bias (`Loss.learnsBias`).
  private let learnsBias: Bool
  /// `plan.lossTerms` in `T`.
  private let lossTerms: T
  /// The learned bias b of a loss that has one, its gradient and Adam's two moments.
  package let biasState: ThreadSharedBuffer<T>

  private let offsets: ThreadSharedBuffer<Int>
  private let relevantDocuments: ThreadSharedBuffer<Int32>

  /// Q, m × d.
  package let queries: ThreadSharedBuffer<T>
  /// Dᵀ, d × n: element (c, j) is coordinate c of document j.
  package let documentsTransposed: ThreadSharedBuffer<T>
  /// ∂L/∂Q, m × d, from the last `evaluate()`.
  let queryGradient: ThreadSharedBuffer<T>
  /// (∂L/∂D)ᵀ, d × n: the partitions' buffers summed, by `update` or on request.
  private let documentGradientTotal: ThreadSharedBuffer<T>
  private let queryMoments: (first: ThreadSharedBuffer<T>, second: ThreadSharedBuffer<T>)
  private let documentMoments: (first: ThreadSharedBuffer<T>, second: ThreadSharedBuffer<T>)

  /// Contiguous query ranges, one task each.
  private let partitions: [Range<Int>]
  /// Contiguous document ranges, for the work on D: at least 64 documents each (up to
  /// `maximumPartitions` ranges), so that the loops over a range's part of each row of Dᵀ are
  /// long enough to pay for themselves. The results do not depend on the split.
  private let documentChunks: [Range<Int>]
  /// Per partition: its part of (∂L/∂D)ᵀ, d × n.
  private let partialDocumentGradients: ThreadSharedBuffer<T>
  /// Per partition, for one block of queries: the queries divided by τ, their scores, ∂L/∂S and
  /// ∇Q (`BlockScratch`).
  private let blockScratch: ThreadSharedBuffer<T>
  /// Per document: the squared norm, while renormalising D.
  private let documentNorms: ThreadSharedBuffer<T>
  private let partitionTotals: ThreadSharedBuffer<PartitionTotals>
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
  ///   - relevance: the relevance matrix as sorted lists.
  ///   - queries: Q, m × d, row-major.
  ///   - documents: D, n × d, row-major.
  ///   - plan: the loss and the step's scalars.
  init(relevance: RelevanceLists, dimension d: Int, queries: [T], documents: [T], plan: FitPlan<T>) {
    let m = relevance.queryCount
    let n = relevance.documentCount
    precondition(queries.count == m * d && documents.count == n * d,
      "Q must be \(m) × \(d) and D \(n) × \(d)")
    queryCount = m
    documentCount = n
    dimension = d
    relevantPairCount = relevance.relevantDocuments.count
    self.plan = plan
    guard let rowLoss = rowLosses.first(where: { $0.loss == plan.loss }) else {
      preconditionFailure("the CPU engine has no row computation for the loss \(plan.loss)")
    }
    self.rowLoss = rowLoss
    learnsBias = plan.loss.learnsBias
    lossTerms = T(plan.lossTerms)
    biasState = ThreadSharedBuffer(repeating: 0, count: BufferPlan.biasState)
    offsets = ThreadSharedBuffer(relevance.offsets)
    relevantDocuments = ThreadSharedBuffer(relevance.relevantDocuments)

    let counts = BufferPlan(queries: m, documents: n, dimension: d)
    self.queries = ThreadSharedBuffer(queries)
    var transposed = [T](repeating: 0, count: counts.documentMatrix)
    for j in 0..<n {
      for c in 0..<d { transposed[c * n + j] = documents[j * d + c] }
    }
    documentsTransposed = ThreadSharedBuffer(transposed)
    // Zeros from calloc: the m × d buffers take memory when first written, in the first step,
    // after the caller's copy of the start is gone.
    queryGradient = .zeros(count: counts.queryMatrix)
    documentGradientTotal = .zeros(count: counts.documentMatrix)
    queryMoments = (.zeros(count: counts.queryMatrix), .zeros(count: counts.queryMatrix))
    documentMoments = (.zeros(count: counts.documentMatrix), .zeros(count: counts.documentMatrix))

    partitions = contiguousRanges(splitting: m, into: Self.maximumPartitions)
    documentChunks = contiguousRanges(splitting: n, into: min(Self.maximumPartitions, max(1, n / 64)))
    partialDocumentGradients = .zeros(count: counts.partialDocumentGradients)
    blockScratch = ThreadSharedBuffer(repeating: 0, count: counts.blockScratch)
    documentNorms = ThreadSharedBuffer(repeating: 0, count: counts.documentNorms)
    partitionTotals = ThreadSharedBuffer(repeating: PartitionTotals(), count: partitions.count)
    isParallel = CPUConcurrency.isThreaded(products: m * n * d)
    if isParallel { WorkerPool.shared.join() }
  }

  deinit {
    if isParallel { WorkerPool.shared.leave() }
    for buffer in [queries, documentsTransposed, queryGradient, documentGradientTotal,
      queryMoments.first, queryMoments.second, documentMoments.first, documentMoments.second,
      partialDocumentGradients, blockScratch, documentNorms]
    {
      buffer.deallocate()
    }
    offsets.deallocate()
    relevantDocuments.deallocate()
    biasState.deallocate()
    partitionTotals.deallocate()
  }

  /// The bytes an engine for m queries, n documents and dimension d allocates for its vectors
  /// and working memory (the relevance lists not included).
  static func bytesNeeded(queries m: Int, documents n: Int, dimension d: Int) -> Double {
    let counts = BufferPlan(queries: m, documents: n, dimension: d)
    return Double(MemoryLayout<T>.stride) * Double(counts.elements)
      + Double(MemoryLayout<PartitionTotals>.stride * min(m, maximumPartitions))
  }

  /// The engine's buffers of `T` as element counts: what `init` allocates and what
  /// `bytesNeeded` adds up, from one place, so that the two cannot drift.
  private struct BufferPlan {
    /// Q, ∇Q and Adam's two moments of Q: m × d each.
    let queryMatrix: Int
    /// Dᵀ, ∇D and Adam's two moments of D: n × d each.
    let documentMatrix: Int
    /// Each partition's part of ∇D.
    let partialDocumentGradients: Int
    /// Each partition's `BlockScratch`.
    let blockScratch: Int
    /// The documents' norms.
    let documentNorms: Int
    /// The learned bias, its gradient and its two moments.
    static var biasState: Int { 4 }

    init(queries m: Int, documents n: Int, dimension d: Int) {
      let partitions = min(m, FitEngine.maximumPartitions)
      queryMatrix = m * d
      documentMatrix = n * d
      partialDocumentGradients = partitions * n * d
      blockScratch = partitions * BlockScratch.count(documents: n, dimension: d)
      documentNorms = n
    }

    /// Every element, in all the buffers.
    var elements: Int {
      4 * queryMatrix + 4 * documentMatrix + partialDocumentGradients + blockScratch + documentNorms
        + Self.biasState
    }
  }

  private func forEach(_ ranges: [Range<Int>], _ body: @escaping @Sendable (Int, Range<Int>) -> Void) {
    if isParallel {
      WorkerPool.shared.forEach(ranges.count) { body($0, ranges[$0]) }
    } else {
      for (index, range) in ranges.enumerated() { body(index, range) }
    }
  }

  // MARK: Evaluation

  /// Computes, at the current embeddings, the loss, the verdicts and both gradients.
  @_specialize(where T == Float) @_specialize(where T == Double)
  package func evaluate() -> StepEvaluation {
    let n = documentCount
    let d = dimension
    forEach(partitions) { [self] partition, queryRange in
      let scratch = scratch(of: partition)
      let partialGradient = partialDocumentGradients.base + partition * n * d
      partialGradient.update(repeating: 0, count: n * d)
      var totals = PartitionTotals()
      for first in stride(from: queryRange.lowerBound, to: queryRange.upperBound, by: QueryBlock.rows) {
        let block = first..<min(first + QueryBlock.rows, queryRange.upperBound)
        scoreBlock(block, scratch)
        lossAndScoreGradients(of: block, scratch) { row, verdict, loss in
          totals.solvedQueries += verdict.solved ? 1 : 0
          totals.relevantFound += verdict.relevantFound
          totals.loss += Double(loss)
          if learnsBias { totals.biasGradient += Double(sum(scratch.scoreGradient + row * n, count: n)) }
        }
        // Rows past the block's end add nothing to ∇D.
        (scratch.scoreGradient + block.count * n).update(
          repeating: 0, count: (QueryBlock.rows - block.count) * n)
        QueryBlock.gradients(
          scratch.queries, scoreGradient: scratch.scoreGradient, documentsTransposed.base,
          n: n, d: d, inverseTemperature: plan.inverseTemperature,
          queryGradient: scratch.queryGradient, documentGradient: partialGradient)
        (queryGradient.base + first * d).update(from: scratch.queryGradient, count: block.count * d)
      }
      partitionTotals[partition] = totals
    }

    var totals = PartitionTotals()
    for partition in partitions.indices {
      totals.loss += partitionTotals[partition].loss
      totals.biasGradient += partitionTotals[partition].biasGradient
      totals.solvedQueries += partitionTotals[partition].solvedQueries
      totals.relevantFound += partitionTotals[partition].relevantFound
    }
    biasState[1] = T(totals.biasGradient)
    return StepEvaluation(
      loss: totals.loss / Double(plan.lossTerms), solvedQueries: totals.solvedQueries,
      relevantFound: totals.relevantFound, queries: queryCount, relevantPairs: relevantPairCount)
  }

  private func relevant(to query: Int) -> UnsafeBufferPointer<Int32> {
    UnsafeBufferPointer(
      start: relevantDocuments.base + offsets[query], count: offsets[query + 1] - offsets[query])
  }

  /// One partition's working memory for a block of queries.
  private struct BlockScratch {
    /// The block's queries divided by τ, `QueryBlock.rows` × d; zero past the block's end.
    var queries: UnsafeMutablePointer<T>
    /// Their scores S, rows × n.
    var scores: UnsafeMutablePointer<T>
    /// ∂L/∂S, rows × n.
    var scoreGradient: UnsafeMutablePointer<T>
    /// ∇Q, rows × d.
    var queryGradient: UnsafeMutablePointer<T>

    /// The elements one scratch takes.
    static func count(documents n: Int, dimension d: Int) -> Int { 2 * QueryBlock.rows * (n + d) }
  }

  private func scratch(of partition: Int) -> BlockScratch {
    let rows = QueryBlock.rows
    let n = documentCount
    let d = dimension
    let base = blockScratch.base + partition * BlockScratch.count(documents: n, dimension: d)
    return BlockScratch(
      queries: base, scores: base + rows * d, scoreGradient: base + rows * (d + n),
      queryGradient: base + rows * (d + 2 * n))
  }

  /// S = Q Dᵀ / τ for the queries in `block` (at most `QueryBlock.rows`) into `scratch`.
  private func scoreBlock(_ block: Range<Int>, _ scratch: BlockScratch) {
    let d = dimension
    let inverseTemperature = plan.inverseTemperature
    for (row, query) in block.enumerated() {
      let q = queries.base + query * d
      for c in 0..<d { scratch.queries[row * d + c] = q[c] * inverseTemperature }
    }
    (scratch.queries + block.count * d).update(repeating: 0, count: (QueryBlock.rows - block.count) * d)
    QueryBlock.scores(
      scratch.queries, documentsTransposed.base, n: documentCount, d: d, into: scratch.scores)
  }

  /// Judges the queries of `block` from their scores in `scratch`, and computes their loss
  /// and G = ∂L/∂S (into `scratch.scoreGradient`); then passes each row's index in the block,
  /// verdict and share of the summed loss (the loss times `plan.lossTerms`) to `body`, in order.
  @inline(__always)
  private func lossAndScoreGradients(
    of block: Range<Int>, _ scratch: BlockScratch, _ body: (Int, RowVerdict<T>, T) -> Void
  ) {
    let n = documentCount
    withUnsafeTemporaryAllocation(of: ScoreRow<T>.self, capacity: QueryBlock.rows) { rows in
      withUnsafeTemporaryAllocation(of: RowVerdict<T>.self, capacity: QueryBlock.rows) { verdicts in
        withUnsafeTemporaryAllocation(of: T.self, capacity: QueryBlock.rows) { losses in
          for (row, query) in block.enumerated() {
            let scores = scratch.scores + row * n
            let relevant = relevant(to: query)
            let verdict = RowVerdict(scores: scores, count: n, relevant: relevant)
            verdicts.initializeElement(at: row, to: verdict)
            rows.initializeElement(at: row, to: ScoreRow(
              scores: scores, count: n, relevant: relevant, maximum: verdict.maximumScore,
              gradient: scratch.scoreGradient + row * n, terms: lossTerms, margin: plan.margin,
              bias: biasState[0]))
          }
          rowLoss.evaluate(block: UnsafeBufferPointer(rebasing: rows[..<block.count]), losses: losses.baseAddress!)
          for row in 0..<block.count { body(row, verdicts[row], losses[row]) }
        }
      }
    }
  }

  /// (∇D)ᵀ of the documents in `documents` = the sum of the partitions' buffers, in partition
  /// order.
  private func sumPartialDocumentGradients(_ documents: Range<Int>) {
    let n = documentCount
    let stride = n * dimension
    for c in 0..<dimension {
      let total = documentGradientTotal.base + c * n + documents.lowerBound
      total.update(repeating: 0, count: documents.count)
      for partition in partitions.indices {
        let part = partialDocumentGradients.base + partition * stride + c * n + documents.lowerBound
        addScaled(1, part, to: total, count: documents.count)
      }
    }
  }

  // MARK: Update

  /// Adam step `iteration` on Q and D with the last gradients, then every row to unit length.
  @_specialize(where T == Float) @_specialize(where T == Double)
  package func update(iteration: Int) {
    let (firstCorrection, secondCorrection): (T, T) = Adam.corrections(iteration: iteration)
    let d = dimension
    let n = documentCount
    // Task i takes query partition i and document chunk i: one dispatch for the whole update.
    let tasks = partitions.count >= documentChunks.count ? partitions : documentChunks
    forEach(tasks) { [self] task, _ in
      if task < partitions.count { updateQueries(partitions[task], corrections: (firstCorrection, secondCorrection)) }
      guard task < documentChunks.count else { return }
      let documents = documentChunks[task]
      sumPartialDocumentGradients(documents)
      for c in 0..<d {
        let start = c * n + documents.lowerBound
        adamStep(
          parameters: documentsTransposed.base + start,
          gradient: documentGradientTotal.base + start,
          moments: (documentMoments.first.base + start, documentMoments.second.base + start),
          count: documents.count, corrections: (firstCorrection, secondCorrection))
      }
      normalizeColumns(documents)
    }
    if learnsBias {
      let b = biasState.base
      adamStep(
        parameters: b, gradient: b + 1, moments: (b + 2, b + 3), count: 1,
        corrections: (firstCorrection, secondCorrection))
    }
  }

  /// Adam on the rows of Q in `queryRange`, then each of them to unit length.
  private func updateQueries(_ queryRange: Range<Int>, corrections: (first: T, second: T)) {
    let d = dimension
    let start = queryRange.lowerBound * d
    adamStep(
      parameters: queries.base + start, gradient: queryGradient.base + start,
      moments: (queryMoments.first.base + start, queryMoments.second.base + start),
      count: queryRange.count * d, corrections: corrections)
    for query in queryRange { normalize(queries.base + query * d, count: d) }
  }

  /// p ← p − lr · (m / (1 − β1^t)) / (sqrt(v / (1 − β2^t)) + ε), after updating m and v.
  private func adamStep(
    parameters: UnsafeMutablePointer<T>, gradient: UnsafePointer<T>,
    moments: (first: UnsafeMutablePointer<T>, second: UnsafeMutablePointer<T>),
    count: Int, corrections: (first: T, second: T)
  ) {
    // lr · (m / c1) = (lr / c1) · m, and v / c2 = v · (1 / c2): one division per element.
    let stepSize = plan.learningRate / corrections.first
    let secondScale = 1 / corrections.second
    var index = 0
    while index + 8 <= count {
      var (p, m, v) = (load(parameters + index), load(moments.first + index), load(moments.second + index))
      Adam.step(&p, gradient: load(gradient + index), moments: &m, &v, stepSize: stepSize, secondScale: secondScale)
      store(p, parameters + index)
      store(m, moments.first + index)
      store(v, moments.second + index)
      index += 8
    }
    while index < count {
      Adam.step(
        &parameters[index], gradient: gradient[index], moments: &moments.first[index], &moments.second[index],
        stepSize: stepSize, secondScale: secondScale)
      index += 1
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
  @_specialize(where T == Float) @_specialize(where T == Double)
  package func row(of query: Int) -> (scores: [T], scoreGradient: [T], verdict: RowVerdict<T>, loss: T) {
    let n = documentCount
    let scratch = scratch(of: 0)
    scoreBlock(query..<(query + 1), scratch)
    var result: (verdict: RowVerdict<T>, loss: T)?
    lossAndScoreGradients(of: query..<(query + 1), scratch) { _, verdict, loss in result = (verdict, loss) }
    return (
      Array(UnsafeBufferPointer(start: scratch.scores, count: n)),
      Array(UnsafeBufferPointer(start: scratch.scoreGradient, count: n)), result!.verdict, result!.loss
    )
  }

  /// ∇Q from the last `evaluate()`, m × d, row-major.
  @_specialize(where T == Float) @_specialize(where T == Double)
  package func queryMatrixGradient() -> [T] {
    Array(UnsafeBufferPointer(start: queryGradient.base, count: queryGradient.count))
  }

  /// ∇D from the last `evaluate()`, n × d, row-major.
  @_specialize(where T == Float) @_specialize(where T == Double)
  package func documentGradientMatrix() -> [T] {
    for documents in documentChunks { sumPartialDocumentGradients(documents) }
    return rowMajor(documentGradientTotal)
  }

  // MARK: Parameters

  /// Q, m × d, row-major.
  @_specialize(where T == Float) @_specialize(where T == Double)
  package func queryMatrix() -> [T] { Array(UnsafeBufferPointer(start: queries.base, count: queries.count)) }

  /// D, n × d, row-major.
  @_specialize(where T == Float) @_specialize(where T == Double)
  package func documentMatrix() -> [T] { rowMajor(documentsTransposed) }

  /// A d × n matrix transposed into a new n × d row-major array.
  private func rowMajor(_ transposed: ThreadSharedBuffer<T>) -> [T] {
    let n = documentCount
    let d = dimension
    return (0..<(n * d)).map { index in transposed[(index % d) * n + index / d] }
  }
}
