/// One comparison of the OpenCL backend with the CPU reference in double precision.
public struct ValidationCheck: Sendable {
  /// What was compared, and on which problem.
  public var name: String
  /// max |observed − expected| over the compared values.
  public var maximumAbsoluteError: Double
  /// max |observed − expected| / max |expected|: the error relative to the values' scale.
  public var relativeError: Double
  /// The largest relative error that passes (0 for counts, which must match exactly).
  public var tolerance: Double
  /// The position of the largest error among the compared values (0 when none).
  public var worstIndex: Int
  /// The share of the compared values whose error, relative to the scale, exceeds the
  /// tolerance: one bad element, or a systematic error.
  public var errorRate: Double

  /// Whether the check passed.
  public var passed: Bool { relativeError <= tolerance }

  /// Compares `observed` with `expected`, element by element.
  init<Observed: BinaryFloatingPoint, Expected: BinaryFloatingPoint>(
    _ name: String, observed: [Observed], expected: [Expected], tolerance: Double
  ) {
    precondition(observed.count == expected.count, "\(name): \(observed.count) values against \(expected.count)")
    self.name = name
    // NaN compares false: count it as an infinite error.
    let differences = zip(observed, expected).map { a, b in
      let difference = abs(Double(a) - Double(b))
      return difference.isNaN ? Double.infinity : difference
    }
    let scale = expected.reduce(0.0) { max($0, abs(Double($1))) }
    let worstIndex = differences.indices.max { differences[$0] < differences[$1] } ?? 0
    let worst = differences.isEmpty ? 0 : differences[worstIndex]
    maximumAbsoluteError = worst
    relativeError = worst == 0 ? 0 : worst / max(scale, .leastNormalMagnitude)
    self.tolerance = tolerance
    self.worstIndex = worstIndex
    let allowed = tolerance * max(scale, .leastNormalMagnitude)
    errorRate = differences.isEmpty ? 0 : Double(differences.filter { $0 > allowed }.count) / Double(differences.count)
  }

  /// Compares counts or flags, which must be equal.
  init(_ name: String, observed: [Int], expected: [Int]) {
    self.init(name, observed: observed.map(Double.init), expected: expected.map(Double.init), tolerance: 0)
  }
}

/// Every kernel and whole short fits of the OpenCL backend against the CPU reference computing in
/// double precision from the same float32 values, on
/// seeded random problems of awkward sizes (n, m, d not multiples of the tile sizes;
/// d = 1, 2, 3, 17, 64, 65, 128; several query blocks; ∇D's sum split into parts as the device
/// chooses and into 3; relevant sets of mixed sizes).
public struct KernelValidation {
  /// The backend under test.
  public let backend: OpenCLBackend

  /// Relative tolerances, in units of the compared values' largest magnitude. Float32 sums of
  /// up to n·d products, in a different order on each side, differ by a few ulp per term.
  public enum Tolerance {
    public static let scores = 1e-5
    public static let scoreGradient = 1e-5
    public static let rowLoss = 1e-5
    public static let gradients = 1e-4
    public static let adam = 1e-5
    /// The first 200 losses of a whole fit: the two paths round differently at every step.
    public static let fitLosses = 1e-4
  }

  /// Creates the validation of `backend`.
  public init(backend: OpenCLBackend) { self.backend = backend }

  /// A problem to check on.
  struct Problem {
    var name: String
    var qrels: Qrels
    var dimension: Int
    /// Query rows per block of the score matrix; 0 for the fused step.
    var blockRows: Int
    var loss: Loss = .infonce
  }

