import ArgumentParser
import LimitFit

struct CriticalNCommand: ParsableCommand, SettingOptions {
  static let configuration = CommandConfiguration(
    commandName: "critical-n",
    abstract: "Find the largest n whose every k-subset a d-dimensional free embedding represents.",
    discussion: """
      The paper's search: gallop from the start (default: the paper's cubic at d) until the \
      outcome changes, binary search between the last solved n and the first unsolved one, \
      then fit n − 4 … n + 5 around the answer (--sweep). critical-n is the largest n some seed \
      solved among every n fitted; where the sweep solved more than the search's answer, that \
      answer is printed too (docs/MATHEMATICS.md §2). Every fit is appended to the results file \
      as it finishes, and a rerun reuses the fits stored there with the same parameters.
      """
  )

  @Option(help: "The embedding dimension d.")
  var dim: Int

  @Option(help: "The first n to fit (default: the paper's cubic at d, at least k + 1).")
  var start: Int?

  @OptionGroup(title: "Search")
  var search: SearchOptions

  @OptionGroup(title: "Results")
  var resultsFile: ResultsOptions

  @OptionGroup(title: "Backend")
  var backend: BackendOptions

  @Option(help: "Write the search's record (as the results file stores it) as JSON to this file, or to standard output with '-'.")
  var json: String?

  @Flag(help: "Replace the --json file if it exists.")
  var overwrite = false

  var settingOptions: [LimitFitError.Setting: String] {
    SearchOptions.settingOptions.merging([.start: "--start"]) { $1 }
  }

  func run() throws {
    let settings = try search.settings()
    _ = try ProblemSize.allSubsets(documents: settings.k + 1, k: settings.k, dimension: dim)
    _ = try CriticalNSearch(dimension: dim, settings: settings, start: start)
    var outputs = OutputPaths(inputs: [], overwrite: overwrite)
    try resultsFile.check(in: &outputs)
    let output = try json.map { try JSONOutput(path: $0, in: &outputs) }
    let runner = try resultsFile.makeRunner(backend: try backend.makeBackend())
    try runner.checkCriticalNStart(dimension: dim, settings: settings, start: start)
    let (result, summary, reused) = try runner.criticalN(dimension: dim, settings: settings, start: start)
    JSONOutput.report(evidence(result, summary: summary, reused: reused), beside: output)
    try output?.write(summary)
  }
}

/// The answer of a search and the fits that show it: the largest n solved and every n fitted
/// above it, seed by seed.
func evidence(_ result: CriticalNResult, summary: CriticalNSummary, reused: Int) -> String {
  let fits = result.outcomes.reduce(0) { $0 + $1.fits.count }
  let seconds = result.fitSeconds
  var lines = [
    "d = \(result.dimension), k = \(result.k): critical-n = "
      + (result.criticalN.map(String.init) ?? "none (not even n = \(result.k + 1) was solved)") + searchNote(result)
      + String(format: " (%d fits, %d reused; %.1f s on %@)", fits, reused, summary.wallSeconds, summary.backend),
    String(format: "time in fits: %.1f s solving, %.1f s in fits that failed (they run until the loss plateaus)", seconds.solving, seconds.failing),
  ]
  let shown = result.outcomes.filter { $0.documents >= (result.searchAnswer ?? 0) }
  lines += fitTable(size: "n", shown.flatMap { outcome in outcome.fits.map { (outcome.documents, $0) } })
  if let answer = result.searchAnswer, !result.solvedAbove.isEmpty {
    lines.append(
      "not monotone: the search stopped at n = \(answer), n = \(answer + 1) unsolved; "
        + "n = \(result.solvedAbove.map(String.init).joined(separator: ", ")) above it was solved in the sweep")
  }
  return lines.joined(separator: "\n")
}

/// ", search stopped at n = 48" where the sweep solved a larger n than the search's answer
/// (docs/MATHEMATICS.md §2); empty otherwise.
func searchNote(_ result: CriticalNResult) -> String {
  guard let answer = result.searchAnswer, answer != result.criticalN else { return "" }
  return ", the search stopped at \(answer)"
}

/// One line per fit — the size fitted (n or d), seed, verdict, iterations, best loss and
/// accuracy — under a header naming the size.
func fitTable(size: String, _ fits: [(size: Int, fit: FitResult)]) -> [String] {
  ["\(size.leftPadded(to: 6))   seed  verdict          iterations   best loss  accuracy"] + fits.map { size, fit in
    let solvedAt = fit.hyperparameters.verdict == .exact ? fit.firstSolvedIteration : nil
    let iterations = solvedAt.map { "\($0)" } ?? "\(fit.iterations) (\(fit.stopReason.rawValue))"
    return String(size).leftPadded(to: 6) + " " + String(fit.hyperparameters.seed).leftPadded(to: 6)
      + "  " + (fit.solved ? "solved" : "not solved").padding(toLength: 11, withPad: " ", startingAt: 0)
      + iterations.leftPadded(to: 16) + String(format: "%12.5f%10.4f", fit.bestLoss, fit.accuracy)
  }
}
