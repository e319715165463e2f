import COpenCL
import Foundation
import RealModule

/// The fit on an OpenCL 1.2 device: GPUs, or PoCL on CPUs.
///
/// A step evaluates the loss one of two ways (`OpenCLStep`), then one reduction whose four
/// scalars (loss, solved queries, relevant documents found, the sigmoid bias's gradient) are
/// all the host reads; then, in `update`, the fused Adam and renormalisation kernel on Q and on
/// D (and Adam on the sigmoid bias, a scalar kept on the host).
public struct OpenCLBackend: FitBackend {
  let runtime: OpenCLRuntime
  /// The most bytes one block of the score matrix may take.
  public let scoreBlockBytes: Double
  /// The step every InfoNCE fit takes, when set; otherwise chosen by size (`step(for:)`).
  public let preferredStep: OpenCLStep?
  /// Steps run between two reads of the results, the device applying the early-stopping rules
  /// (where it has double precision; every step otherwise, and for the sigmoid loss).
  public let stepsPerRead: Int
  /// The parts ∇D's sum over a block's queries is split into, when set; otherwise enough to
  /// fill the device (`documentGradientSplit`).
  let gradientParts: Int?

  public var name: String { "opencl" }
  public var device: String { runtime.device.summary }
  /// The device the fits run on.
  public var openCLDevice: OpenCLDevice { runtime.device }
  /// The tiled products' shapes the kernels were built with, and where they come from.
  public var tiles: (parameters: TileParameters, origin: String) { (runtime.tiles, runtime.tilesOrigin) }

  /// Builds the kernels for `device`.
  ///
  /// - Parameters:
  ///   - scoreBlockBytes: the budget of one block of the score matrix; by default a quarter of
  ///     the device's memory, and never more than its largest allocation.
  ///   - settings: the step for InfoNCE fits (by default chosen by size), the steps between
  ///     two reads of the results (by default 32) and the work-group shapes.
  public init(device: OpenCLDevice, scoreBlockBytes: Double? = nil, settings: OpenCLSettings = OpenCLSettings()) throws {
    try self.init(
      runtime: OpenCLRuntime(device: device, library: OpenCLLibrary.shared(), settings: settings),
      scoreBlockBytes: scoreBlockBytes, settings: settings)
  }

  /// A backend on `other`'s device and built kernels, with settings of its own (their
  /// work-group shapes are the built kernels').
  init(sharingKernelsOf other: OpenCLBackend, scoreBlockBytes: Double? = nil, settings: OpenCLSettings = OpenCLSettings()) throws {
    try self.init(runtime: other.runtime, scoreBlockBytes: scoreBlockBytes, settings: settings)
  }

  private init(runtime: OpenCLRuntime, scoreBlockBytes: Double?, settings: OpenCLSettings) throws {
    self.runtime = runtime
    let device = runtime.device
    self.scoreBlockBytes = min(
      scoreBlockBytes ?? device.globalMemory / 4, device.maximumAllocation)
    stepsPerRead = settings.stepsPerRead ?? 32
    preferredStep = settings.step
    gradientParts = settings.gradientParts
  }

  /// The step a fit of `qrels` in `dimension` dimensions with `loss` takes: blocked, in as many
  /// blocks of the score matrix as the budget needs, wherever a block holds at least
  /// `minimumBlockRows` rows (or every query); fused for InfoNCE beyond that — n so large that
  /// even those rows do not fit — where the device's local memory holds its two rows of d
  /// floats. Every other loss is blocked.
  func step(for qrels: Qrels, dimension: Int, loss: Loss) -> OpenCLStep {
    guard loss == .infonce, let size = try? ProblemSize(qrels: qrels, dimension: dimension) else {
      return .blocked
    }
    return step(forInfoNCE: size)
  }

  private func step(forInfoNCE size: ProblemSize) -> OpenCLStep {
    guard Double(runtime.fusedLocalBytes(dimension: size.dimension)) <= runtime.device.localMemory else {
      return .blocked
    }
    if let preferredStep { return preferredStep }
    let rows = blockRows(documents: size.documents, queries: size.queries)
    return rows < min(size.queries, Self.minimumBlockRows) ? .fused : .blocked
  }

