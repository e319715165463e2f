/// One free-embedding fit: Q and D optimised directly against a relevance matrix with the
/// full-batch loss of its settings (`Loss`: InfoNCE by default) and Adam, rows kept at unit
/// length (docs/MATHEMATICS.md §1).
public struct FreeEmbeddingFit: Sendable {
  /// The relevance matrix to represent.
  public let qrels: Qrels
  /// The optimiser's settings, the seed and the stopping rules.
  public let hyperparameters: Hyperparameters
  /// k, when the matrix is the all-k-subsets problem; recorded in the result.
  public let k: Int?
  /// The content digest of any other matrix; recorded in the result.
  public let qrelsDigest: String?
  /// m, n, d and the relevant pairs.
  public let size: ProblemSize
  /// The embedding dimension d.
  public var dimension: Int { size.dimension }

  /// The all-subsets problem: every k-subset of `documents` documents is a query.
  ///
  /// - Throws: `LimitFitError` for a bad size or hyperparameter, or an error of `backend`'s
  ///   for a problem it cannot hold; nothing is allocated before the checks.
  public init(
    documents: Int, k: Int, dimension: Int, hyperparameters: Hyperparameters,
    checkingCapacityOf backend: any FitBackend
  ) throws {
    let size = try ProblemSize.allSubsets(documents: documents, k: k, dimension: dimension)
    try Self.check(size, hyperparameters, backend)
    switch hyperparameters.initialization {
    case .random: break
    case .witness:
      guard k == 2 else { throw WitnessStartUnavailable(construction: "for k = 2, not k = \(k)") }
      _ = try CyclicWitness(documents: documents, dimension: dimension)
    case .construction:
      if SumQueryCode.start(documents: documents, k: k, dimension: dimension) == nil {
        guard k == 2, dimension >= 4 else {
          throw WitnessStartUnavailable(
            construction: "of at least \(documents) vectors proving every \(k)-set in d ≤ \(dimension), and limitfit has none")
        }
        _ = try CyclicWitness(documents: documents, dimension: dimension)
      }
    }
    self.init(
      qrels: Qrels.allSubsets(documents: documents, k: k), size: size,
      hyperparameters: hyperparameters, k: k, qrelsDigest: nil)
  }

  /// A fit of any relevance matrix: a qrels file's or a pattern's.
  ///
  /// - Throws: `LimitFitError` for a bad dimension or hyperparameter, or an error of
  ///   `backend`'s for a problem it cannot hold.
  public init(
    qrels: LabeledQrels, dimension: Int, hyperparameters: Hyperparameters,
    checkingCapacityOf backend: any FitBackend
  ) throws {
    let size = try ProblemSize(qrels: qrels.qrels, dimension: dimension)
    try Self.check(size, hyperparameters, backend)
    guard hyperparameters.initialization == .random else {
      throw WitnessStartUnavailable(construction: "for the all-pairs problem, not for \(qrels.source)")
    }
    self.init(
      qrels: qrels.qrels, size: size, hyperparameters: hyperparameters, k: nil,
      qrelsDigest: qrels.digest)
  }

  /// A witness start (`Initialization.witness`) asked of a problem the construction is not for.
  public struct WitnessStartUnavailable: Error, CustomStringConvertible, Sendable {
    /// What the construction is for, and what was asked: "for k = 2, not k = 3".
    public var construction: String
    public var description: String { "the witness start is a construction \(construction)" }
  }

  private init(qrels: Qrels, size: ProblemSize, hyperparameters: Hyperparameters, k: Int?, qrelsDigest: String?) {
    self.qrels = qrels
    self.size = size
    self.hyperparameters = hyperparameters
    self.k = k
    self.qrelsDigest = qrelsDigest
  }

  /// The parameters that decide this fit's outcome.
  public var key: FitKey {
    FitKey(
      documents: qrels.documentCount, dimension: dimension, k: k, qrelsDigest: qrelsDigest,
      hyperparameters: hyperparameters)
  }

  private static func check(
    _ size: ProblemSize, _ hyperparameters: Hyperparameters, _ backend: any FitBackend
  ) throws {
    try hyperparameters.validate()
    try backend.checkCapacity(for: size, loss: hyperparameters.loss)
  }

