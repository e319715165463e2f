/// The OpenCL backend's own checks, beneath what a session shows (`BackendConformance` checks
/// the sessions): every kernel's arguments as the built program declares them, and each kernel,
/// block by block, against the CPU reference computing in double precision from the same
/// float32 values, on the conformance problems cut into blocks of about a third of their
/// queries (the last one short), with ∇D's sum split as the device chooses and into three;
/// the guard regions after every buffer, for both steps.
public struct KernelValidation {
  /// The backend under test.
  public let backend: OpenCLBackend

  /// Relative tolerances, in units of the compared values' largest magnitude (see
  /// `BackendConformance.Tolerance`).
  public enum Tolerance {
    public static let scores = 1e-5
    public static let scoreGradient = 1e-5
    public static let adam = 1e-5
  }

  /// Creates the validation of `backend`.
  public init(backend: OpenCLBackend) { self.backend = backend }

  /// A conformance problem, in blocks of `blockRows` query rows.
  struct Problem {
    var name: String
    var qrels: Qrels
    var dimension: Int
    var blockRows: Int
    var loss: Loss
  }

  /// The conformance problems in blocks of about a third of their queries.
  static func problems() throws -> [Problem] {
    try BackendConformance.problems().map {
      Problem(
        name: $0.name, qrels: $0.qrels, dimension: $0.dimension,
        blockRows: max(17, $0.qrels.queryCount / 3 + 5), loss: $0.loss)
    }
  }

  /// Whether every kernel's arguments are the ones `KernelSignatures.swift` declares, as the
  /// built programs report them, the loss kernel of every loss included. Argument information
  /// exists only for programs built from source (OpenCL 1.2, §5.9.3): a backend that may load
  /// programs from the cache is compared through a fresh build of the same kernels.
  public func checkSignatures() throws -> ValidationCheck {
    let built = backend.runtime.cacheFolder != nil
      ? try OpenCLBackend(
        device: backend.openCLDevice,
        settings: OpenCLSettings(rowGroup: backend.runtime.rowGroup, tiles: backend.tiles.parameters))
      : backend
    let mismatches = try built.runtime.signatureMismatches()
    return ValidationCheck(
      "kernel signatures: " + (mismatches.first ?? "every argument as declared (clGetKernelArgInfo)"),
      observed: [mismatches.count], expected: [0])
  }

  /// The same checks with ∇D's sum over each block's queries split into three parts.
  private var splitIntoThree: KernelValidation {
    get throws { KernelValidation(backend: try OpenCLBackend(sharingKernelsOf: backend, settings: OpenCLSettings(gradientParts: 3))) }
  }

  /// Every check, passing each to `report` as it completes: the signatures; each kernel on
  /// every problem (∇D also in three parts for the fused step's loss, InfoNCE); the fused
  /// step's guard regions.
  public func run(report: (ValidationCheck) -> Void) throws {
    report(try checkSignatures())
    for problem in try Self.problems() {
      try checkKernels(on: problem, report)
      if problem.loss == OpenCLBackend.fusedLoss {
        if splitsOtherwiseThanInThree(problem) { try splitIntoThree.checkKernels(on: problem, report) }
        try checkFusedGuards(on: problem, report)
      }
    }
  }

  /// Each kernel, block by block, on the InfoNCE problems (no whole fits), with ∇D's sum split
  /// as the device chooses and into three parts: the checks `limitfit tune` runs on every
  /// candidate.
  public func checkKernels() throws -> [ValidationCheck] {
    var checks: [ValidationCheck] = []
    for problem in try Self.problems() where problem.loss == OpenCLBackend.fusedLoss {
      try checkKernels(on: problem) { checks.append($0) }
      if splitsOtherwiseThanInThree(problem) { try splitIntoThree.checkKernels(on: problem) { checks.append($0) } }
    }
    return checks
  }

  /// Whether the device's own split of ∇D over a block's queries, for some block of `problem`,
  /// is other than in three parts: where it is not, the three-part checks would repeat its own.
  private func splitsOtherwiseThanInThree(_ problem: Problem) -> Bool {
    func parts(_ rows: Int, _ requested: Int?) -> Int {
      OpenCLSession.documentGradientSplit(
        rows: rows, documents: problem.qrels.documentCount, dimension: problem.dimension,
        runtime: backend.runtime, requested: requested).parts
    }
    return OpenCLSession.blockSizes(queries: problem.qrels.queryCount, blockRows: problem.blockRows).contains {
      parts($0, backend.gradientParts) != parts($0, 3)
    }
  }

