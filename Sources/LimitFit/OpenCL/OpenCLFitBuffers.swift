/// The device buffers of one OpenCL fit, allocated from its `DeviceBufferPlan` and filled with
/// the start: Q, D, their gradients and Adam's moments, one block of the score matrix, the
/// relevance matrix and the per-query results.
final class OpenCLFitBuffers {
  let queries: DeviceBuffer<Float>
  let documents: DeviceBuffer<Float>
  let queryGradient: DeviceBuffer<Float>
  let documentGradient: DeviceBuffer<Float>
  let queryMoments: (first: DeviceBuffer<Float>, second: DeviceBuffer<Float>)
  let documentMoments: (first: DeviceBuffer<Float>, second: DeviceBuffer<Float>)
  /// One block of the score matrix; the loss kernel replaces it with ∂L/∂S.
  let scores: DeviceBuffer<Float>
  /// ∇D's partial sums over parts of a block's queries (blocked step only).
  let documentGradientParts: DeviceBuffer<Float>
  let offsets: DeviceBuffer<UInt32>
  let relevantDocuments: DeviceBuffer<Int32>
  let rowLoss: DeviceBuffer<Float>
  let rowSolved: DeviceBuffer<Int32>
  let rowFound: DeviceBuffer<Int32>
  let rowBiasGradient: DeviceBuffer<Float>
  /// lse_i per query, from the fused step's first kernel for its second.
  let rowLogSumExp: DeviceBuffer<Float>
  /// The reduction's loss bits, solved and found counts and bias gradient bits.
  let totals: DeviceBuffer<UInt32>

  init(runtime: OpenCLRuntime, queue: CommandQueue, counts: DeviceBufferPlan, qrels: Qrels, start: Embeddings) throws {
    func floats(_ count: Int) throws -> DeviceBuffer<Float> { try runtime.makeBuffer(Float.self, count: count, on: queue) }
    queries = try floats(counts.queryMatrix)
    documents = try floats(counts.documentMatrix)
    queryGradient = try floats(counts.queryMatrix)
    documentGradient = try floats(counts.documentMatrix)
    queryMoments = (try floats(counts.queryMatrix), try floats(counts.queryMatrix))
    documentMoments = (try floats(counts.documentMatrix), try floats(counts.documentMatrix))
    scores = try floats(counts.scores)
    documentGradientParts = try floats(counts.documentGradientParts)
    offsets = try runtime.makeBuffer(UInt32.self, count: counts.offsets, on: queue)
    relevantDocuments = try runtime.makeBuffer(Int32.self, count: counts.relevantDocuments, on: queue)
    rowLoss = try floats(counts.perQuery)
    rowSolved = try runtime.makeBuffer(Int32.self, count: counts.perQuery, on: queue)
    rowFound = try runtime.makeBuffer(Int32.self, count: counts.perQuery, on: queue)
    rowBiasGradient = try floats(counts.perQuery)
    rowLogSumExp = try floats(counts.rowLogSumExp)
    totals = try runtime.makeBuffer(UInt32.self, count: DeviceBufferPlan.totals, on: queue)

    try queries.write(start.queries)
    try documents.write(start.documents)
    for moment in [queryMoments.first, queryMoments.second] {
      try moment.write([Float](repeating: 0, count: counts.queryMatrix))
    }
    for moment in [documentMoments.first, documentMoments.second] {
      try moment.write([Float](repeating: 0, count: counts.documentMatrix))
    }
    try rowBiasGradient.write([Float](repeating: 0, count: counts.perQuery))  // the fused step leaves it 0
    try offsets.write(qrels.offsets.map { UInt32($0) })
    try relevantDocuments.write(qrels.relevantDocuments)
  }

