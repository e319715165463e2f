import COpenCL
import Foundation
import RealModule

/// One fit on an OpenCL device: the step programme, every matrix on the device
/// (`OpenCLFitBuffers`), and where the device may stop the fit itself, `DeviceStopping`. Its
/// commands go through a queue of its own, so that fits on other threads run beside it.
final class OpenCLSession: FitSession {
  private let runtime: OpenCLRuntime
  private let queue: CommandQueue
  let queryCount: Int
  let documentCount: Int
  let dimension: Int
  let relevantPairCount: Int
  /// The loss and the step's scalars.
  private let plan: FitPlan<Float>
  var loss: Loss { plan.loss }
  /// The learned bias b of a loss that has one, its last gradient and Adam's two moments, on
  /// the host.
  var biasState: [Float] = [0, 0, 0, 0]
  /// Query ranges processed one after another, each within the score block budget; none when
  /// the step is fused.
  let blocks: [Range<Int>]
  /// The parts ∇D's sum over a block's queries is split into, when set (`documentGradientSplit`).
  private let requestedGradientParts: Int?
  /// How `evaluate` computes the loss and gradients.
  var step: OpenCLStep { blocks.isEmpty ? .fused : .blocked }
  /// Q, D, their gradients and moments, the score block, the row results.
  let buffers: OpenCLFitBuffers
  /// The stopping rules on the device, for `runSteps`.
  private let stopping: DeviceStopping
  var stepsPerRead: Int { stopping.stepsPerRead }

  /// The steps one `runSteps` call takes: as requested where the device stops fits itself (it
  /// has double precision, and the loss learns no bias, which the host updates from every
  /// step's gradient); 1 otherwise.
  static func stepsPerRead(requested: Int, loss: Loss, on device: OpenCLDevice) -> Int {
    device.hasDoublePrecision && !loss.learnsBias ? max(requested, 1) : 1
  }

  /// Prepares a fit; `blockRows` = 0 takes the fused step (`OpenCLBackend.fusedLoss` only).
  /// `runSteps` runs up to `stepsPerRead` steps per call where the device has double precision
  /// and the loss learns no bias (a bias is updated on the host from every step's gradient).
  init(
    backend: OpenCLBackend, qrels: Qrels, start: Embeddings, hyperparameters: Hyperparameters,
    blockRows: Int, stepsPerRead: Int = 1
  ) throws {
    let m = qrels.queryCount
    let runtime = backend.runtime
    self.runtime = runtime
    let queue = try runtime.makeQueue()
    self.queue = queue
    queryCount = m
    documentCount = qrels.documentCount
    dimension = start.dimension
    relevantPairCount = qrels.relevantPairCount
    let plan = FitPlan<Float>(qrels: qrels, hyperparameters: hyperparameters)
    self.plan = plan
    if let limit = plan.loss.kernelRelevantLimit, qrels.maximumRelevantCount > limit {
      throw OpenCLError.capacity(
        "the OpenCL \(plan.loss) loss takes at most \(limit) relevant documents per "
          + "query; a query here has \(qrels.maximumRelevantCount) (the cpu backend takes any number)")
    }
    precondition(blockRows > 0 || plan.loss == OpenCLBackend.fusedLoss, "the fused step computes \(OpenCLBackend.fusedLoss) only")
    // The loss's program is built now, so that a failed build ends the fit before it starts.
    if blockRows > 0 { _ = try runtime.lossKernel(for: plan.loss) }
    blocks = blockRows == 0 ? [] : stride(from: 0, to: m, by: blockRows).map { $0..<min($0 + blockRows, m) }
    requestedGradientParts = backend.gradientParts

    let stepsPerRead = Self.stepsPerRead(requested: stepsPerRead, loss: plan.loss, on: runtime.device)
    let counts = DeviceBufferPlan(
      queries: m, documents: qrels.documentCount, dimension: start.dimension,
      relevantPairs: qrels.relevantPairCount, blockRows: blockRows,
      gradientParts: Self.documentGradientParts(
        queries: m, blockRows: blockRows, documents: qrels.documentCount, dimension: start.dimension,
        runtime: runtime, requested: backend.gradientParts),
      stepsPerRead: stepsPerRead)
    buffers = try OpenCLFitBuffers(runtime: runtime, queue: queue, counts: counts, qrels: qrels, start: start)
    stopping = try DeviceStopping(
      runtime: runtime, queue: queue, counts: counts, rules: StoppingRules(hyperparameters), stepsPerRead: stepsPerRead)
  }

