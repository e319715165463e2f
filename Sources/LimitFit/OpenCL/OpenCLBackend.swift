import RealModule
import COpenCL

/// The fit on an OpenCL 1.2 device: GPUs, or PoCL on CPUs.
///
/// Each step runs, per block of queries, the score kernel, the row-wise loss (InfoNCE, sigmoid
/// or hinge) and the two gradient products; then one reduction whose four scalars (loss, solved
/// queries, relevant documents found, the sigmoid bias's gradient) are all the host reads;
/// then, in `update`, the fused Adam and renormalisation kernel on Q and on D (and Adam on the
/// sigmoid bias, a scalar kept on the host). The score matrix exists one block at a time.
public struct OpenCLBackend: FitBackend {
  let runtime: OpenCLRuntime
  /// The most bytes one block of the score matrix may take.
  public let scoreBlockBytes: Double

  public var name: String { "opencl" }
  public var device: String { runtime.device.summary }
  /// The device the fits run on.
  public var openCLDevice: OpenCLDevice { runtime.device }

  /// Builds the kernels for `device`.
  ///
  /// - Parameter scoreBlockBytes: the budget of one block of the score matrix; by default a
  ///   quarter of the device's memory, and never more than its largest allocation.
  public init(device: OpenCLDevice, scoreBlockBytes: Double? = nil) throws {
    runtime = try OpenCLRuntime(device: device, library: OpenCLLibrary.shared())
    self.scoreBlockBytes = min(
      scoreBlockBytes ?? device.globalMemory / 4, device.maximumAllocation)
  }

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
    let rows = Double(blockRows(documents: size.documents, queries: size.queries))
    let total = 16 * (m + n) * d + 12 * m + 4 * (m + 1) + 4 * Double(size.relevantPairs) + 4 * rows * n
    try size.requireMemory(total, available: device.globalMemory, on: device.name)
  }

  public func makeSession(qrels: Qrels, start: Embeddings, hyperparameters: Hyperparameters)
    throws -> any FitSession
  {
    try OpenCLSession(
      runtime: runtime, qrels: qrels, start: start, hyperparameters: hyperparameters,
      blockRows: blockRows(documents: qrels.documentCount, queries: qrels.queryCount))
  }
}

/// One fit on an OpenCL device; every matrix stays on the device.
final class OpenCLSession: FitSession {
  private let runtime: OpenCLRuntime
  let queryCount: Int
  let documentCount: Int
  let dimension: Int
  let relevantPairCount: Int
  private let inverseTemperature: Float
  private let learningRate: Float
  let loss: Loss
  private let margin: Float
  /// What the loss is averaged over (`Loss.terms(of:)`).
  private let lossTerms: Int
  /// The sigmoid loss's bias b, its last gradient and Adam's two moments, on the host.
  var biasState: [Float] = [0, 0, 0, 0]
  /// Query ranges processed one after another, each within the score block budget.
  let blocks: [Range<Int>]

  let queries: DeviceBuffer<Float>
  let documents: DeviceBuffer<Float>
  let queryGradient: DeviceBuffer<Float>
  let documentGradient: DeviceBuffer<Float>
  private let queryMoments: (first: DeviceBuffer<Float>, second: DeviceBuffer<Float>)
  private let documentMoments: (first: DeviceBuffer<Float>, second: DeviceBuffer<Float>)
  /// One block of the score matrix; the loss kernel replaces it with ∂L/∂S.
  let scores: DeviceBuffer<Float>
  private let offsets: DeviceBuffer<UInt32>
  private let relevantDocuments: DeviceBuffer<Int32>
  let rowLoss: DeviceBuffer<Float>
  let rowSolved: DeviceBuffer<Int32>
  let rowFound: DeviceBuffer<Int32>
  private let rowBiasGradient: DeviceBuffer<Float>
  private let totals: DeviceBuffer<UInt32>

