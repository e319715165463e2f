import ArgumentParser
import Foundation
import LimitFit

struct CurveCommand: ParsableCommand, SettingOptions {
  static let configuration = CommandConfiguration(
    commandName: "curve",
    abstract: "Find critical-n for each dimension, fit a cubic, and extrapolate it.",
    discussion: """
      Runs the critical-n search for each dimension (reusing the fits in the results file), \
      fits a least-squares cubic critical-n(d), prints it with extrapolations to d = 512 … 4096 \
      beside the paper's, and writes curve.json, curve.csv and curve.svg into --out. With \
      --shard I/N it runs only every N-th dimension from the I-th (I = 0 … N − 1), for job \
      arrays; merge the shards' results files with 'limitfit report'.
      """
  )

  @Option(help: "Dimensions: a range (2...12 or 2-12), a list (2,4,8), or both (2...8,12,16).")
  var dims: String

  @OptionGroup(title: "Search")
  var search: SearchOptions

  @OptionGroup(title: "Results")
  var resultsFile: ResultsOptions

  @OptionGroup(title: "Output")
  var output: CurveOutputOptions

  @Option(help: "Run only the dimensions of shard I of N: every N-th from the I-th (0-based).")
  var shard: String?

  @OptionGroup(title: "Backend")
  var backend: BackendOptions

  var settingOptions: [LimitFitError.Setting: String] { SearchOptions.settingOptions }

  func run() throws {
    let settings = try search.settings()
    let dimensions = try DimensionList(parsing: dims)
    let shard = try shard.map(Shard.init(parsing:)) ?? .whole
    let mine = shard.select(dimensions)
    var outputs = OutputPaths(inputs: [], overwrite: output.overwrite)
    try resultsFile.check(in: &outputs)
    let files = shard == .whole ? try output.files(in: &outputs) : nil

    let overall = OverallProgress()
    let runner = try resultsFile.makeRunner(backend: try backend.makeBackend(), overall: overall)

    // The largest dimension's first fit is the largest the curve surely needs: refused now,
    // not after hours of the smaller ones.
    try runner.checkCriticalNStart(dimension: dimensions.maximum, settings: settings)
    // Listed only now: a largest dimension this far from the backend's limits keeps the list short.
    let dimensionsToRun = Array(mine)
    let clock = ContinuousClock()
    let began = clock.now
    var summaries: [CriticalNSummary] = []
    for (index, dimension) in dimensionsToRun.enumerated() {
      overall.text = OverallProgress.text(dimensions: dimensionsToRun, index: index, elapsed: (clock.now - began).seconds)
      let (result, summary, reused) = try runner.criticalN(dimension: dimension, settings: settings)
      summaries.append(summary)
      let seconds = result.fitSeconds
      print(String(
        format: "d = %d: critical-n = %@%@ (%d n fitted, %d fits reused, %.1f s; fits: %.1f s solving, %.1f s failing)",
        dimension, result.criticalN.map(String.init) ?? "none", searchNote(result), result.outcomes.count, reused,
        summary.wallSeconds, seconds.solving, seconds.failing))
      fflush(nil)  // a line per dimension, also in a job's log file
    }
    guard let files else {
      print("shard \(shard.index)/\(shard.count) done: d = \(mine.map(String.init).joined(separator: ", ")); "
        + "merge the shards with: limitfit report --results RESULTS…")
      return
    }
    try output.finish(output.curve(of: summaries), into: files)
  }
}