  static func problems() throws -> [Problem] {
    var generator = SplitMix64(seed: 2025)
    let mixed = (0..<40).map { _ in
      Array((0..<23).shuffled(using: &generator).prefix(Int.random(in: 1...6, using: &generator)))
    }
    let mixedQrels = try Qrels(relevant: mixed, documentCount: 23)
    return [
      Problem(name: "n=7 k=2 d=1", qrels: .allSubsets(documents: 7, k: 2), dimension: 1, blockRows: 21),
      Problem(name: "n=13 k=3 d=2", qrels: .allSubsets(documents: 13, k: 3), dimension: 2, blockRows: 100),
      Problem(name: "n=29 k=2 d=3", qrels: .allSubsets(documents: 29, k: 2), dimension: 3, blockRows: 150),
      Problem(name: "n=37 k=2 d=17", qrels: .allSubsets(documents: 37, k: 2), dimension: 17, blockRows: 250),
      Problem(name: "n=45 k=2 d=64", qrels: .allSubsets(documents: 45, k: 2), dimension: 64, blockRows: 333),
      Problem(name: "n=19 k=2 d=65", qrels: .allSubsets(documents: 19, k: 2), dimension: 65, blockRows: 70),
      Problem(name: "n=23 k=2 d=128", qrels: .allSubsets(documents: 23, k: 2), dimension: 128, blockRows: 101),
      Problem(name: "mixed |R| n=23 d=5", qrels: mixedQrels, dimension: 5, blockRows: 17),
    ] + [Loss.sigmoid, .hinge].flatMap { loss in
      [
        Problem(name: "\(loss) n=29 k=2 d=3", qrels: .allSubsets(documents: 29, k: 2), dimension: 3, blockRows: 150, loss: loss),
        Problem(name: "\(loss) mixed |R| n=23 d=5", qrels: mixedQrels, dimension: 5, blockRows: 17, loss: loss),
      ]
    }
  }

  /// Whether every kernel's arguments are the ones `KernelSignatures.swift` declares, as the
  /// built program reports them. Argument information exists only for programs built from
  /// source (OpenCL 1.2, §5.9.3): a program loaded from the cache is compared through a fresh
  /// build of the same kernels.
  public func checkSignatures() throws -> ValidationCheck {
    let built = backend.runtime.programFromCache
      ? try OpenCLBackend(
        device: backend.openCLDevice,
        settings: OpenCLSettings(rowGroup: backend.runtime.rowGroup, tiles: backend.tiles.parameters))
      : backend
    let mismatches = try built.runtime.signatureMismatches()
    return ValidationCheck(
      "kernel signatures: " + (mismatches.first ?? "every argument as declared (clGetKernelArgInfo)"),
      observed: [mismatches.count], expected: [0])
  }

  /// Runs every check, passing each to `report` as it completes.
  public func run(report: (ValidationCheck) -> Void = { _ in }) throws -> [ValidationCheck] {
    var checks: [ValidationCheck] = []
    func record(_ check: ValidationCheck) {
      checks.append(check)
      report(check)
    }
    record(try checkSignatures())
    for problem in try Self.problems() {
      try checkKernels(on: problem, record)
      if problem.loss == .infonce { try splitIntoThree.checkKernels(on: problem, record) }
      try checkFit(on: problem, record)
      if problem.loss == .infonce {
        var fused = problem
        fused.blockRows = 0
        try checkFusedStep(on: fused, record)
        try checkFit(on: fused, record)
      }
    }
    try checkVerdicts(record)
    return checks
  }

  /// The same checks with ∇D's sum over each block's queries split into three parts.
  private var splitIntoThree: KernelValidation {
    get throws { KernelValidation(backend: try OpenCLBackend(sharingKernelsOf: backend, settings: OpenCLSettings(gradientParts: 3))) }
  }

  /// Each kernel, block by block, on the InfoNCE problems (no whole fits), with ∇D's sum split
  /// as the device chooses and into three parts: the checks `limitfit tune` runs on every
  /// candidate.
  public func checkKernels() throws -> [ValidationCheck] {
    var checks: [ValidationCheck] = []
    for problem in try Self.problems() where problem.loss == .infonce {
      try checkKernels(on: problem) { checks.append($0) }
      try splitIntoThree.checkKernels(on: problem) { checks.append($0) }
    }
    return checks
  }

  /// The fused step's row results and gradients against the CPU reference.
  private func checkFusedStep(on problem: Problem, _ record: (ValidationCheck) -> Void) throws {
    let (reference, device) = try sessions(for: problem)
    let rows = (0..<problem.qrels.queryCount).map { reference.row(of: $0) }
    let name = "\(problem.name) (fused)"
    try checkStep(
      rows: rows, expected: reference.evaluate(), observed: device.evaluate(), reference: reference,
      device: device, name: name, record)
    record(try guardCheck(device, name))
  }