  /// Every buffer of the session, for the guard-region checks.
  var allBuffers: [(name: String, guardIsIntact: () throws -> Bool)] { buffers.all + stopping.buffers }

  // MARK: Kernels, one block at a time

  /// How ∇D's sum over a block of `rows` queries is split (`document_gradient`): into parts of
  /// `rowsPerPart` queries, a multiple of the tiles' depth. As `requested`, or enough parts for
  /// about four work-groups per compute unit — ∇D has only n × d outputs, too few tiles to fill
  /// a GPU on its own — and never more than one part per depth of queries.
  static func documentGradientSplit(
    rows: Int, documents: Int, dimension: Int, runtime: OpenCLRuntime, requested: Int?
  ) -> (parts: Int, rowsPerPart: Int) {
    let shape = runtime.tiles.gradients
    let outputTiles = documents.dividedRoundingUp(by: shape.outputRows) * dimension.dividedRoundingUp(by: shape.outputColumns)
    let wanted = requested ?? (4 * runtime.device.computeUnits).dividedRoundingUp(by: max(outputTiles, 1))
    let parts = max(1, min(wanted, rows.dividedRoundingUp(by: shape.depth), 1024))
    let rowsPerPart = rows.dividedRoundingUp(by: parts).dividedRoundingUp(by: shape.depth) * shape.depth
    return (rows.dividedRoundingUp(by: rowsPerPart), rowsPerPart)
  }

  /// The most parts any block of `queries` queries in blocks of `blockRows` is split into: the
  /// partial sums' buffer holds that many (0 for the fused step). Not always the first block's:
  /// rounding can split a shorter last block into more parts.
  static func documentGradientParts(
    queries: Int, blockRows: Int, documents: Int, dimension: Int, runtime: OpenCLRuntime, requested: Int?
  ) -> Int {
    blockSizes(queries: queries, blockRows: blockRows).map {
      documentGradientSplit(rows: $0, documents: documents, dimension: dimension, runtime: runtime, requested: requested).parts
    }.max() ?? 0
  }

  /// The sizes of the blocks `queries` queries in blocks of `blockRows` come in: the full
  /// blocks' and the last one's (none for the fused step, `blockRows` = 0).
  static func blockSizes(queries: Int, blockRows: Int) -> Set<Int> {
    guard blockRows > 0, queries > 0 else { return [] }
    return Set([min(blockRows, queries), queries % blockRows]).filter { $0 > 0 }
  }

  private func launch(
    _ kernel: OpenCLRuntime.Kernel, for loss: Loss? = nil, global: [Int], local: [Int],
    _ arguments: KeyValuePairs<String, OpenCLRuntime.Argument>
  ) throws {
    try runtime.launch(kernel, for: loss, on: queue, global: global, local: local, arguments)
  }

  /// The global and local sizes of a tiled product with `rows` × `columns` outputs.
  private func tiledRange(_ shape: TileShape, rows: Int, columns: Int) -> (global: [Int], local: [Int]) {
    (
      [columns.dividedRoundingUp(by: shape.outputColumns) * shape.columnItems, rows.dividedRoundingUp(by: shape.outputRows) * shape.rowItems],
      [shape.columnItems, shape.rowItems]
    )
  }

  /// S = Q_block Dᵀ / τ into the score block.
  func computeScores(_ block: Range<Int>) throws {
    let range = tiledRange(runtime.tiles.scores, rows: block.count, columns: documentCount)
    try launch(
      .scores, global: range.global, local: range.local,
      ["rows": .int(block.count), "n": .int(documentCount), "d": .int(dimension), "row0": .int(block.lowerBound),
       "inverse_temperature": .float(plan.inverseTemperature), "Q": .buffer(buffers.queries),
       "D": .buffer(buffers.documents), "S": .buffer(buffers.scores)])
  }

  /// The block's row results, and ∂L/∂S in place of its scores.
  func computeLoss(_ block: Range<Int>) throws {
    let group = runtime.rowGroup
    try launch(
      .rowLosses, for: plan.loss, global: [block.count * group], local: [group],
      ["n": .int(documentCount), "row0": .int(block.lowerBound),
       "inverse_terms": .float(1 / Float(plan.lossTerms)), "bias": .float(biasState[0]), "margin": .float(plan.margin),
       "offsets": .buffer(buffers.offsets), "relevant": .buffer(buffers.relevantDocuments), "S": .buffer(buffers.scores),
       "row_loss": .buffer(buffers.rowLoss), "row_solved": .buffer(buffers.rowSolved), "row_found": .buffer(buffers.rowFound),
       "row_bias_gradient": .buffer(buffers.rowBiasGradient)])
  }