  /// The fewest query rows per block for which the blocked step beats the fused one: a block
  /// of the three tiled products then still fills a GPU, and the fused step's three passes of
  /// recomputed scores cost more than the extra blocks' launches (on an H200 the blocked step
  /// was 8–15× faster per step at n ≥ 512, BENCHMARKS.md).
  static let minimumBlockRows = 1024

  /// The rows of scores per block for `documents` documents and `queries` queries.
  func blockRows(documents: Int, queries: Int) -> Int {
    min(queries, Int(scoreBlockBytes / (4 * Double(documents))))
  }

  public func checkCapacity(for size: ProblemSize) throws {
    let m = Double(size.queries)
    let n = Double(size.documents)
    let d = Double(size.dimension)
    let largest = Double(Int32.max)
    guard m <= largest, n <= largest, Double(size.relevantPairs) <= Double(UInt32.max) else {
      throw OpenCLError.capacity(
        "m = \(size.queries) queries, n = \(size.documents) documents and "
          + "\(size.relevantPairs) relevant pairs exceed the OpenCL backend's 32-bit indices")
    }
    let device = runtime.device
    let rowBytes = 4 * n
    guard rowBytes <= scoreBlockBytes else {
      throw OpenCLError.capacity(
        "one row of scores for n = \(size.documents) documents needs \(formatBytes(rowBytes)), "
          + "more than the score block budget of \(formatBytes(scoreBlockBytes)) on \(device.name)")
    }
    let matrixBytes = 4 * max(m, n) * d
    guard matrixBytes <= device.maximumAllocation else {
      throw OpenCLError.capacity(
        "a \(Int(max(m, n))) × \(size.dimension) matrix needs \(formatBytes(matrixBytes)), more than "
          + "the largest buffer \(device.name) allows (\(formatBytes(device.maximumAllocation)))")
    }
    try size.requireMemory(bytesNeeded(for: size), available: device.globalMemory, on: device.name)
  }

  /// On a GPU, below about 8 million products per score matrix (the curve below d ≈ 20) a fit's
  /// kernels occupy a fraction of the device and its steps wait on launches: fits run at once,
  /// each from its own thread into its own queue. On CPU devices, one after another.
  public func runsFitsConcurrently(of size: ProblemSize) -> Bool {
    runtime.device.kind == .gpu
      && Double(size.queries) * Double(size.documents) * Double(size.dimension) < 8e6
  }

  /// The bytes of the device buffers of one InfoNCE fit of `size`, guard regions included: read
  /// from the same `DeviceBufferPlan` the session allocates from.
  public func bytesNeeded(for size: ProblemSize) -> Double {
    let rows = step(forInfoNCE: size) == .fused ? 0 : blockRows(documents: size.documents, queries: size.queries)
    return DeviceBufferPlan(
      queries: size.queries, documents: size.documents, dimension: size.dimension,
      relevantPairs: size.relevantPairs, blockRows: rows,
      gradientParts: OpenCLSession.documentGradientParts(
        queries: size.queries, blockRows: rows, documents: size.documents, dimension: size.dimension,
        runtime: runtime, requested: gradientParts),
      stepsPerRead: stepsPerRead(for: .infonce)
    ).bytes
  }

  /// The steps one read covers for `loss` on this device (`OpenCLSession.stepsPerRead`).
  func stepsPerRead(for loss: Loss) -> Int {
    OpenCLSession.stepsPerRead(requested: stepsPerRead, loss: loss, on: runtime.device)
  }