  /// A step's results on the device against the reference's: the row results, the reduction
  /// (and the sigmoid bias's gradient) and both gradients.
  private func checkStep(
    rows: [(scores: [Double], scoreGradient: [Double], verdict: RowVerdict<Double>, loss: Double)],
    expected: StepEvaluation, observed: StepEvaluation, reference: any CPUFitEngine<Double>,
    device: OpenCLSession, name: String, _ record: (ValidationCheck) -> Void
  ) throws {
    record(ValidationCheck("row loss, \(name)", observed: try device.buffers.rowLoss.read(), expected: rows.map(\.loss), tolerance: Tolerance.rowLoss))
    record(ValidationCheck("solved flags, \(name)", observed: try device.buffers.rowSolved.read().map(Int.init), expected: rows.map { $0.verdict.solved ? 1 : 0 }))
    record(ValidationCheck("top-k hits, \(name)", observed: try device.buffers.rowFound.read().map(Int.init), expected: rows.map(\.verdict.relevantFound)))
    record(ValidationCheck("reduction: loss, \(name)", observed: [observed.loss], expected: [expected.loss], tolerance: Tolerance.rowLoss))
    if device.loss == .sigmoid {
      record(ValidationCheck("reduction: bias gradient, \(name)", observed: [device.biasState[1]], expected: [reference.biasState[1]], tolerance: Tolerance.gradients))
    }
    record(ValidationCheck("reduction: solved, found, \(name)", observed: [observed.solvedQueries, observed.relevantFound], expected: [expected.solvedQueries, expected.relevantFound]))
    record(ValidationCheck("∇Q = G·D/τ, \(name)", observed: try device.buffers.queryGradient.read(), expected: reference.queryMatrixGradient(), tolerance: Tolerance.gradients))
    record(ValidationCheck("∇D = Gᵀ·Q/τ, \(name)", observed: try device.buffers.documentGradient.read(), expected: reference.documentGradientMatrix(), tolerance: Tolerance.gradients))
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
    var settings = Hyperparameters()
    settings.loss = problem.loss
    settings.margin = 3  // many hinge pairs active
    let start = Embeddings.random(
      queries: problem.qrels.queryCount, documents: problem.qrels.documentCount,
      dimension: problem.dimension, seed: seed)
    // The reference computes in double precision from the same float32 start.
    let reference = CPULevel.best.makeEngine(
      qrels: problem.qrels, dimension: problem.dimension, queries: start.queries.map(Double.init),
      documents: start.documents.map(Double.init), learningRate: settings.learningRate,
      temperature: settings.temperature, loss: settings.loss, margin: settings.margin)
    let device = try OpenCLSession(
      backend: backend, qrels: problem.qrels, start: start, hyperparameters: settings,
      blockRows: problem.blockRows)
    // A bias away from 0, so that the sigmoid checks see it.
    reference.biasState[0] = -2
    device.biasState[0] = -2
    return (reference, device)
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
    try checkStep(
      rows: rows, expected: reference.evaluate(), observed: device.reduceRows(), reference: reference,
      device: device, name: name, record)

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
      "Adam + renormalisation (Q, D\(problem.loss == .sigmoid ? ", bias" : "")), \(name)",
      observed: after.queries + after.documents + [device.biasState[0]],
      expected: reference.queryMatrix() + reference.documentMatrix() + [reference.biasState[0]],
      tolerance: Tolerance.adam))

    record(try guardCheck(device, name))
  }

  /// The first 200 losses of a whole fit from the same start.
  private func checkFit(on problem: Problem, _ record: (ValidationCheck) -> Void) throws {
    let (reference, device) = try sessions(for: problem, seed: 2)
    var losses: (observed: [Double], expected: [Double]) = ([], [])
    for iteration in 1...200 {
      losses.expected.append(reference.evaluate().loss)
      losses.observed.append(try device.evaluate().loss)
      reference.update(iteration: iteration)
      try device.update(iteration: iteration)
    }
    let name = problem.name + (problem.blockRows == 0 ? " (fused)" : "")
    record(ValidationCheck("whole fit: first 200 losses, \(name)", observed: losses.observed, expected: losses.expected, tolerance: Tolerance.fitLosses))
  }

  /// The verdicts of known geometry: three documents in the plane are solved, four never.
  private func checkVerdicts(_ record: (ValidationCheck) -> Void) throws {
    for (documents, solved) in [(3, true), (4, false)] {
      let fit = try FreeEmbeddingFit(
        documents: documents, k: 2, dimension: 2, hyperparameters: Hyperparameters(),
        checkingCapacityOf: backend)
      let (result, _) = try fit.run(on: backend)
      record(ValidationCheck(
        "whole fit: n=\(documents) d=2 is \(solved ? "" : "not ")solved",
        observed: [result.solved ? 1 : 0], expected: [solved ? 1 : 0]))
    }
  }
}