  /// Runs the fit on `backend` from the seeded random start.
  ///
  /// - Parameter progress: called after a step whenever `progressInterval` seconds have passed
  ///   since the last call.
  /// - Returns: the result record, and the final embeddings.
  public func run(
    on backend: any FitBackend, progressInterval: Double = 0.1,
    progress: ((FitProgress) -> Void)? = nil
  ) throws -> (result: FitResult, embeddings: Embeddings) {
    let clock = ContinuousClock()
    let started = clock.now
    let session = try makeSession(on: backend)

    let loopStarted = clock.now
    var lastReport = loopStarted
    var monitor = FitMonitor(hyperparameters)
    func report() {
      guard let progress, let last = monitor.last, (clock.now - lastReport).seconds >= progressInterval else { return }
      lastReport = clock.now
      progress(FitProgress(
        iteration: monitor.iteration, evaluation: last,
        iterationsPerSecond: Double(monitor.iteration) / (lastReport - loopStarted).seconds))
    }
    let reason: StopReason
    // The device's stopping rules (control.cl) judge exactly; the paper's verdict is the host's.
    if let device = session as? MultiStepSession, device.stepsPerRead > 1, hyperparameters.verdict == .exact {
      reason = try runSteps(on: device, monitor: &monitor, report: report)
    } else {
      while true {
        let evaluation = try session.evaluate()
        if let stop = try monitor.record(evaluation) {
          reason = stop
          break
        }
        report()
        try session.update(iteration: monitor.iteration)
      }
    }
    if hyperparameters.verdict == .paper && reason != .solved {
      // The script's final accuracy, after the update that the step it stopped at made.
      try session.update(iteration: monitor.iteration)
      monitor.recordFinal(try session.evaluate())
    }
    guard let last = monitor.last else { preconditionFailure("a fit takes at least one step") }
    let finished = clock.now
    let result = FitResult(
      documents: qrels.documentCount, dimension: dimension, k: k, qrelsDigest: qrelsDigest,
      queries: qrels.queryCount,
      relevantPairs: qrels.relevantPairCount, hyperparameters: hyperparameters,
      iterations: monitor.iteration, firstSolvedIteration: monitor.firstSolvedIteration,
      finalLoss: last.loss, bestLoss: monitor.stopping.lowestLoss, accuracy: last.accuracy,
      solvedQueries: last.solvedQueries, solved: monitor.isSolved,
      stopReason: reason, wallSeconds: (finished - started).seconds,
      iterationsPerSecond: Double(monitor.iteration) / (finished - loopStarted).seconds,
      backend: backend.name, device: backend.device)
    return (result, try session.embeddings())
  }
}

extension FreeEmbeddingFit {
  /// Steps `stepsPerRead` at a time, the device deciding when to stop; the host replays each
  /// step's evaluation through the same rules and checks that both stop at the same step.
  private func runSteps(
    on session: MultiStepSession, monitor: inout FitMonitor, report: () -> Void
  ) throws -> StopReason {
    while true {
      let count = min(session.stepsPerRead, hyperparameters.maxIterations - monitor.iteration)
      let (evaluations, stopped) = try session.runSteps(count: count)
      for (index, evaluation) in evaluations.enumerated() {
        let stop = try monitor.record(evaluation)
        let isLast = index == evaluations.count - 1
        guard (stop != nil) == (isLast && stopped), evaluations.count == count || stopped else {
          throw LimitFitError(
            "the device's early stopping disagrees with the host's at iteration \(monitor.iteration)")
        }
        if let stop { return stop }
      }
      report()
    }
  }

  /// A session from the start the hyperparameters ask for; the start's host copy is gone when
  /// this returns, so that it does not sit beside the backend's own copy for the whole fit.
  private func makeSession(on backend: any FitBackend) throws -> any FitSession {
    let start = switch hyperparameters.initialization {
    case .random:
      Embeddings.random(
        queries: qrels.queryCount, documents: qrels.documentCount, dimension: dimension,
        seed: hyperparameters.seed)
    case .witness:
      try CyclicWitness(documents: qrels.documentCount, dimension: dimension, precision: .float32).embeddings()
    case .construction:
      if let code = SumQueryCode.start(documents: qrels.documentCount, k: k ?? 2, dimension: dimension) {
        code.sumQueryEmbeddings(of: qrels, dimension: dimension)
      } else {
        try CyclicWitness(documents: qrels.documentCount, dimension: dimension, precision: .float32).embeddings()
      }
    }
    return try backend.makeSession(qrels: qrels, start: start, hyperparameters: hyperparameters)
  }
}

/// When a fit stops, described once and executed twice: on the host by `FitMonitor`, and on
/// the device by record_step (Kernels/control.cl, through `DeviceStopping`), in double
/// precision as here. The host replays every step the device ran and refuses a fit where the
/// two disagree, and a test runs fits both ways to the same step.
struct StoppingRules: Sendable {
  /// Steps without an improvement larger than `minDelta` before a fit stops (`EarlyStopping`).
  let patience: Int
  /// The smallest decrease of the loss below its best that counts as an improvement.
  let minDelta: Double
  /// Whether the first step judged solved stops the fit.
  let stopWhenSolved: Bool
  /// The most steps a fit takes.
  let maxIterations: Int