  init(
    runtime: OpenCLRuntime, qrels: Qrels, start: Embeddings, hyperparameters: Hyperparameters,
    blockRows: Int
  ) throws {
    let m = qrels.queryCount
    let n = qrels.documentCount
    let d = start.dimension
    self.runtime = runtime
    queryCount = m
    documentCount = n
    dimension = d
    relevantPairCount = qrels.relevantPairCount
    inverseTemperature = Float(1 / hyperparameters.temperature)
    learningRate = Float(hyperparameters.learningRate)
    loss = hyperparameters.loss
    margin = Float(hyperparameters.margin)
    lossTerms = hyperparameters.loss.terms(of: qrels)
    if loss == .hinge && qrels.maximumRelevantCount > OpenCLRuntime.maximumHingeRelevant {
      throw OpenCLError.capacity(
        "the OpenCL hinge loss takes at most \(OpenCLRuntime.maximumHingeRelevant) relevant documents per "
          + "query; a query here has \(qrels.maximumRelevantCount) (use --backend cpu)")
    }
    blocks = stride(from: 0, to: m, by: blockRows).map { $0..<min($0 + blockRows, m) }

    queries = try runtime.makeBuffer(Float.self, count: m * d)
    documents = try runtime.makeBuffer(Float.self, count: n * d)
    queryGradient = try runtime.makeBuffer(Float.self, count: m * d)
    documentGradient = try runtime.makeBuffer(Float.self, count: n * d)
    queryMoments = (try runtime.makeBuffer(Float.self, count: m * d), try runtime.makeBuffer(Float.self, count: m * d))
    documentMoments = (try runtime.makeBuffer(Float.self, count: n * d), try runtime.makeBuffer(Float.self, count: n * d))
    scores = try runtime.makeBuffer(Float.self, count: blockRows * n)
    offsets = try runtime.makeBuffer(UInt32.self, count: m + 1)
    relevantDocuments = try runtime.makeBuffer(Int32.self, count: qrels.relevantPairCount)
    rowLoss = try runtime.makeBuffer(Float.self, count: m)
    rowSolved = try runtime.makeBuffer(Int32.self, count: m)
    rowFound = try runtime.makeBuffer(Int32.self, count: m)
    rowBiasGradient = try runtime.makeBuffer(Float.self, count: m)
    totals = try runtime.makeBuffer(UInt32.self, count: 4)

    try queries.write(start.queries)
    try documents.write(start.documents)
    for moment in [queryMoments.first, queryMoments.second] {
      try moment.write([Float](repeating: 0, count: m * d))
    }
    for moment in [documentMoments.first, documentMoments.second] {
      try moment.write([Float](repeating: 0, count: n * d))
    }
    try offsets.write(qrels.offsets.map { UInt32($0) })
    try relevantDocuments.write(qrels.relevantDocuments)
  }

  /// Every buffer of the session, for the guard-region checks.
  var buffers: [(name: String, guardIsIntact: () throws -> Bool)] {
    [
      ("Q", queries.guardIsIntact), ("D", documents.guardIsIntact),
      ("∇Q", queryGradient.guardIsIntact), ("∇D", documentGradient.guardIsIntact),
      ("Adam m(Q)", queryMoments.first.guardIsIntact), ("Adam v(Q)", queryMoments.second.guardIsIntact),
      ("Adam m(D)", documentMoments.first.guardIsIntact), ("Adam v(D)", documentMoments.second.guardIsIntact),
      ("scores", scores.guardIsIntact), ("offsets", offsets.guardIsIntact),
      ("relevant ids", relevantDocuments.guardIsIntact), ("row loss", rowLoss.guardIsIntact),
      ("row solved", rowSolved.guardIsIntact), ("row found", rowFound.guardIsIntact),
      ("row bias gradient", rowBiasGradient.guardIsIntact),
      ("totals", totals.guardIsIntact),
    ]
  }

  // MARK: Kernels, one block at a time

  /// S = Q_block Dᵀ / τ into `scores`.
  func computeScores(_ block: Range<Int>) throws {
    let tile = runtime.tile
    try runtime.launch(
      .scores, global: [documentCount, block.count], local: [tile, tile],
      [.int(block.count), .int(documentCount), .int(dimension), .int(block.lowerBound),
       .float(inverseTemperature), .buffer(queries.memory), .buffer(documents.memory),
       .buffer(scores.memory)])
  }

