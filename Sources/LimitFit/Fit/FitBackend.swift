/// Where fits run: the CPU reference in Swift, or an OpenCL device.
///
/// The fit driver, the search and the analysis use only this protocol and `FitSession`,
/// so they never know which backend runs.
public protocol FitBackend: Sendable {
  /// The backend's short name, recorded with every result: "cpu", "opencl".
  var name: String { get }
  /// The device fits run on, in words.
  var device: String { get }
  /// Throws a `LimitFitError` or `OpenCLError` naming the limit when a fit of `size` cannot
  /// run here (memory, buffer or index limits); called before anything is allocated.
  func checkCapacity(for size: ProblemSize) throws
  /// The bytes one fit of `size` allocates (device memory for a device), for InfoNCE.
  func bytesNeeded(for size: ProblemSize) -> Double
  /// Whether fits of `size` are better run several at once than one after another: true where
  /// one fit cannot keep the device busy.
  func runsFitsConcurrently(of size: ProblemSize) -> Bool
  /// Prepares one fit of `qrels` from `start`.
  func makeSession(qrels: Qrels, start: Embeddings, hyperparameters: Hyperparameters) throws
    -> any FitSession
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
}

/// A session that runs several steps per call and stops by the driver's rules on the device,
/// so that the host waits for the device once per call instead of once per step.
protocol MultiStepSession: FitSession {
  /// The most steps one `runSteps` call takes; 1 where the session cannot stop on the device.
  var stepsPerRead: Int { get }
  /// Runs up to `count` (≤ `stepsPerRead`) more steps, each an evaluation and then, unless the
  /// rules stop the fit there, the Adam update.
  ///
  /// - Returns: the evaluations of the steps run, and whether the rules stopped the fit at the
  ///   last of them.
  func runSteps(count: Int) throws -> (evaluations: [StepEvaluation], stopped: Bool)
}