  /// Every buffer, named, for the guard-region checks.
  var all: [(name: String, guardIsIntact: () throws -> Bool)] {
    [
      ("Q", queries.guardIsIntact), ("D", documents.guardIsIntact),
      ("∇Q", queryGradient.guardIsIntact), ("∇D", documentGradient.guardIsIntact),
      ("Adam m(Q)", queryMoments.first.guardIsIntact), ("Adam v(Q)", queryMoments.second.guardIsIntact),
      ("Adam m(D)", documentMoments.first.guardIsIntact), ("Adam v(D)", documentMoments.second.guardIsIntact),
      ("scores", scores.guardIsIntact), ("∇D parts", documentGradientParts.guardIsIntact), ("offsets", offsets.guardIsIntact),
      ("relevant ids", relevantDocuments.guardIsIntact), ("row loss", rowLoss.guardIsIntact),
      ("row solved", rowSolved.guardIsIntact), ("row found", rowFound.guardIsIntact),
      ("row bias gradient", rowBiasGradient.guardIsIntact), ("row lse", rowLogSumExp.guardIsIntact),
      ("totals", totals.guardIsIntact),
    ]
  }
}

/// The stopping rules (`StoppingRules`) applied on the device (control.cl), so that the
/// host reads a fit's results once per `stepsPerRead` steps instead of every step: after each
/// step's reduction a one-work-item kernel records the step and decides whether the fit stops,
/// and Adam's kernels do nothing once it has.
final class DeviceStopping {
  /// The most steps between two reads.
  let stepsPerRead: Int
  /// Steps the device has recorded so far.
  private(set) var stepsRun = 0
  private let runtime: OpenCLRuntime
  private let queue: CommandQueue
  private let rules: StoppingRules
  /// Stopped, steps recorded, steps without improvement.
  let control: DeviceBuffer<Int32>
  /// The best loss as the early-stopping rule counts it, in double precision.
  private let bestLoss: DeviceBuffer<Double>
  /// Per step of one read: the loss's bits, solved queries, documents found.
  private let history: DeviceBuffer<UInt32>

  init(runtime: OpenCLRuntime, queue: CommandQueue, counts: DeviceBufferPlan, rules: StoppingRules, stepsPerRead: Int) throws {
    self.runtime = runtime
    self.queue = queue
    self.rules = rules
    self.stepsPerRead = stepsPerRead
    control = try runtime.makeBuffer(Int32.self, count: DeviceBufferPlan.control, on: queue)
    bestLoss = try runtime.makeBuffer(Double.self, count: 1, on: queue)
    history = try runtime.makeBuffer(UInt32.self, count: counts.history, on: queue)
    try control.write([0, 0, 0])
    try bestLoss.write([.infinity])
  }

  /// The buffers, named, for the guard-region checks.
  var buffers: [(name: String, guardIsIntact: () throws -> Bool)] {
    [("control", control.guardIsIntact), ("best loss", bestLoss.guardIsIntact), ("history", history.guardIsIntact)]
  }

  /// Records the step whose reduction is in `totals` as step `slot` of this read, and decides
  /// whether the fit stops there.
  func enqueueRecord(slot: Int, queries: Int, lossTerms: Int, totals: DeviceBuffer<UInt32>) throws {
    try runtime.launch(
      .recordStep, on: queue, global: [1], local: [1],
      // Patience and the iteration limit past 2³¹ − 1 steps are never reached: clamped to int.
      ["queries": .int(queries), "loss_terms": .int(lossTerms), "patience": .int(min(rules.patience, Int(Int32.max))),
       "min_delta": .double(rules.minDelta), "stop_when_solved": .int(rules.stopWhenSolved ? 1 : 0),
       "max_iterations": .int(min(rules.maxIterations, Int(Int32.max))), "slot": .int(slot),
       "totals": .buffer(totals), "control": .buffer(control), "best_loss": .buffer(bestLoss), "history": .buffer(history)])
  }

  /// The steps recorded since the last read (three values each, as in `history`), and whether
  /// the fit stopped at the last of them.
  func readSteps() throws -> (recorded: [UInt32], stopped: Bool) {
    let state = try control.read()
    let taken = Int(state[1]) - stepsRun
    let recorded = try history.read(prefix: 3 * taken)
    stepsRun += taken
    return (Array(recorded), state[0] != 0)
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
