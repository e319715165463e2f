/// What any backend must compute: its fits against the CPU reference computing in double
/// precision from the same float32 values, through `FitBackend` and `FitSession` alone, so
/// that a new backend's tester is this suite.
///
/// For every configuration the backend names (`conformanceVariants()`), on seeded problems of
/// awkward sizes (n, m, d not multiples of tile sizes; d = 1, 2, 3, 17, 64, 65, 128; relevant
/// sets of mixed sizes; every loss): one step's row losses, verdicts, hits, reduction and both
/// gradients, and the first 200 losses of a whole fit; then the verdicts of known geometry.
/// The backend's own checks (`internalChecks`) run first.
public struct BackendConformance {
  /// The backend under test.
  public let backend: any FitBackend

  /// Relative tolerances, in units of the compared values' largest magnitude. Float32 sums of
  /// up to n·d products, in a different order on each side, differ by a few ulp per term.
  public enum Tolerance {
    public static let rowLoss = 1e-5
    public static let gradients = 1e-4
    /// The first 200 losses of a whole fit: the two paths round differently at every step.
    public static let fitLosses = 1e-4
  }

  /// Creates the suite for `backend`.
  public init(backend: any FitBackend) { self.backend = backend }

  /// A problem to check on.
  struct Problem {
    var name: String
    var qrels: Qrels
    var dimension: Int
    var loss: Loss = .infonce
  }

  static func problems() throws -> [Problem] {
    var generator = SplitMix64(seed: 2025)
    let mixed = (0..<40).map { _ in
      Array((0..<23).shuffled(using: &generator).prefix(Int.random(in: 1...6, using: &generator)))
    }
    let mixedQrels = try Qrels(relevant: mixed, documentCount: 23)
    return [
      Problem(name: "n=7 k=2 d=1", qrels: .allSubsets(documents: 7, k: 2), dimension: 1),
      Problem(name: "n=13 k=3 d=2", qrels: .allSubsets(documents: 13, k: 3), dimension: 2),
      Problem(name: "n=29 k=2 d=3", qrels: .allSubsets(documents: 29, k: 2), dimension: 3),
      Problem(name: "n=37 k=2 d=17", qrels: .allSubsets(documents: 37, k: 2), dimension: 17),
      Problem(name: "n=45 k=2 d=64", qrels: .allSubsets(documents: 45, k: 2), dimension: 64),
      Problem(name: "n=19 k=2 d=65", qrels: .allSubsets(documents: 19, k: 2), dimension: 65),
      Problem(name: "n=23 k=2 d=128", qrels: .allSubsets(documents: 23, k: 2), dimension: 128),
      Problem(name: "mixed |R| n=23 d=5", qrels: mixedQrels, dimension: 5),
    ] + Loss.allCases.filter { $0 != .infonce }.flatMap { loss in
      [
        Problem(name: "\(loss) n=29 k=2 d=3", qrels: .allSubsets(documents: 29, k: 2), dimension: 3, loss: loss),
        Problem(name: "\(loss) mixed |R| n=23 d=5", qrels: mixedQrels, dimension: 5, loss: loss),
      ]
    }
  }

  /// Runs every check, passing each to `report` as it completes.
  public func run(report: (ValidationCheck) -> Void = { _ in }) throws -> [ValidationCheck] {
    var checks: [ValidationCheck] = []
    func record(_ check: ValidationCheck) {
      checks.append(check)
      report(check)
    }
    try backend.internalChecks(report: record)
    // A problem that two variants run the same way (a loss only one step computes) runs once.
    var checked: Set<String> = []
    for variant in try backend.conformanceVariants() {
      for problem in try Self.problems() {
        let size = try ProblemSize(qrels: problem.qrels, dimension: problem.dimension)
        let name = "\(problem.name) (\(Self.describe(variant.plan(for: size, loss: problem.loss))))"
        guard checked.insert(name).inserted else { continue }
        try checkStep(on: problem, variant, name, record)
        try checkFit(on: problem, variant, name, record)
      }
      try checkVerdicts(on: variant, checked: &checked, record)
    }
    return checks
  }

  /// A check's seeded start on `qrels` in `dimension` dimensions, its hyperparameters (`loss`,
  /// many hinge pairs active) and the reference at that start, in double precision from the
  /// same float32 values.
  static func start(qrels: Qrels, dimension: Int, loss: Loss, seed: UInt64)
    -> (start: Embeddings, settings: Hyperparameters, reference: any CPUFitEngine<Double>)
  {
    var settings = Hyperparameters()
    settings.loss = loss
    settings.margin = 3
    let start = Embeddings.random(
      queries: qrels.queryCount, documents: qrels.documentCount, dimension: dimension, seed: seed)
    let reference = CPULevel.best.makeEngine(
      qrels: qrels, dimension: dimension, queries: start.queries.map(Double.init),
      documents: start.documents.map(Double.init), learningRate: settings.learningRate,
      temperature: settings.temperature, loss: settings.loss, margin: settings.margin)
    return (start, settings, reference)
  }