  public func plan(for size: ProblemSize, loss: Loss) -> BackendPlan {
    let settings = "tiles (\(runtime.tilesOrigin)): \(runtime.tiles)"
    guard loss != .infonce || step(forInfoNCE: size) == .blocked else {
      return BackendPlan(step: OpenCLStep.fused.rawValue, settings: settings, bytes: bytesNeeded(for: size))
    }
    let rows = blockRows(documents: size.documents, queries: size.queries)
    let blocks = pieces(size.queries, of: rows)
    let parts = OpenCLSession.documentGradientParts(
      queries: size.queries, blockRows: rows, documents: size.documents, dimension: size.dimension,
      runtime: runtime, requested: gradientParts)
    return BackendPlan(
      step: OpenCLStep.blocked.rawValue,
      layout: "\(blocks) block\(blocks == 1 ? "" : "s") of \(rows) rows, ∇D in \(parts) part\(parts == 1 ? "" : "s")",
      settings: settings, bytes: bytesNeeded(for: size))
  }

  /// The blocked step in one block where the budget allows; in blocks of 8 KiB of scores (a
  /// few dozen rows) with ∇D's sum in three parts; and the fused step.
  public func conformanceVariants() throws -> [any FitBackend] {
    [
      try OpenCLBackend(sharingKernelsOf: self, settings: OpenCLSettings(step: .blocked)),
      try OpenCLBackend(sharingKernelsOf: self, scoreBlockBytes: 8192, settings: OpenCLSettings(step: .blocked, gradientParts: 3)),
      try OpenCLBackend(sharingKernelsOf: self, settings: OpenCLSettings(step: .fused)),
    ]
  }

  /// `KernelValidation`: the kernels' signatures, each kernel block by block, guard regions.
  public func internalChecks(report: (ValidationCheck) -> Void) throws {
    try KernelValidation(backend: self).run(report: report)
  }

  public func makeSession(qrels: Qrels, start: Embeddings, hyperparameters: Hyperparameters)
    throws -> any FitSession
  {
    let step = step(for: qrels, dimension: start.dimension, loss: hyperparameters.loss)
    return try OpenCLSession(
      backend: self, qrels: qrels, start: start, hyperparameters: hyperparameters,
      blockRows: step == .fused ? 0 : blockRows(documents: qrels.documentCount, queries: qrels.queryCount),
      stepsPerRead: stepsPerRead)
  }
}

