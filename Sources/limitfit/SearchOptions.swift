import ArgumentParser
import Foundation
import LimitFit

/// The seeds and optimiser settings of the commands that search (critical-n, curve, min-dim).
struct SeedOptions: ParsableArguments {
  @Option(help: "Seeds per fitted size, counting up from --seed; a size is solved when any seed solves it.")
  var seeds: Int = 1

  @OptionGroup(title: "Optimiser")
  var optimiser: HyperparameterOptions

  /// The seeds every size is fitted with.
  var seedList: [UInt64] { (0..<seeds).map { optimiser.seed &+ UInt64($0) } }

  /// The most seeds per size: each is a fit of every size the search tries.
  static let maximumSeeds = 10_000

  /// Checks the values before any work starts.
  func check() throws {
    guard (1...Self.maximumSeeds).contains(seeds) else {
      throw LimitFitError("--seeds (\(seeds)) must be between 1 and \(Self.maximumSeeds)")
    }
    guard optimiser.seed <= UInt64.max - UInt64(seeds - 1) else {
      throw LimitFitError("--seed \(optimiser.seed) with --seeds \(seeds) runs past the largest seed, \(UInt64.max)")
    }
    try optimiser.hyperparameters.validate()
  }
}

/// The settings shared by the commands that search for critical-n.
struct SearchOptions: ParsableArguments {
  @Option(help: "The number of relevant documents per query (1 to \(ProblemSize.maximumK)).")
  var k: Int = 2

  @OptionGroup(title: "Search")
  var seeding: SeedOptions

  var optimiser: HyperparameterOptions { seeding.optimiser }
  var seedList: [UInt64] { seeding.seedList }

  /// Checks the values before any work starts.
  func check() throws {
    try seeding.check()
    guard (1...ProblemSize.maximumK).contains(k) else {
      throw LimitFitError("k (\(k)) must be between 1 and \(ProblemSize.maximumK)")
    }
  }

  /// The key of a search with the default settings (k = 2, one seed, the paper's optimiser).
  static func defaultKey(dimension: Int) -> SearchKey {
    SearchKey(dimension: dimension, k: 2, seeds: [Hyperparameters().seed], hyperparameters: Hyperparameters())
  }

  /// The key every search with these settings in `dimension` dimensions has.
  func searchKey(dimension: Int) -> SearchKey {
    SearchKey(dimension: dimension, k: k, seeds: seedList, hyperparameters: optimiser.hyperparameters)
  }
}

/// Runs searches on one backend, reusing and appending fits in a results file; on a terminal,
/// shows the fit in progress and logs each finished one.
struct SearchRunner {
  let store: ResultsStore
  let backend: any FitBackend
  let terminal = ProgressLine()

  /// The stored result of `fit`, or the fit run now and stored; `nil` embeddings mean stored.
  func run(_ fit: FreeEmbeddingFit, label: String) throws -> (result: FitResult, embeddings: Embeddings?) {
    let (result, embeddings) = try store.run(
      fit, on: backend, progress: terminal.map { line in { line.show(progress: $0, prefix: label + ": ") } })
    terminal?.log(Self.summary(label, result, fromFile: embeddings == nil, path: store.path))
    return (result, embeddings)
  }

  /// The line logged for a finished fit.
  private static func summary(_ label: String, _ result: FitResult, fromFile: Bool, path: String) -> String {
    "\(label): \(result.solved ? "solved" : "not solved")"
      + (fromFile ? " (from \(path))" : String(format: " in %.2f s", result.wallSeconds))
  }

  /// A batch of fits, as `run(_:label:)` does each, all at once where `concurrently`.
  func run(_ fits: [FreeEmbeddingFit], labels: [String], concurrently: Bool) throws
    -> [(result: FitResult, reused: Bool)]
  {
    let terminal = terminal
    let path = store.path
    var progress: (@Sendable (Int, FitProgress) -> Void)?
    if let terminal {
      progress = { index, progress in terminal.show(progress: progress, prefix: labels[index] + ": ") }
    }
    return try store.run(
      fits, on: backend, concurrently: concurrently, progress: progress,
      finished: { index, result, fromFile in
        terminal?.log(Self.summary(labels[index], result, fromFile: fromFile, path: path))
      })
  }