  /// A session of `backend` and the reference, from the same start.
  private func sessions(for problem: Problem, on backend: any FitBackend, seed: UInt64)
    throws -> (reference: any CPUFitEngine<Double>, session: any FitSession)
  {
    let (start, settings, reference) = Self.start(
      qrels: problem.qrels, dimension: problem.dimension, loss: problem.loss, seed: seed)
    return (reference, try backend.makeSession(qrels: problem.qrels, start: start, hyperparameters: settings))
  }

  /// One step: the row results, the reduction and both gradients.
  private func checkStep(
    on problem: Problem, _ backend: any FitBackend, _ name: String, _ record: (ValidationCheck) -> Void
  ) throws {
    let (reference, session) = try sessions(for: problem, on: backend, seed: 1)
    let observed = try session.evaluate()
    try Self.compare(session.lastStep(), observed, with: reference, loss: problem.loss, name, record)
  }

  /// A step's results against the reference's, which evaluates here: the row results, the
  /// reduction (and the learned bias's gradient) and both gradients.
  static func compare(
    _ step: StepDetails, _ observed: StepEvaluation, with reference: any CPUFitEngine<Double>, loss: Loss,
    _ name: String, _ record: (ValidationCheck) -> Void
  ) {
    let expected = reference.evaluate()
    let rows = (0..<step.rowLoss.count).map { reference.row(of: $0) }
    record(ValidationCheck("row loss, \(name)", observed: step.rowLoss, expected: rows.map(\.loss), tolerance: Tolerance.rowLoss))
    record(ValidationCheck("solved flags, \(name)", observed: step.rowSolved, expected: rows.map { $0.verdict.solved ? 1 : 0 }))
    record(ValidationCheck("top-k hits, \(name)", observed: step.rowFound, expected: rows.map(\.verdict.relevantFound)))
    record(ValidationCheck("reduction: loss, \(name)", observed: [observed.loss], expected: [expected.loss], tolerance: Tolerance.rowLoss))
    record(ValidationCheck(
      "reduction: solved, found, \(name)", observed: [observed.solvedQueries, observed.relevantFound],
      expected: [expected.solvedQueries, expected.relevantFound]))
    if loss.learnsBias {
      record(ValidationCheck("reduction: bias gradient, \(name)", observed: [step.biasGradient], expected: [reference.biasState[1]], tolerance: Tolerance.gradients))
    }
    record(ValidationCheck("∇Q = G·D/τ, \(name)", observed: step.queryGradient, expected: reference.queryMatrixGradient(), tolerance: Tolerance.gradients))
    record(ValidationCheck("∇D = Gᵀ·Q/τ, \(name)", observed: step.documentGradient, expected: reference.documentGradientMatrix(), tolerance: Tolerance.gradients))
  }

  /// The first 200 losses of a whole fit from the same start: Adam and the renormalisation
  /// included.
  private func checkFit(
    on problem: Problem, _ backend: any FitBackend, _ name: String, _ record: (ValidationCheck) -> Void
  ) throws {
    let (reference, session) = try sessions(for: problem, on: backend, seed: 2)
    var losses: (observed: [Double], expected: [Double]) = ([], [])
    for iteration in 1...200 {
      losses.expected.append(reference.evaluate().loss)
      losses.observed.append(try session.evaluate().loss)
      reference.update(iteration: iteration)
      try session.update(iteration: iteration)
    }
    record(ValidationCheck("whole fit: first 200 losses, \(name)", observed: losses.observed, expected: losses.expected, tolerance: Tolerance.fitLosses))
  }

  /// A plan in a check's name: the step, and its layout where it has one.
  private static func describe(_ plan: BackendPlan) -> String {
    ([plan.step] + (plan.layout.isEmpty ? [] : [plan.layout])).joined(separator: ", ")
  }

  /// The verdicts of known geometry, by the fit driver: three documents in the plane are
  /// solved, four never.
  private func checkVerdicts(
    on backend: any FitBackend, checked: inout Set<String>, _ record: (ValidationCheck) -> Void
  ) throws {
    for (documents, solved) in [(3, true), (4, false)] {
      let plan = backend.plan(for: try ProblemSize.allSubsets(documents: documents, k: 2, dimension: 2), loss: .infonce)
      let name = "whole fit: n=\(documents) d=2 is \(solved ? "" : "not ")solved (\(Self.describe(plan)))"
      guard checked.insert(name).inserted else { continue }
      let fit = try FreeEmbeddingFit(
        documents: documents, k: 2, dimension: 2, hyperparameters: Hyperparameters(),
        checkingCapacityOf: backend)
      let (result, _) = try fit.run(on: backend)
      record(ValidationCheck(name, observed: [result.solved ? 1 : 0], expected: [solved ? 1 : 0]))
    }
  }
}
