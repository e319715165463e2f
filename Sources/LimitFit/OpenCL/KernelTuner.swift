import Foundation

/// Chooses the tiled products' shapes for one device, as CLBlast's tuner does: each candidate
/// shape is built, checked against the CPU reference (`KernelValidation.checkKernels`), and
/// timed on blocks of the score matrix at a few sizes; the shape with the least total time
/// (geometric mean over the sizes, relative to the defaults) wins, per product family.
public struct KernelTuner {
  public let device: OpenCLDevice
  /// The settings every candidate is built with (row group, program cache); their tiles are
  /// replaced by each candidate's.
  public let settings: OpenCLSettings
  /// The (n, d) sizes timed: all C(n, 2) queries of n documents in d dimensions.
  public let sizes: [(documents: Int, dimension: Int)]
  /// The shapes tried per family, the defaults first.
  public var candidates: [Family: [TileShape]]

  /// A tuner for `device`. By default it times (256, 16) and (1024, 64) on a GPU and
  /// (64, 8) and (128, 32) elsewhere (CPU devices run the large sizes too slowly to compare
  /// many candidates in a minute), and tries `candidates(_:for:)`.
  public init(device: OpenCLDevice, settings: OpenCLSettings, sizes: [(documents: Int, dimension: Int)]? = nil) {
    self.device = device
    var settings = settings
    settings.tiles = nil
    self.settings = settings
    self.sizes = sizes ?? (device.kind == .gpu ? [(256, 16), (1024, 64)] : [(64, 8), (128, 32)])
    candidates = Dictionary(uniqueKeysWithValues: Family.allCases.map { ($0, Self.candidates($0, for: device)) })
  }

  /// A product family's candidate shapes for `device`, its defaults first; those the device
  /// cannot run are left out.
  public static func candidates(_ family: Family, for device: OpenCLDevice) -> [TileShape] {
    let defaults = TileParameters.defaults(for: device).parameters
    let list: [(Int, Int, Int, Int, Int)]
    switch (family, device.kind == .gpu) {
    case (.scores, true):
      list = [
        (64, 64, 8, 16, 16), (64, 64, 32, 16, 16), (128, 128, 16, 16, 16), (128, 64, 16, 16, 16),
        (64, 128, 16, 16, 16), (32, 32, 16, 8, 8), (64, 64, 16, 8, 8), (128, 128, 8, 16, 16), (16, 16, 16, 16, 16),
      ]
    case (.gradients, true):
      list = [
        (64, 64, 16, 16, 16), (128, 32, 16, 16, 8), (64, 32, 32, 16, 8), (32, 32, 16, 8, 8), (64, 16, 16, 16, 4),
        (128, 64, 16, 16, 16), (32, 16, 16, 8, 4), (16, 16, 16, 16, 16),
      ]
    case (.scores, false):
      list = [(16, 16, 8, 4, 4), (64, 64, 8, 8, 8), (32, 32, 16, 8, 8), (32, 32, 8, 16, 16)]
    case (.gradients, false):
      list = [(16, 16, 8, 4, 4), (32, 32, 8, 8, 8), (64, 16, 8, 8, 4), (32, 16, 16, 8, 4)]
    }
    let shapes = [family.shape(of: defaults)] + list.map {
      TileShape(outputRows: $0.0, outputColumns: $0.1, depth: $0.2, rowItems: $0.3, columnItems: $0.4)
    }
    var seen = Set<TileShape>()
    return shapes.filter {
      $0.problem(maximumWorkGroupSize: device.maximumWorkGroupSize, localMemory: device.localMemory) == nil
        && seen.insert($0).inserted
    }
  }

  /// The two families of tiled products.
  public enum Family: String, CaseIterable, Sendable {
    case scores, gradients

    func shape(of parameters: TileParameters) -> TileShape {
      self == .scores ? parameters.scores : parameters.gradients
    }

    func replacing(_ shape: TileShape, in parameters: TileParameters) -> TileParameters {
      var result = parameters
      if self == .scores { result.scores = shape } else { result.gradients = shape }
      return result
    }

    /// Floating-point operations of the family's kernels on a block: 2·rows·n·d for S,
    /// 4·rows·n·d for ∇Q and ∇D.
    func operations(rows: Int, documents: Int, dimension: Int) -> Double {
      Double(self == .scores ? 2 : 4) * Double(rows) * Double(documents) * Double(dimension)
    }
  }

