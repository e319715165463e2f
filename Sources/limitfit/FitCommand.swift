import ArgumentParser
import Foundation
import LimitFit

struct FitCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fit",
    abstract: "Fit free embeddings to every k-subset of n documents and say whether it is solved.",
    discussion: """
      The queries are all C(n, k) k-subsets of the documents, each relevant to exactly its \
      subset. The fit is solved when, for every query, the worst relevant score is strictly \
      above the best irrelevant one.
      """
  )

  @Option(help: "The number of documents n.")
  var docs: Int

  @Option(help: "The embedding dimension d.")
  var dim: Int

  @Option(help: "The number of relevant documents per query (1 to \(ProblemSize.maximumK)).")
  var k: Int = 2

  @OptionGroup(title: "Optimiser")
  var optimiser: HyperparameterOptions

  @OptionGroup(title: "Backend")
  var backend: BackendOptions

  @Option(help: "Write the result as JSON to this file, or to standard output with '-'.")
  var json: String?

  @Flag(help: "Replace the --json file if it exists.")
  var overwrite = false

  func run() throws {
    // The cheap checks first: a bad value is refused before any device is set up.
    try optimiser.hyperparameters.validate()
    _ = try ProblemSize.allSubsets(documents: docs, k: k, dimension: dim)
    let output = try json.map { try JSONOutput(path: $0, overwrite: overwrite) }
    let backend = try backend.makeBackend()
    let fit = try FreeEmbeddingFit(
      documents: docs, k: k, dimension: dim, hyperparameters: optimiser.hyperparameters,
      checkingCapacityOf: backend)

    let progressLine = ProgressLine()
    let (result, _) = try fit.run(on: backend, progress: progressLine.map { line in
      { line.show(progress: $0) }
    })
    progressLine?.clear()

    let summary = summaryLine(result)
    if output?.isStandardOutput == true {
      printToStandardError(summary)
    } else {
      print(summary)
    }
    try output?.write(result)
  }
}

/// One line that says what a fit found.
func summaryLine(_ result: FitResult) -> String {
  let problem = "n = \(result.documents), d = \(result.dimension)"
    + (result.k.map { ", k = \($0)" } ?? "") + " (\(result.queries) queries)"
  let verdict: String
  if let first = result.firstSolvedIteration {
    verdict = "solved: \(problem) at iteration \(first)"
      + (result.stopReason == .solved ? "" : ", stopped after \(result.iterations) (\(result.stopReason.rawValue))")
  } else {
    verdict = "not solved: \(problem) after \(result.iterations) iterations (\(result.stopReason.rawValue))"
  }
  return verdict
    + String(format: "; loss %.4g (best %.4g), accuracy %.4f", result.finalLoss, result.bestLoss, result.accuracy)
    + String(format: "; %.2f s, %.0f it/s", result.wallSeconds, result.iterationsPerSecond)
    + " on \(result.backend) (\(result.device))"
}