  /// ∇Q for the block's queries, and the block's share of ∇D (added to the earlier blocks'):
  /// partial sums over parts of the block's queries, then their sum in part order.
  func computeGradients(_ block: Range<Int>) throws {
    let shape = runtime.tiles.gradients
    let queryRange = tiledRange(shape, rows: block.count, columns: dimension)
    try launch(
      .queryGradient, global: queryRange.global, local: queryRange.local,
      ["rows": .int(block.count), "n": .int(documentCount), "d": .int(dimension), "row0": .int(block.lowerBound),
       "inverse_temperature": .float(plan.inverseTemperature), "G": .buffer(buffers.scores),
       "D": .buffer(buffers.documents), "query_gradient": .buffer(buffers.queryGradient)])
    let split = Self.documentGradientSplit(
      rows: block.count, documents: documentCount, dimension: dimension, runtime: runtime,
      requested: requestedGradientParts)
    let documentRange = tiledRange(shape, rows: documentCount, columns: dimension)
    try launch(
      .documentGradient, global: documentRange.global + [split.parts], local: documentRange.local + [1],
      ["rows": .int(block.count), "n": .int(documentCount), "d": .int(dimension), "row0": .int(block.lowerBound),
       "part_rows": .int(split.rowsPerPart), "G": .buffer(buffers.scores), "Q": .buffer(buffers.queries),
       "partial": .buffer(buffers.documentGradientParts)])
    try launch(
      .sumDocumentGradient, global: [documentCount * dimension], local: [runtime.rowGroup],
      ["n": .int(documentCount), "d": .int(dimension), "parts": .int(split.parts),
       "inverse_temperature": .float(plan.inverseTemperature), "accumulate": .int(block.lowerBound == 0 ? 0 : 1),
       "partial": .buffer(buffers.documentGradientParts), "document_gradient": .buffer(buffers.documentGradient)])
  }

  /// The fused step: row results and ∇Q, then ∇D, with no score matrix.
  func computeFused() throws {
    let group = runtime.rowGroup
    let inverseTerms = 1 / Float(plan.lossTerms)
    let rowsOfD = OpenCLRuntime.Argument.localFloats(dimension)
    try launch(
      .fusedQueryRows, global: [queryCount * group], local: [group],
      ["n": .int(documentCount), "d": .int(dimension), "inverse_temperature": .float(plan.inverseTemperature),
       "inverse_terms": .float(inverseTerms), "offsets": .buffer(buffers.offsets),
       "relevant": .buffer(buffers.relevantDocuments), "Q": .buffer(buffers.queries), "D": .buffer(buffers.documents),
       "query_gradient": .buffer(buffers.queryGradient), "row_lse": .buffer(buffers.rowLogSumExp),
       "row_loss": .buffer(buffers.rowLoss), "row_solved": .buffer(buffers.rowSolved),
       "row_found": .buffer(buffers.rowFound), "q": rowsOfD, "gradient": rowsOfD])
    try launch(
      .fusedDocumentRows, global: [documentCount * group], local: [group],
      ["m": .int(queryCount), "d": .int(dimension), "inverse_temperature": .float(plan.inverseTemperature),
       "inverse_terms": .float(inverseTerms), "offsets": .buffer(buffers.offsets),
       "relevant": .buffer(buffers.relevantDocuments), "Q": .buffer(buffers.queries), "D": .buffer(buffers.documents),
       "row_lse": .buffer(buffers.rowLogSumExp), "document_gradient": .buffer(buffers.documentGradient),
       "document": rowsOfD, "gradient": rowsOfD])
  }

  /// The step's loss, solved count and found count (and the bias gradient) into the totals.
  private func enqueueReduction() throws {
    let group = runtime.rowGroup
    try launch(
      .reduceRows, global: [group], local: [group],
      ["m": .int(queryCount), "row_loss": .buffer(buffers.rowLoss), "row_solved": .buffer(buffers.rowSolved),
       "row_found": .buffer(buffers.rowFound), "row_bias_gradient": .buffer(buffers.rowBiasGradient),
       "totals": .buffer(buffers.totals)])
  }

