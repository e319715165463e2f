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

  /// Checks that --seed and --seeds make a list of seeds; the library checks the rest.
  func validate() throws {
    guard (1...Self.maximumSeeds).contains(seeds) else {
      throw LimitFitError("--seeds (\(seeds)) must be between 1 and \(Self.maximumSeeds)")
    }
    guard optimiser.seed <= UInt64.max - UInt64(seeds - 1) else {
      throw LimitFitError("--seed \(optimiser.seed) with --seeds \(seeds) runs past the largest seed, \(UInt64.max)")
    }
  }
}

/// The settings shared by the commands that search for critical-n.
struct SearchOptions: ParsableArguments {
  @Option(help: "The number of relevant documents per query (1 to \(ProblemSize.maximumK)).")
  var k: Int = 2

  @Option(help: "Around the answer n, also fit n − R + 1 … n + R, for the plot and the seeds' spread (the paper's 5: n − 4 … n + 5; 0: none). Never changes the answer.")
  var sweep: Int = 5

  @OptionGroup(title: "Search")
  var seeding: SeedOptions

  /// The search's settings, checked by the library before any work starts.
  func settings() throws -> SearchSettings {
    try SearchSettings(
      k: k, seeds: seeding.seedList, hyperparameters: seeding.optimiser.hyperparameters, sweepRadius: sweep)
  }

  /// The options of the settings that `settings()` gives.
  static let settingOptions: [LimitFitError.Setting: String] = [.k: "--k", .sweepRadius: "--sweep"]
}

/// Where a search keeps its fits, and what it says of them as they finish.
struct ResultsOptions: ParsableArguments {
  @Option(help: "The results file (JSON Lines): every fit is appended; stored fits are reused.")
  var results = "results/fits.jsonl"

  @Flag(help: "Say nothing of finished fits when standard error is not a terminal (a pipe, a batch job's log).")
  var quiet = false

  /// Checks the results file with the run's other outputs, before any work.
  func check(in outputs: inout OutputPaths) throws {
    try outputs.updatedFile(results, option: "--results")
  }

  /// A runner on `backend` with the results file. On a terminal it shows the fit in progress
  /// on a status line, after `overall`'s text (a long command's place and time left), and
  /// logs each finished fit above it; elsewhere (a pipe, a Slurm log) it writes one line per
  /// finished fit, or nothing with --quiet. Ctrl-C says how many records the file kept and
  /// how to resume.
  func makeRunner(backend: any FitBackend, overall: OverallProgress? = nil) throws -> FitRunner {
    let store = try ResultsStore(path: results, warn: printToStandardError)
    Interruption.explain(store)
    let terminal = ProgressLine()
    let logsInPipes = !quiet
    return FitRunner(store: store, backend: backend, reportsProgress: terminal != nil) { [results] event in
      switch event {
      case .progress(let label, let progress):
        terminal?.show(progress: progress, prefix: (overall?.text ?? "") + label + ": ")
      case .finished(let label, let result, let reused):
        let line = "\(label): \(result.solved ? "solved" : "not solved")"
          + (reused ? " (from \(results))" : String(format: " in %.2f s", result.wallSeconds))
        if let terminal { terminal.log(line) } else if logsInPipes { printToStandardError(line) }
      }
    }
  }
}

/// Where `curve` and `report` write the curve, and what they add to it.
struct CurveOutputOptions: ParsableArguments {
  @Option(help: "The folder for curve.json, curve.csv and curve.svg.")
  var out = "results/curve"

  @Flag(help: "Replace curve files that exist in --out.")
  var overwrite = false

  @Flag(help: "Draw curve.svg's critical-n axis on a logarithmic scale.")
  var logY = false

  @Option(help: "What the cubic is fitted to with several seeds: max (the critical-n, the largest n some seed solves: a solution exists, the paper's rule), or the mean or median of the seeds' own critical-n.")
  var aggregate: SeedAggregate = .max

  @Option(
    name: [.customLong("proved"), .customLong("witness")], parsing: .upToNextOption,
    help: "Add what 'limitfit capacity' proves in every measured d, with vectors in these precisions (float64, float32, float16, bfloat16, binary); --witness is its old name.")
  var proved: [StoragePrecision] = []

  /// The output folder, checked before any work starts.
  func files(in outputs: inout OutputPaths) throws -> CurveFiles {
    try CurveFiles(folder: out, logarithmicY: logY, in: &outputs)
  }

  /// The curve of `searches`, with what `capacity` proves in the precisions asked.
  func curve(of searches: [CriticalNSummary]) throws -> Curve {
    try Curve(searches: searches, aggregate: aggregate, provedIn: proved)
  }

  /// Prints `curve` and writes its files.
  func finish(_ curve: Curve, into files: CurveFiles) throws {
    print(curve.summary)
    try files.write(curve)
    print("wrote \(CurveFiles.names.map { (out as NSString).appendingPathComponent($0) }.joined(separator: ", "))")
  }
}

/// Where a curve's files go: curve.json, curve.csv and curve.svg in one folder, never replacing
/// existing files unless asked. Checked before any work starts.
struct CurveFiles {
  let folder: String
  /// Whether curve.svg's y-axis is logarithmic.
  let logarithmicY: Bool
  /// Whether existing files may be replaced (`--overwrite`).
  let replacing: Bool
  static let names = ["curve.json", "curve.csv", "curve.svg"]

  init(folder: String, logarithmicY: Bool, in outputs: inout OutputPaths) throws {
    self.folder = folder
    self.logarithmicY = logarithmicY
    replacing = outputs.overwrite
    _ = try outputs.folder(folder, files: Self.names, option: "--out")
  }

  /// Writes the three files together: on a failure (a full disk) none of them is changed.
  func write(_ curve: Curve) throws {
    let contents = [try curve.json(), Data(curve.csv.utf8), Data(curve.svg(logarithmicY: logarithmicY).utf8)]
    try FileOutput.write(zip(Self.names, contents).map { name, data in
      ((folder as NSString).appendingPathComponent(name), data)
    }, replacing: replacing)
  }
}
