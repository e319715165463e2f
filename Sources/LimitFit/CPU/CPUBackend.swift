import CPUEngine
import Foundation

/// The reference backend: the fit in Swift on the CPU, threaded over query partitions.
///
/// It is what the OpenCL kernels are checked against, and the fallback where no OpenCL
/// device exists.
public struct CPUBackend: FitBackend {
  /// The instruction-set level the engine runs in.
  public let level: CPULevel

  public var name: String { "cpu" }

  public var device: String {
    let cores = ProcessInfo.processInfo.activeProcessorCount
    return "CPU (\(level.rawValue)), \(cores) thread\(cores == 1 ? "" : "s")"
  }

  /// Creates the CPU backend, running the engine at `level` (by default the widest this
  /// machine has).
  public init(level: CPULevel = .best) { self.level = level }

  /// The bytes one fit of `size` allocates.
  public func bytesNeeded(for size: ProblemSize) -> Double {
    EngineFactory.bytesNeeded(queries: size.queries, documents: size.documents, dimension: size.dimension)
      + size.qrelsBytes
  }

  /// Refuses a fit whose engine and the driver's host copies (`ProblemSize.hostBytes`) do not
  /// fit in the memory free now (`SystemMemory`).
  public func checkCapacity(for size: ProblemSize, loss: Loss) throws {
    try size.requireMemory(
      bytesNeeded(for: size) + size.hostBytes, available: SystemMemory.usableBytes(),
      on: "this machine")
  }

  /// Small fits run side by side, one per core (`CPUConcurrency`).
  public func runsFitsConcurrently(of size: ProblemSize) -> Bool {
    CPUConcurrency.runsSideBySide(products: Double(size.queries) * Double(size.documents) * Double(size.dimension))
  }

  /// The engine's instruction-set level; every loss takes the same step.
  public func plan(for size: ProblemSize, loss: Loss) -> BackendPlan {
    BackendPlan(step: level.rawValue, bytes: bytesNeeded(for: size))
  }

  /// The engine at every level this machine runs, each against the reference (at the widest
  /// level, in double precision).
  public func conformanceVariants() -> [any FitBackend] {
    CPULevel.available.map { CPUBackend(level: $0) }
  }

  public func makeSession(qrels: Qrels, start: Embeddings, hyperparameters: Hyperparameters)
    throws -> any FitSession
  {
    CPUSession(
      engine: level.makeEngine(
        qrels: qrels, dimension: start.dimension, queries: start.queries,
        documents: start.documents, plan: FitPlan(qrels: qrels, hyperparameters: hyperparameters)),
      queryCount: qrels.queryCount)
  }
}

/// A CPU fit in single precision.
final class CPUSession: FitSession {
  private let engine: any CPUFitEngine<Float>
  private let queryCount: Int

  init(engine: any CPUFitEngine<Float>, queryCount: Int) {
    self.engine = engine
    self.queryCount = queryCount
  }

  func evaluate() -> StepEvaluation { engine.evaluate() }

  func update(iteration: Int) { engine.update(iteration: iteration) }

  func embeddings() -> Embeddings {
    Embeddings(
      dimension: engine.dimension, queries: engine.queryMatrix(),
      documents: engine.documentMatrix())
  }

  func lastStep() -> StepDetails {
    let rows = (0..<queryCount).map { engine.row(of: $0) }
    return StepDetails(
      rowLoss: rows.map { Double($0.loss) }, rowSolved: rows.map { $0.verdict.solved ? 1 : 0 },
      rowFound: rows.map(\.verdict.relevantFound), queryGradient: engine.queryMatrixGradient().map(Double.init),
      documentGradient: engine.documentGradientMatrix().map(Double.init), biasGradient: Double(engine.biasState[1]))
  }
}