  /// The block's row results, and ∂L/∂S in place of its scores.
  func computeLoss(_ block: Range<Int>) throws {
    let group = runtime.rowGroup
    let kind = switch loss {
    case .infonce: 0
    case .sigmoid: 1
    case .hinge: 2
    }
    try runtime.launch(
      .rowLosses, global: [block.count * group], local: [group],
      [.int(documentCount), .int(block.lowerBound), .int(kind), .float(1 / Float(lossTerms)),
       .float(biasState[0]), .float(margin), .buffer(offsets.memory),
       .buffer(relevantDocuments.memory), .buffer(scores.memory), .buffer(rowLoss.memory),
       .buffer(rowSolved.memory), .buffer(rowFound.memory), .buffer(rowBiasGradient.memory)])
  }

  /// ∇Q for the block's queries, and the block's share of ∇D (added to the earlier blocks').
  func computeGradients(_ block: Range<Int>) throws {
    let tile = runtime.tile
    try runtime.launch(
      .queryGradient, global: [dimension, block.count], local: [tile, tile],
      [.int(block.count), .int(documentCount), .int(dimension), .int(block.lowerBound),
       .float(inverseTemperature), .buffer(scores.memory), .buffer(documents.memory),
       .buffer(queryGradient.memory)])
    try runtime.launch(
      .documentGradient, global: [dimension, documentCount], local: [tile, tile],
      [.int(block.count), .int(documentCount), .int(dimension), .int(block.lowerBound),
       .float(inverseTemperature), .int(block.lowerBound == 0 ? 0 : 1), .buffer(scores.memory),
       .buffer(queries.memory), .buffer(documentGradient.memory)])
  }

  /// The step's loss, solved count and found count (and the bias gradient), read from the device.
  func reduceRows() throws -> StepEvaluation {
    let group = runtime.rowGroup
    try runtime.launch(
      .reduceRows, global: [group], local: [group],
      [.int(queryCount), .buffer(rowLoss.memory), .buffer(rowSolved.memory),
       .buffer(rowFound.memory), .buffer(rowBiasGradient.memory), .buffer(totals.memory)])
    let values = try totals.read()
    biasState[1] = Float(bitPattern: values[3])
    return StepEvaluation(
      loss: Double(Float(bitPattern: values[0])) / Double(lossTerms),
      solvedQueries: Int(values[1]), relevantFound: Int(values[2]), queries: queryCount,
      relevantPairs: relevantPairCount)
  }

  // MARK: FitSession

  func evaluate() throws -> StepEvaluation {
    for block in blocks {
      try computeScores(block)
      try computeLoss(block)
      try computeGradients(block)
    }
    return try reduceRows()
  }

  func update(iteration: Int) throws {
    let t = Float(iteration)
    let firstCorrection = 1 - Float.pow(Float(Adam.beta1), t)
    let secondCorrection = 1 - Float.pow(Float(Adam.beta2), t)
    for (rows, parameters, gradient, moments) in [
      (queryCount, queries, queryGradient, queryMoments),
      (documentCount, documents, documentGradient, documentMoments),
    ] {
      try runtime.launch(
        .adamRows, global: [rows], local: [runtime.rowGroup],
        [.int(rows), .int(dimension), .float(learningRate), .float(firstCorrection),
         .float(secondCorrection), .buffer(parameters.memory), .buffer(gradient.memory),
         .buffer(moments.first.memory), .buffer(moments.second.memory)])
    }
    if loss == .sigmoid {
      // The same Adam step as the kernel's, on the one scalar.
      let gradient = biasState[1]
      biasState[2] = Float(Adam.beta1) * biasState[2] + (1 - Float(Adam.beta1)) * gradient
      biasState[3] = Float(Adam.beta2) * biasState[3] + (1 - Float(Adam.beta2)) * gradient * gradient
      biasState[0] -= learningRate * (biasState[2] / firstCorrection)
        / ((biasState[3] / secondCorrection).squareRoot() + Float(Adam.epsilon))
    }
  }

  func embeddings() throws -> Embeddings {
    Embeddings(dimension: dimension, queries: try queries.read(), documents: try documents.read())
  }
}
