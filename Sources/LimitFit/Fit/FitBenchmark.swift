import Foundation

/// Fit steps per second of a backend at one size of the all-subsets problem: the fit's own
/// step (evaluate, then Adam and renormalisation), InfoNCE with the paper's settings, never
/// stopping early. Throughput is quoted as GFLOP/s of 6·m·n·d operations per step.
public struct FitBenchmark: Sendable {
  /// The problem: all C(n, k) queries of n documents, in d dimensions.
  public let size: ProblemSize
  /// k of the all-subsets problem.
  public let k: Int

  /// - Throws: `LimitFitError` for a bad size.
  public init(documents: Int, dimension: Int, k: Int = 2) throws {
    size = try .allSubsets(documents: documents, k: k, dimension: dimension)
    self.k = k
  }

  /// Floating-point operations one step counts: one product forward, two backward.
  public var operationsPerStep: Double {
    6 * Double(size.queries) * Double(size.documents) * Double(size.dimension)
  }

  /// One measurement.
  public struct Measurement: Codable, Sendable {
    public var backend: String
    public var device: String
    public var documents: Int
    public var dimension: Int
    public var queries: Int
    /// Steps timed, in all repeats.
    public var iterations: Int
    /// The median over repeats.
    public var iterationsPerSecond: Double
    /// 6·m·n·d · iterationsPerSecond / 10⁹.
    public var gigaflopsPerSecond: Double
    /// What the backend allocates for the fit (on the device, for a device).
    public var bytesNeeded: Double
    /// The process's peak resident memory so far (Linux), in bytes.
    public var processPeakBytes: Double?
    /// How the backend ran the fit: its step, layout and settings.
    public var plan: BackendPlan
  }

  /// Times steps on `backend`: two warm-up steps, then `repeats` runs of at least
  /// `minimumSeconds` (and at least `minimumIterations` steps) each; the median rate counts.
  ///
  /// - Throws: the backend's errors, or `LimitFitError` when the problem does not fit.
  public func run(
    on backend: any FitBackend, minimumSeconds: Double = 1, minimumIterations: Int = 1,
    repeats: Int = 3
  ) throws -> Measurement {
    try backend.checkCapacity(for: size, loss: Hyperparameters().loss)
    let qrels = Qrels.allSubsets(documents: size.documents, k: k)
    let start = Embeddings.random(
      queries: size.queries, documents: size.documents, dimension: size.dimension, seed: 42)
    let session = try backend.makeSession(qrels: qrels, start: start, hyperparameters: Hyperparameters())
    var iteration = 0
    func step() throws {
      iteration += 1
      _ = try session.evaluate()
      try session.update(iteration: iteration)
    }
    try step()
    try step()
    let clock = ContinuousClock()
    var rates: [Double] = []
    var timed = 0
    for _ in 0..<max(repeats, 1) {
      let started = clock.now
      var steps = 0
      repeat {
        try step()
        steps += 1
      } while steps < minimumIterations || (clock.now - started).seconds < minimumSeconds
      rates.append(Double(steps) / (clock.now - started).seconds)
      timed += steps
    }
    let rate = rates.sorted()[rates.count / 2]
    let plan = backend.plan(for: size, loss: .infonce)
    return Measurement(
      backend: backend.name, device: backend.device, documents: size.documents,
      dimension: size.dimension, queries: size.queries, iterations: timed,
      iterationsPerSecond: rate, gigaflopsPerSecond: operationsPerStep * rate / 1e9,
      bytesNeeded: plan.bytes, processPeakBytes: SystemMemory.processPeakBytes(), plan: plan)
  }
}