  /// Throws unless the first fit of the search in `dimension` dimensions from `start` (default:
  /// the paper's cubic) can run on the backend.
  func checkStart(dimension: Int, start: Int? = nil, options: SearchOptions) throws {
    let search = try CriticalNSearch(dimension: dimension, k: options.k, seeds: options.seedList, start: start)
    _ = try FreeEmbeddingFit(
      documents: search.start, k: options.k, dimension: dimension,
      hyperparameters: options.optimiser.hyperparameters, checkingCapacityOf: backend)
  }

  /// The critical-n search in `dimension` dimensions from `start` (default: the paper's
  /// cubic); its summary is appended to the results file.
  func search(dimension: Int, start: Int? = nil, options: SearchOptions) throws
    -> (result: CriticalNResult, summary: CriticalNSummary, reused: Int)
  {
    let clock = ContinuousClock()
    let began = clock.now
    let search = try CriticalNSearch(dimension: dimension, k: options.k, seeds: options.seedList, start: start)
    var reused = 0
    let result = try search.run(fits: { requests in
      let fits = try requests.map { request in
        var settings = options.optimiser.hyperparameters
        settings.seed = request.seed
        return try FreeEmbeddingFit(
          documents: request.documents, k: options.k, dimension: dimension,
          hyperparameters: settings, checkingCapacityOf: backend)
      }
      let labels = requests.map { "d = \(dimension), n = \($0.documents), seed \($0.seed)" }
      let concurrently = fits.count > 1
        && fits.allSatisfy { backend.runsFitsConcurrently(of: $0.size) }
      let results = try run(fits, labels: labels, concurrently: concurrently)
      reused += results.filter(\.reused).count
      return results.map(\.result)
    })
    let summary = CriticalNSummary(
      result, hyperparameters: options.optimiser.hyperparameters,
      wallSeconds: (clock.now - began).seconds, backend: backend)
    try store.append(.criticalN(summary))
    return (result, summary, reused)
  }
}

/// Where `curve` and `report` write the curve, and what they add to it.
struct CurveOutputOptions: ParsableArguments {
  @Option(help: "The folder for curve.json, curve.csv and curve.svg.")
  var out = "results/curve"

  @Flag(help: "Replace curve files that exist in --out.")
  var overwrite = false

  @Option(parsing: .upToNextOption, help: "Add the exact construction's limits in these precisions (float32, float16, bfloat16, float64) for d ≥ 4.")
  var witness: [Precision] = []

  /// The output folder, checked before any work starts.
  func files() throws -> CurveFiles { try CurveFiles(folder: out, overwrite: overwrite) }

  /// Adds the witness limits to `curve`, prints it and writes its files.
  func finish(_ curve: Curve, into files: CurveFiles) throws {
    var curve = curve
    try curve.addWitnessLimits(witness)
    print(curve.summary)
    try files.write(curve)
    print("wrote \(CurveFiles.names.map { (out as NSString).appendingPathComponent($0) }.joined(separator: ", "))")
  }
}

/// Where a curve's files go: curve.json, curve.csv and curve.svg in one folder, never replacing
/// existing files unless asked. Checked before any work starts.
struct CurveFiles {
  let folder: String
  static let names = ["curve.json", "curve.csv", "curve.svg"]

  init(folder: String, overwrite: Bool) throws {
    self.folder = folder
    guard !folder.isEmpty else { throw LimitFitError("--out: an empty path") }
    try FileOutput.checkFolder(folder, describedAs: "--out")
    for name in Self.names {
      try FileOutput.checkWritable((folder as NSString).appendingPathComponent(name), describedAs: "--out")
    }
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), !isDirectory.boolValue {
      throw LimitFitError("--out \(folder) is a file, not a folder")
    }
    for name in Self.names where !overwrite {
      let path = (folder as NSString).appendingPathComponent(name)
      if FileManager.default.fileExists(atPath: path) {
        throw LimitFitError("--out \(folder): \(name) exists; pass --overwrite to replace it")
      }
    }
  }

  /// Writes the three files together: on a failure (a full disk) none of them is changed.
  func write(_ curve: Curve) throws {
    do {
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    } catch {
      throw LimitFitError("--out \(folder): cannot create the folder: \(error.localizedDescription)")
    }
    let contents = [try curve.json(), Data(curve.csv.utf8), Data(curve.svg.utf8)]
    try FileOutput.write(zip(Self.names, contents).map { name, data in
      ((folder as NSString).appendingPathComponent(name), data)
    })
  }
}