  /// Whether every buffer of `device` still has its guard region intact.
  private func guardCheck(_ device: OpenCLSession, _ name: String) throws -> ValidationCheck {
    let damaged = try device.allBuffers.filter { try !$0.guardIsIntact() }.map(\.name)
    var check = ValidationCheck("guard regions after every buffer, \(name)", observed: [damaged.count], expected: [0])
    if !damaged.isEmpty { check.name += ": written past " + damaged.joined(separator: ", ") }
    return check
  }

  private func sessions(for problem: Problem, seed: UInt64 = 1) throws
    -> (reference: any CPUFitEngine<Double>, device: OpenCLSession)
  {
    let (start, settings, reference) = BackendConformance.start(
      qrels: problem.qrels, dimension: problem.dimension, loss: problem.loss, seed: seed)
    let device = try OpenCLSession(
      backend: backend, qrels: problem.qrels, start: start, hyperparameters: settings,
      blockRows: problem.blockRows)
    // A bias away from 0, so that the checks of a loss that learns one see it.
    reference.biasState[0] = -2
    device.biasState[0] = -2
    return (reference, device)
  }

  /// The guard regions after a fused step and its update.
  private func checkFusedGuards(on problem: Problem, _ record: (ValidationCheck) -> Void) throws {
    var fused = problem
    fused.blockRows = 0
    let (_, device) = try sessions(for: fused)
    _ = try device.evaluate()
    try device.update(iteration: 1)
    record(try guardCheck(device, "\(problem.name) (fused)"))
  }

  /// Each kernel, block by block, against the CPU reference from the same embeddings.
  private func checkKernels(on problem: Problem, _ record: (ValidationCheck) -> Void) throws {
    let (reference, device) = try sessions(for: problem)
    let n = problem.qrels.documentCount
    var scores: (observed: [Float], expected: [Double]) = ([], [])
    var scoreGradients: (observed: [Float], expected: [Double]) = ([], [])
    for block in device.blocks {
      try device.computeScores(block)
      scores.observed += try device.buffers.scores.read(prefix: block.count * n)
      try device.computeLoss(block)
      scoreGradients.observed += try device.buffers.scores.read(prefix: block.count * n)
      try device.computeGradients(block)
    }
    let rows = (0..<problem.qrels.queryCount).map { reference.row(of: $0) }
    scores.expected = rows.flatMap(\.scores)
    scoreGradients.expected = rows.flatMap(\.scoreGradient)
    let parts = OpenCLSession.documentGradientSplit(
      rows: device.blocks.first?.count ?? 0, documents: n, dimension: problem.dimension, runtime: backend.runtime,
      requested: backend.gradientParts
    ).parts
    let name = "\(problem.name) (\(device.blocks.count) blocks, ∇D in \(parts) part\(parts == 1 ? "" : "s"))"
    record(ValidationCheck("scores S = QDᵀ/τ, \(name)", observed: scores.observed, expected: scores.expected, tolerance: Tolerance.scores))
    record(ValidationCheck("loss ∂L/∂S, \(name)", observed: scoreGradients.observed, expected: scoreGradients.expected, tolerance: Tolerance.scoreGradient))
    let observed = try device.reduceRows()  // before lastStep(): it sets the bias gradient
    try BackendConformance.compare(device.lastStep(), observed, with: reference, loss: problem.loss, name, record)

    // Adam from identical gradients, so that the kernel alone is compared.
    try device.buffers.queryGradient.write(reference.queryMatrixGradient().map(Float.init))
    try device.buffers.documentGradient.write(reference.documentGradientMatrix().map(Float.init))
    device.biasState[1] = Float(reference.biasState[1])
    for iteration in 1...2 {
      reference.update(iteration: iteration)
      try device.update(iteration: iteration)
    }
    let after = try device.embeddings()
    record(ValidationCheck(
      "Adam + renormalisation (Q, D\(problem.loss.learnsBias ? ", bias" : "")), \(name)",
      observed: after.queries + after.documents + [device.biasState[0]],
      expected: reference.queryMatrix() + reference.documentMatrix() + [reference.biasState[0]],
      tolerance: Tolerance.adam))

    record(try guardCheck(device, name))
  }
}
