import COpenCL
import Foundation
import RealModule

/// The fit on an OpenCL 1.2 device: GPUs, or PoCL on CPUs.
///
/// A step evaluates the loss one of two ways (`OpenCLStep`), then one reduction whose four
/// scalars (loss, solved queries, relevant documents found, a learned bias's gradient) are all
/// the host reads; then, in `update`, the fused Adam and renormalisation kernel on Q and on D
/// (and Adam on a loss's learned bias, a scalar kept on the host). The loss kernel is built
/// once per loss, from the loss's definition (`OpenCLRuntime.lossKernel(for:)`).
public struct OpenCLBackend: FitBackend {
  let runtime: OpenCLRuntime
  /// The most bytes one block of the score matrix may take.
  public let scoreBlockBytes: Double
  /// The step every fit of `fusedLoss` takes, when set; otherwise chosen by size (`step(for:)`).
  public let preferredStep: OpenCLStep?
  /// Steps run between two reads of the results, the device applying the early-stopping rules
  /// (where it has double precision; every step otherwise, and for a loss that learns a bias).
  public let stepsPerRead: Int
  /// The parts ∇D's sum over a block's queries is split into, when set; otherwise enough to
  /// fill the device (`documentGradientSplit`).
  let gradientParts: Int?

  public var name: String { "opencl" }
  public var device: String { runtime.device.summary }
  /// The device the fits run on.
  public var openCLDevice: OpenCLDevice { runtime.device }
  /// The tiled products' shapes the kernels were built with, and where they come from.
  public var tiles: (parameters: TileParameters, origin: String) { (runtime.tiles, runtime.tilesOrigin) }

  /// Builds the kernels for `device`.
  ///
  /// - Parameters:
  ///   - scoreBlockBytes: the budget of one block of the score matrix; by default a quarter of
  ///     the device's memory, and never more than its largest allocation.
  ///   - settings: the step for InfoNCE fits (by default chosen by size), the steps between
  ///     two reads of the results (by default 32) and the work-group shapes.
  public init(device: OpenCLDevice, scoreBlockBytes: Double? = nil, settings: OpenCLSettings = OpenCLSettings()) throws {
    try self.init(
      runtime: OpenCLRuntime(device: device, library: OpenCLLibrary.shared(), settings: settings),
      scoreBlockBytes: scoreBlockBytes, settings: settings)
  }

  /// A backend on `other`'s device and built kernels, with settings of its own (their
  /// work-group shapes are the built kernels').
  init(sharingKernelsOf other: OpenCLBackend, scoreBlockBytes: Double? = nil, settings: OpenCLSettings = OpenCLSettings()) throws {
    try self.init(runtime: other.runtime, scoreBlockBytes: scoreBlockBytes, settings: settings)
  }

  private init(runtime: OpenCLRuntime, scoreBlockBytes: Double?, settings: OpenCLSettings) throws {
    self.runtime = runtime
    let device = runtime.device
    self.scoreBlockBytes = min(
      scoreBlockBytes ?? device.globalMemory / 4, device.maximumAllocation)
    stepsPerRead = settings.stepsPerRead ?? 32
    preferredStep = settings.step
    gradientParts = settings.gradientParts
  }

  /// The loss the fused step computes (fused.cl); every other loss takes the blocked step.
  static let fusedLoss = Loss.infonce

  /// The step a fit of `qrels` in `dimension` dimensions with `loss` takes (`step(for:loss:)`).
  func step(for qrels: Qrels, dimension: Int, loss: Loss) -> OpenCLStep {
    guard let size = try? ProblemSize(qrels: qrels, dimension: dimension) else { return .blocked }
    return step(for: size, loss: loss)
  }

  /// The step a fit of `size` with `loss` takes: blocked, in as many blocks of the score matrix
  /// as the budget needs, wherever a block holds at least `minimumBlockRows` rows (or every
  /// query); fused for `fusedLoss` beyond that — n so large that even those rows do not fit —
  /// where the device's local memory holds its two rows of d floats. Every other loss is
  /// blocked.
  private func step(for size: ProblemSize, loss: Loss) -> OpenCLStep {
    guard loss == Self.fusedLoss,
      Double(runtime.fusedLocalBytes(dimension: size.dimension)) <= runtime.device.localMemory
    else {
      return .blocked
    }
    if let preferredStep { return preferredStep }
    let rows = blockRows(documents: size.documents, queries: size.queries)
    return rows < min(size.queries, Self.minimumBlockRows) ? .fused : .blocked
  }

  /// The fewest query rows per block for which the blocked step beats the fused one: a block
  /// of the three tiled products then still fills a GPU, and the fused step's three passes of
  /// recomputed scores cost more than the extra blocks' launches (on an H200 the blocked step
  /// was 8–15× faster per step at n ≥ 512, BENCHMARKS.md).
  static let minimumBlockRows = 1024

  /// The rows of scores per block for `documents` documents and `queries` queries.
  func blockRows(documents: Int, queries: Int) -> Int {
    min(queries, Int(scoreBlockBytes / (4 * Double(documents))))
  }

