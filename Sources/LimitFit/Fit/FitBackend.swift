/// Where fits run: the CPU reference in Swift, or an OpenCL device.
///
/// The fit driver, the search, the benchmark and the conformance suite use only this protocol
/// and `FitSession`, so they never know which backend runs. A new backend is a folder of its
/// own and one line in `BackendRegistry`.
public protocol FitBackend: Sendable {
  /// The backend's short name, recorded with every result: "cpu", "opencl".
  var name: String { get }
  /// The device fits run on, in words.
  var device: String { get }
  /// The settings that shape its steps, in words ("tiles (defaults): …"); empty where none.
  var settings: String { get }
  /// Throws a `LimitFitError` or `OpenCLError` naming the limit when a fit of `size` with
  /// `loss` cannot run here (memory, buffer or index limits); called before anything is
  /// allocated.
  func checkCapacity(for size: ProblemSize, loss: Loss) throws
  /// The bytes one fit of `size` allocates (device memory for a device), for InfoNCE.
  func bytesNeeded(for size: ProblemSize) -> Double
  /// Whether fits of `size` are better run several at once than one after another: true where
  /// one fit cannot keep the device busy.
  func runsFitsConcurrently(of size: ProblemSize) -> Bool
  /// How a fit of `size` with `loss` runs here: the step it takes, what it allocates and the
  /// settings that shape it, for `bench`, the benchmark records and the conformance suite.
  func plan(for size: ProblemSize, loss: Loss) -> BackendPlan
  /// Prepares one fit of `qrels` from `start`.
  func makeSession(qrels: Qrels, start: Embeddings, hyperparameters: Hyperparameters) throws
    -> any FitSession
  /// The configurations the conformance suite checks against the CPU reference: every way this
  /// backend's fits can run (in blocks of the score matrix or fused, at each instruction set).
  func conformanceVariants() throws -> [any FitBackend]
  /// The checks of the backend's own parts that no session shows (each kernel on its own,
  /// argument signatures, guard regions), each passed to `report` as it completes.
  func internalChecks(report: (ValidationCheck) -> Void) throws
}

extension FitBackend {
  public var settings: String { "" }
  public func conformanceVariants() throws -> [any FitBackend] { [self] }
  public func internalChecks(report: (ValidationCheck) -> Void) throws {}
}

/// How one fit runs on a backend, as the backend describes it.
public struct BackendPlan: Codable, Equatable, Sendable {
  /// The step a fit takes: "fused" or "blocked" on OpenCL, the engine's instruction set on
  /// the CPU.
  public var step: String
  /// How the step divides the work, in words ("3 blocks of 150 rows, ∇D in 2 parts"); empty
  /// where it does not.
  public var layout: String
  /// The settings that shape the step (the backend's `settings`); empty where none.
  public var settings: String
  /// The bytes one fit allocates (on the device, for a device).
  public var bytes: Double

  public init(step: String, layout: String = "", settings: String = "", bytes: Double) {
    self.step = step
    self.layout = layout
    self.settings = settings
    self.bytes = bytes
  }
}

/// One fit in progress on a backend: the embeddings, Adam's moments and the gradients.
public protocol FitSession: AnyObject {
  /// Scores the current embeddings: the loss, the verdicts and the gradients for `update`.
  func evaluate() throws -> StepEvaluation
  /// Applies Adam step `iteration` (1, 2, …) with the gradients of the last `evaluate()`,
  /// then renormalises every row.
  func update(iteration: Int) throws
  /// The current embeddings, copied to the host.
  func embeddings() throws -> Embeddings
  /// What the last `evaluate()` computed, query by query and for both matrices, copied to the
  /// host: what the conformance suite compares with the CPU reference.
  func lastStep() throws -> StepDetails
}

/// One step's results in full, as `FitSession.lastStep()` reads them.
public struct StepDetails: Sendable {
  /// Each query's share of P·L.
  public var rowLoss: [Double]
  /// Each query's verdict: 1 solved, 0 not.
  public var rowSolved: [Int]
  /// Each query's relevant documents among its top |R_i|.
  public var rowFound: [Int]
  /// ∇Q, m × d, row-major.
  public var queryGradient: [Double]
  /// ∇D, n × d, row-major.
  public var documentGradient: [Double]
  /// The gradient of the learned bias (0 for a loss without one).
  public var biasGradient: Double

  public init(
    rowLoss: [Double], rowSolved: [Int], rowFound: [Int], queryGradient: [Double],
    documentGradient: [Double], biasGradient: Double
  ) {
    self.rowLoss = rowLoss
    self.rowSolved = rowSolved
    self.rowFound = rowFound
    self.queryGradient = queryGradient
    self.documentGradient = documentGradient
    self.biasGradient = biasGradient
  }
}

/// A session that runs several steps per call and stops by the driver's rules on the device,
/// so that the host waits for the device once per call instead of once per step.
public protocol MultiStepSession: FitSession {
  /// The most steps one `runSteps` call takes; 1 where the session cannot stop on the device.
  var stepsPerRead: Int { get }
  /// Runs up to `count` (≤ `stepsPerRead`) more steps, each an evaluation and then, unless the
  /// rules stop the fit there, the Adam update.
  ///
  /// - Returns: the evaluations of the steps run, and whether the rules stopped the fit at the
  ///   last of them.
  func runSteps(count: Int) throws -> (evaluations: [StepEvaluation], stopped: Bool)
}