  /// Tunes both families and returns the device's tuning entry. `report` receives a line per
  /// candidate: its shape, whether it passed the checks, and its times.
  ///
  /// - Throws: `OpenCLError` or `LimitFitError` when the device fails outside a candidate's
  ///   own build or checks (those reject the candidate), or no candidate of a family passes.
  public func run(report: (String) -> Void = { _ in }) throws -> TuningFile.Entry {
    var parameters = TileParameters.defaults(for: device).parameters
    var measurements: [TuningMeasurement] = []
    for family in Family.allCases {
      var best: (shape: TileShape, score: Double)?
      var baseline: [Double]?
      for shape in candidates[family] ?? [] {
        let candidate = family.replacing(shape, in: parameters)
        let outcome: Result<[TuningMeasurement], Error> = Result {
          let backend = try OpenCLBackend(device: device, settings: with(candidate))
          let failed = try KernelValidation(backend: backend).checkKernels().filter { !$0.passed }
          if let first = failed.first {
            throw LimitFitError("\(failed.count) checks failed against the CPU reference, first: \(first.name)")
          }
          return try sizes.map { try time(family, shape: shape, on: backend, documents: $0.documents, dimension: $0.dimension) }
        }
        switch outcome {
        case .failure(let error):
          report("\(family.rawValue) \(shape): rejected: \(error)")
        case .success(let timings):
          measurements += timings
          let seconds = timings.map(\.seconds)
          let reference = baseline ?? seconds
          baseline = reference
          // The geometric mean of the times relative to the first candidate's (the defaults'):
          // each size counts alike.
          let score = exp(zip(seconds, reference).map { log($0 / $1) }.reduce(0, +) / Double(seconds.count))
          report(
            "\(family.rawValue) \(shape): " + timings.map {
              "(\($0.documents), \($0.dimension)) \(String(format: "%.3g", $0.seconds * 1e3)) ms, \(String(format: "%.1f", $0.gigaflops)) GFLOP/s"
            }.joined(separator: "; ") + String(format: "; %.2f× the first candidate's time", score))
          if best.map({ score < $0.score }) ?? true { best = (shape, score) }
        }
      }
      guard let best else { throw LimitFitError("no \(family.rawValue) tile shape passed the checks on \(device.name)") }
      parameters = family.replacing(best.shape, in: parameters)
    }
    return TuningFile.Entry(
      device: device.name, driver: device.driverVersion, parameters: parameters, tuned: RecordStamp.now(),
      toolVersion: limitfitVersion, measurements: measurements)
  }

  private func with(_ tiles: TileParameters) -> OpenCLSettings {
    var result = settings
    result.tiles = tiles
    return result
  }

  /// The median time of the family's kernels on one block of at most 2²⁰ query rows (fewer on
  /// a CPU device, and within the score block budget), over five launches after a warm-up.
  private func time(
    _ family: Family, shape: TileShape, on backend: OpenCLBackend, documents: Int, dimension: Int
  ) throws -> TuningMeasurement {
    let qrels = Qrels.allSubsets(documents: documents, k: 2)
    let rows = min(backend.blockRows(documents: documents, queries: qrels.queryCount), device.kind == .gpu ? 1 << 20 : 4096)
    let start = Embeddings.random(queries: qrels.queryCount, documents: documents, dimension: dimension, seed: 5)
    let session = try OpenCLSession(
      backend: backend, qrels: qrels, start: start, hyperparameters: Hyperparameters(), blockRows: rows)
    let block = session.blocks[0]
    func launch() throws {
      if family == .scores { try session.computeScores(block) } else { try session.computeGradients(block) }
    }
    try session.computeScores(block)
    try launch()
    try session.finish()
    let clock = ContinuousClock()
    var seconds: [Double] = []
    for _ in 0..<5 {
      let started = clock.now
      try launch()
      try session.finish()
      seconds.append((clock.now - started).seconds)
    }
    let median = seconds.sorted()[2]
    return TuningMeasurement(
      family: family.rawValue, shape: shape, documents: documents, dimension: dimension, rows: rows, seconds: median,
      gigaflops: family.operations(rows: rows, documents: documents, dimension: dimension) / median / 1e9)
  }
}