  init(_ hyperparameters: Hyperparameters) {
    patience = hyperparameters.patience
    minDelta = hyperparameters.minDelta
    stopWhenSolved = hyperparameters.stopWhenSolved
    maxIterations = hyperparameters.maxIterations
  }

  /// Why the fit stops at step `iteration`, if it does there: solved (when solved steps stop
  /// it), else a plateau, else the iteration limit.
  func stopReason(judgedSolved: Bool, stopping: EarlyStopping, iteration: Int) -> StopReason? {
    if judgedSolved && stopWhenSolved { return .solved }
    if stopping.isExhausted { return .plateau }
    if iteration == maxIterations { return .iterationLimit }
    return nil
  }
}

/// The driver's rules, step by step: the stopping rules, the verdict, the first solved step,
/// and divergence.
struct FitMonitor {
  let hyperparameters: Hyperparameters
  let rules: StoppingRules
  private(set) var stopping: EarlyStopping
  private(set) var iteration = 0
  /// The first step solved exactly, whatever the verdict.
  private(set) var firstSolvedIteration: Int?
  /// Whether the verdict found the fit solved.
  private(set) var isSolved = false
  private(set) var last: StepEvaluation?

  init(_ hyperparameters: Hyperparameters) {
    self.hyperparameters = hyperparameters
    rules = StoppingRules(hyperparameters)
    stopping = EarlyStopping(patience: rules.patience, minDelta: rules.minDelta)
  }

  /// Records the next step's evaluation; returns why the fit stops there, if it does.
  ///
  /// - Throws: `LimitFitError` when the loss is not finite: the fit diverged, and neither its
  ///   verdicts nor its embeddings mean anything.
  mutating func record(_ evaluation: StepEvaluation) throws -> StopReason? {
    iteration += 1
    guard evaluation.loss.isFinite else {
      throw LimitFitError(
        "the fit diverged: the loss is \(evaluation.loss) at iteration \(iteration) (learning rate "
          + "\(hyperparameters.learningRate), temperature \(hyperparameters.temperature)): lower the learning rate or raise the temperature")
    }
    last = evaluation
    stopping.record(evaluation.loss)
    if evaluation.isSolved && firstSolvedIteration == nil { firstSolvedIteration = iteration }
    let judgedSolved = switch hyperparameters.verdict {
    case .exact: evaluation.isSolved
    case .paper: Self.isPaperSample(iteration) && evaluation.relevantFound == evaluation.relevantPairs
    }
    if judgedSolved { isSolved = true }
    return rules.stopReason(judgedSolved: judgedSolved, stopping: stopping, iteration: iteration)
  }

  /// Records the paper verdict's final evaluation, after the last step's update: solved when
  /// its accuracy is 1.0.
  mutating func recordFinal(_ evaluation: StepEvaluation) {
    last = evaluation
    stopping.record(evaluation.loss)
    if evaluation.relevantFound == evaluation.relevantPairs { isSolved = true }
  }

  /// Whether the script samples the accuracy that step `iteration` evaluates: it samples after
  /// updates 1, 51, 101, …, and step t evaluates the embeddings after t − 1 updates.
  static func isPaperSample(_ iteration: Int) -> Bool {
    iteration >= 2 && (iteration - 2) % Verdict.paperSampleInterval == 0
  }
}

/// The paper's early stopping: stop once the loss has gone `patience` consecutive steps
/// without falling more than `minDelta` below the best loss so far.
struct EarlyStopping {
  let patience: Int
  let minDelta: Double
  /// The best loss, as the rule counts it: lowered only by improvements above `minDelta`.
  private(set) var bestLoss = Double.infinity
  /// The lowest loss seen.
  private(set) var lowestLoss = Double.infinity
  private(set) var stepsWithoutImprovement = 0

  init(patience: Int, minDelta: Double) {
    self.patience = patience
    self.minDelta = minDelta
  }

  mutating func record(_ loss: Double) {
    lowestLoss = min(lowestLoss, loss)
    if loss < bestLoss - minDelta {
      bestLoss = loss
      stepsWithoutImprovement = 0
    } else {
      stepsWithoutImprovement += 1
    }
  }

  var isExhausted: Bool { stepsWithoutImprovement >= patience }
}

/// A snapshot of a fit in progress.
public struct FitProgress: Sendable {
  /// The step just evaluated.
  public var iteration: Int
  /// What that step found.
  public var evaluation: StepEvaluation
  /// Steps per second since the fit started.
  public var iterationsPerSecond: Double
}

extension Duration {
  /// The duration in seconds.
  public var seconds: Double {
    let (seconds, attoseconds) = components
    return Double(seconds) + Double(attoseconds) * 1e-18
  }
}