  public func checkCapacity(for size: ProblemSize, loss: Loss) throws {
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
    try size.requireMemory(bytesNeeded(for: size, loss: loss), available: device.globalMemory, on: device.name)
  }

  /// On a GPU, below about 8 million products per score matrix (the curve below d ≈ 20) a fit's
  /// kernels occupy a fraction of the device and its steps wait on launches: fits run at once,
  /// each from its own thread into its own queue. On CPU devices, one after another.
  public func runsFitsConcurrently(of size: ProblemSize) -> Bool {
    runtime.device.kind == .gpu
      && Double(size.queries) * Double(size.documents) * Double(size.dimension) < 8e6
  }

  /// The bytes of the device buffers of one InfoNCE fit of `size`, guard regions included.
  public func bytesNeeded(for size: ProblemSize) -> Double { bytesNeeded(for: size, loss: Self.fusedLoss) }

  /// The bytes of the device buffers of one fit of `size` with `loss`, guard regions included:
  /// read from the same `DeviceBufferPlan` the session allocates from.
  private func bytesNeeded(for size: ProblemSize, loss: Loss) -> Double {
    let rows = step(for: size, loss: loss) == .fused ? 0 : blockRows(documents: size.documents, queries: size.queries)
    return DeviceBufferPlan(
      queries: size.queries, documents: size.documents, dimension: size.dimension,
      relevantPairs: size.relevantPairs, blockRows: rows,
      gradientParts: OpenCLSession.documentGradientParts(
        queries: size.queries, blockRows: rows, documents: size.documents, dimension: size.dimension,
        runtime: runtime, requested: gradientParts),
      stepsPerRead: stepsPerRead(for: loss)
    ).bytes
  }

  /// The steps one read covers for `loss` on this device (`OpenCLSession.stepsPerRead`).
  func stepsPerRead(for loss: Loss) -> Int {
    OpenCLSession.stepsPerRead(requested: stepsPerRead, loss: loss, on: runtime.device)
  }

  /// The tiles' shapes and where they come from.
  public var settings: String { "tiles (\(runtime.tilesOrigin)): \(runtime.tiles)" }

  public func plan(for size: ProblemSize, loss: Loss) -> BackendPlan {
    let bytes = bytesNeeded(for: size, loss: loss)
    guard step(for: size, loss: loss) == .blocked else {
      return BackendPlan(step: OpenCLStep.fused.rawValue, settings: settings, bytes: bytes)
    }
    let rows = blockRows(documents: size.documents, queries: size.queries)
    let blocks = size.queries.dividedRoundingUp(by: rows)
    let parts = OpenCLSession.documentGradientParts(
      queries: size.queries, blockRows: rows, documents: size.documents, dimension: size.dimension,
      runtime: runtime, requested: gradientParts)
    return BackendPlan(
      step: OpenCLStep.blocked.rawValue,
      layout: "\(blocks) block\(blocks == 1 ? "" : "s") of \(rows) rows, ∇D in \(parts) part\(parts == 1 ? "" : "s")",
      settings: settings, bytes: bytes)
  }

  /// The blocked step in one block where the budget allows; in blocks of 8 KiB of scores (a
  /// few dozen rows) with ∇D's sum in three parts; and the fused step.
  public func conformanceVariants() throws -> [any FitBackend] {
    [
      try OpenCLBackend(sharingKernelsOf: self, settings: OpenCLSettings(step: .blocked)),
      try OpenCLBackend(sharingKernelsOf: self, scoreBlockBytes: 8192, settings: OpenCLSettings(step: .blocked, gradientParts: 3)),
      try OpenCLBackend(sharingKernelsOf: self, settings: OpenCLSettings(step: .fused)),
    ]
  }

  /// `KernelValidation`: the kernels' signatures, each kernel block by block, guard regions.
  public func internalChecks(report: (ValidationCheck) -> Void) throws {
    try KernelValidation(backend: self).run(report: report)
  }

  public func makeSession(qrels: Qrels, start: Embeddings, hyperparameters: Hyperparameters)
    throws -> any FitSession
  {
    let step = step(for: qrels, dimension: start.dimension, loss: hyperparameters.loss)
    return try OpenCLSession(
      backend: self, qrels: qrels, start: start, hyperparameters: hyperparameters,
      blockRows: step == .fused ? 0 : blockRows(documents: qrels.documentCount, queries: qrels.queryCount),
      stepsPerRead: stepsPerRead)
  }
}

/// How the OpenCL backend evaluates a step.
public enum OpenCLStep: String, Sendable {
  /// Two kernels (`fused.cl`) that recompute scores instead of storing them: memory grows with
  /// (m + n)·d. `OpenCLBackend.fusedLoss` only.
  case fused
  /// Blocks of the score matrix in device memory, each through the score kernel, the row-wise
  /// loss and the two tiled gradient products. Every loss.
  case blocked
}