/// How the OpenCL backend evaluates a step.
public enum OpenCLStep: String, Sendable {
  /// Two kernels (`fused.cl`) that recompute scores instead of storing them: memory grows with
  /// (m + n)·d. InfoNCE only.
  case fused
  /// Blocks of the score matrix in device memory, each through the score kernel, the row-wise
  /// loss and the two tiled gradient products. Every loss.
  case blocked
}

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
  /// The sigmoid loss's bias b, its last gradient and Adam's two moments, on the host.
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
  /// has double precision, and the loss is not the sigmoid's, whose bias the host updates from
  /// every step's gradient); 1 otherwise.
  static func stepsPerRead(requested: Int, loss: Loss, on device: OpenCLDevice) -> Int {
    device.hasDoublePrecision && loss != .sigmoid ? max(requested, 1) : 1
  }

  /// Prepares a fit; `blockRows` = 0 takes the fused step (InfoNCE only). `runSteps` runs up
  /// to `stepsPerRead` steps per call where the device has double precision and the loss is
  /// not the sigmoid's (whose bias is updated on the host from every step's gradient).
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
    if plan.loss == .hinge && qrels.maximumRelevantCount > OpenCLRuntime.maximumHingeRelevant {
      throw OpenCLError.capacity(
        "the OpenCL hinge loss takes at most \(OpenCLRuntime.maximumHingeRelevant) relevant documents per "
          + "query; a query here has \(qrels.maximumRelevantCount) (the cpu backend takes any number)")
    }
    precondition(blockRows > 0 || plan.loss == .infonce, "the fused step computes InfoNCE only")
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
      runtime: runtime, queue: queue, counts: counts, rules: hyperparameters, stepsPerRead: stepsPerRead)
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
    let outputTiles = pieces(documents, of: shape.outputRows) * pieces(dimension, of: shape.outputColumns)
    let wanted = requested ?? pieces(4 * runtime.device.computeUnits, of: max(outputTiles, 1))
    let parts = max(1, min(wanted, pieces(rows, of: shape.depth), 1024))
    let rowsPerPart = pieces(pieces(rows, of: parts), of: shape.depth) * shape.depth
    return (pieces(rows, of: rowsPerPart), rowsPerPart)
  }

  /// The most parts any block of `queries` queries in blocks of `blockRows` is split into: the
  /// partial sums' buffer holds that many (0 for the fused step). Not always the first block's:
  /// rounding can split a shorter last block into more parts.
  static func documentGradientParts(
    queries: Int, blockRows: Int, documents: Int, dimension: Int, runtime: OpenCLRuntime, requested: Int?
  ) -> Int {
    guard blockRows > 0, queries > 0 else { return 0 }
    return Set([min(blockRows, queries), queries % blockRows]).filter { $0 > 0 }.map {
      documentGradientSplit(rows: $0, documents: documents, dimension: dimension, runtime: runtime, requested: requested).parts
    }.max() ?? 0
  }

  private func launch(
    _ kernel: OpenCLRuntime.Kernel, global: [Int], local: [Int], _ arguments: KeyValuePairs<String, OpenCLRuntime.Argument>
  ) throws {
    try runtime.launch(kernel, on: queue, global: global, local: local, arguments)
  }

  /// The global and local sizes of a tiled product with `rows` × `columns` outputs.
  private func tiledRange(_ shape: TileShape, rows: Int, columns: Int) -> (global: [Int], local: [Int]) {
    (
      [pieces(columns, of: shape.outputColumns) * shape.columnItems, pieces(rows, of: shape.outputRows) * shape.rowItems],
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
      .rowLosses, global: [block.count * group], local: [group],
      ["n": .int(documentCount), "row0": .int(block.lowerBound), "loss_kind": .int(loss.kernelCode),
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
    if loss == .sigmoid {
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

/// The device buffers of one fit, as element counts: what the session allocates and what the
/// memory estimate adds up, from one place, so that the two cannot drift.
struct DeviceBufferPlan {
  /// Q and its gradient and moments: m × d each.
  let queryMatrix: Int
  /// D and its gradient and moments: n × d each.
  let documentMatrix: Int
  /// One block of the score matrix, rows × n (none for the fused step).
  let scores: Int
  /// ∇D's partial sums over parts of a block's queries: parts × n × d.
  let documentGradientParts: Int
  /// The relevance matrix's row starts, m + 1, and its ids, P.
  let offsets: Int, relevantDocuments: Int
  /// Each per-query row result (loss, solved, found, bias gradient): m.
  let perQuery: Int
  /// lse per query, for the fused step only.
  let rowLogSumExp: Int
  /// Three values per step of one read.
  let history: Int
  /// The reduction's four totals, and the stopping state's three values.
  static let totals = 4, control = 3

  init(
    queries m: Int, documents n: Int, dimension d: Int, relevantPairs: Int, blockRows: Int, gradientParts: Int,
    stepsPerRead: Int
  ) {
    queryMatrix = m * d
    documentMatrix = n * d
    scores = blockRows * n
    documentGradientParts = gradientParts * n * d
    offsets = m + 1
    relevantDocuments = relevantPairs
    perQuery = m
    rowLogSumExp = blockRows == 0 ? m : 0
    history = 3 * stepsPerRead
  }

  /// Every buffer's bytes, its guard region included, in the order the session allocates them.
  var bytes: Double {
    let fourByteCounts = [
      queryMatrix, documentMatrix, queryMatrix, documentMatrix, queryMatrix, queryMatrix,
      documentMatrix, documentMatrix, scores, documentGradientParts, offsets, relevantDocuments, perQuery, perQuery,
      perQuery, perQuery, rowLogSumExp, Self.totals, Self.control, history,
    ]
    let guardElements = DeviceBuffer<Float>.guardCount
    let fourBytes = fourByteCounts.reduce(0.0) { $0 + 4 * Double($1 + guardElements) }
    return fourBytes + 8 * Double(1 + guardElements)  // and the best loss, a double
  }
}

/// How many pieces of `size` cover `count`: ⌈count / size⌉ (tiles, work-groups, parts).
private func pieces(_ count: Int, of size: Int) -> Int { (count + size - 1) / size }