  /// The step's loss, solved count and found count (and the bias gradient), read from the device.
  func reduceRows() throws -> StepEvaluation {
    try enqueueReduction()
    let values = try buffers.totals.read()
    biasState[1] = Float(bitPattern: values[3])
    return evaluation(values[0..<3])
  }

  /// A step's evaluation from its totals: the loss's bits, solved queries, documents found.
  private func evaluation(_ totals: ArraySlice<UInt32>) -> StepEvaluation {
    let values = Array(totals)
    return StepEvaluation(
      loss: Double(Float(bitPattern: values[0])) / Double(plan.lossTerms),
      solvedQueries: Int(values[1]), relevantFound: Int(values[2]), queries: queryCount,
      relevantPairs: relevantPairCount)
  }

  /// The row results and both gradients, by the session's step; nothing is read.
  private func enqueueLossAndGradients() throws {
    if step == .fused { try computeFused() }
    for block in blocks {
      try computeScores(block)
      try computeLoss(block)
      try computeGradients(block)
    }
  }

  /// Adam and renormalisation of Q and D, step `iteration`; skipped on the device once the fit
  /// stopped there.
  private func enqueueAdam(iteration: Int) throws -> (first: Float, second: Float) {
    let (firstCorrection, secondCorrection): (Float, Float) = Adam.corrections(iteration: iteration)
    for (rows, parameters, gradient, moments) in [
      (queryCount, buffers.queries, buffers.queryGradient, buffers.queryMoments),
      (documentCount, buffers.documents, buffers.documentGradient, buffers.documentMoments),
    ] {
      try launch(
        .adamRows, global: [rows], local: [runtime.rowGroup],
        ["rows": .int(rows), "d": .int(dimension), "learning_rate": .float(plan.learningRate),
         "first_correction": .float(firstCorrection), "second_correction": .float(secondCorrection),
         "parameters": .buffer(parameters), "gradient": .buffer(gradient), "first_moment": .buffer(moments.first),
         "second_moment": .buffer(moments.second), "control": .buffer(stopping.control)])
    }
    return (firstCorrection, secondCorrection)
  }

  /// Waits until every command enqueued on the session's queue has finished.
  func finish() throws { try check(runtime.api.Finish.loaded(queue.handle), "clFinish") }

  // MARK: FitSession

  func evaluate() throws -> StepEvaluation {
    try enqueueLossAndGradients()
    return try reduceRows()
  }

  func update(iteration: Int) throws {
    let (firstCorrection, secondCorrection) = try enqueueAdam(iteration: iteration)
    if plan.loss.learnsBias {
      // The host's Adam step, the CPU backend's, on the one scalar.
      var (bias, first, second) = (biasState[0], biasState[2], biasState[3])
      Adam.step(
        &bias, gradient: biasState[1], moments: &first, &second,
        stepSize: plan.learningRate / firstCorrection, secondScale: 1 / secondCorrection)
      (biasState[0], biasState[2], biasState[3]) = (bias, first, second)
    }
  }

  func embeddings() throws -> Embeddings {
    Embeddings(dimension: dimension, queries: try buffers.queries.read(), documents: try buffers.documents.read())
  }

  func lastStep() throws -> StepDetails {
    StepDetails(
      rowLoss: try buffers.rowLoss.read().map(Double.init), rowSolved: try buffers.rowSolved.read().map(Int.init),
      rowFound: try buffers.rowFound.read().map(Int.init), queryGradient: try buffers.queryGradient.read().map(Double.init),
      documentGradient: try buffers.documentGradient.read().map(Double.init), biasGradient: Double(biasState[1]))
  }
}

extension OpenCLSession: MultiStepSession {
  func runSteps(count: Int) throws -> (evaluations: [StepEvaluation], stopped: Bool) {
    precondition(count <= stepsPerRead, "\(count) steps in one call; at most \(stepsPerRead)")
    for slot in 0..<count {
      try enqueueLossAndGradients()
      try enqueueReduction()
      try stopping.enqueueRecord(
        slot: slot, queries: queryCount, lossTerms: plan.lossTerms, totals: buffers.totals)
      _ = try enqueueAdam(iteration: stopping.stepsRun + slot + 1)
    }
    let (recorded, stopped) = try stopping.readSteps()
    let evaluations = stride(from: 0, to: recorded.count, by: 3).map { evaluation(recorded[$0..<($0 + 3)]) }
    return (evaluations, stopped)
  }
}
