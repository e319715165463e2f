import ArgumentParser
import Foundation
import LimitFit

struct FitCommand: ParsableCommand, SettingOptions {
  static let configuration = CommandConfiguration(
    commandName: "fit",
    abstract: "Fit free embeddings to a relevance matrix and say whether the fit solves it.",
    discussion: """
      By default the queries are all C(n, k) k-subsets of --docs documents, each relevant to \
      exactly its subset; --qrels or --pattern fits another matrix instead. The fit is solved \
      when, for every query, the worst relevant score is strictly above the best irrelevant one.
      """
  )

  @Option(help: "The number of documents n (of the all-subsets problem, or of a pattern).")
  var docs: Int?

  @Option(help: "The embedding dimension d.")
  var dim: Int

  @Option(help: "The number of relevant documents per query of the all-subsets problem (1 to \(ProblemSize.maximumK); default 2).")
  var k: Int?

  @OptionGroup(title: "Relevance matrix (instead of all k-subsets)")
  var source: QrelsOptions

  @OptionGroup(title: "Optimiser")
  var optimiser: HyperparameterOptions

  @Option(name: .customLong("init"), help: "Where the fit starts: random; witness (the exact construction rounded to float32; all pairs, d ≥ 4); or construction (the code 'capacity' finds for n documents in d, every k-set queried by its sum; else the witness). A witness or construction start trains to the plateau, to show whether the optimiser keeps it solved.")
  var initialization: Initialization = .random

  @OptionGroup(title: "Backend")
  var backend: BackendOptions

  @Option(help: "Write the result as JSON to this file, or to standard output with '-'.")
  var json: String?

  @Option(help: "Write the final embeddings and their ids into this folder (a certificate for 'limitfit verify').")
  var saveEmbeddings: String?

  @Flag(help: "Replace the --json file and certificate files if they exist.")
  var overwrite = false

  @Flag(help: "Exit with status 2 when the fit ends unsolved (1 stays an error).")
  var requireSolved = false

  var settingOptions: [LimitFitError.Setting: String] { QrelsOptions.settingOptions }

  func run() throws {
    var settings = optimiser.hyperparameters
    settings.initialization = initialization
    if initialization != .random { settings.stopWhenSolved = false }
    // The cheap checks first: a bad value is refused before any device is set up.
    try settings.validate()
    var outputs = OutputPaths(inputs: source.inputs, overwrite: overwrite)
    let output = try json.map { try JSONOutput(path: $0, in: &outputs) }
    let certificate = try saveEmbeddings.map { try CertificateOutput(folder: $0, in: &outputs) }
    let labeled = try source.load(documents: docs)
    if labeled == nil {
      guard let docs else { throw LimitFitError("give --docs N (all k-subsets), --qrels FILE or --pattern NAME") }
      _ = try ProblemSize.allSubsets(documents: docs, k: k ?? 2, dimension: dim)
    } else if let k {
      throw LimitFitError("--k \(k) applies to the all-subsets problem; the relevance matrix sets its own relevant documents")
    }
    let k = k ?? 2
    let backend = try backend.makeBackend()
    let fit: FreeEmbeddingFit
    do {
      fit = try labeled.map {
        try FreeEmbeddingFit(qrels: $0, dimension: dim, hyperparameters: settings, checkingCapacityOf: backend)
      } ?? FreeEmbeddingFit(
        documents: docs ?? 0, k: k, dimension: dim, hyperparameters: settings, checkingCapacityOf: backend)
    } catch let unavailable as FreeEmbeddingFit.WitnessStartUnavailable {
      throw LimitFitError("--init \(initialization.rawValue) is a construction \(unavailable.construction)")
    }

    let progressLine = ProgressLine()
    let (result, embeddings) = try fit.run(on: backend, progress: progressLine.map { line in
      { line.show(progress: $0) }
    })
    progressLine?.clear()
    if let certificate {
      let ids = labeled ?? LabeledQrels.allSubsets(documents: fit.qrels.documentCount, k: k)
      try certificate.write(embeddings, of: ids, fit: result)
    }

    var summary = summaryLine(result)
    if initialization != .random {
      summary += "\n\(initialization.rawValue) start (float32): " + (result.firstSolvedIteration == 1 ? "solved" : "not solved")
        + "; after \(result.iterations) iterations \(result.solvedQueries) of \(result.queries) queries solved"
        + (result.solvedQueries == result.queries ? " — the optimiser kept it solved" : "")
    }
    if output?.isStandardOutput == true {
      printToStandardError(summary)
    } else {
      print(summary)
    }
    try output?.write(result)
    if requireSolved && !result.solved { throw LimitFitCommand.negativeAnswer }
  }
}

/// One line that says what a fit found.
func summaryLine(_ result: FitResult) -> String {
  let problem = "n = \(result.documents), d = \(result.dimension)"
    + (result.k.map { ", k = \($0)" } ?? "") + " (\(result.queries) queries)"
  let verdict: String
  if result.hyperparameters.verdict == .paper {
    verdict = (result.solved ? "solved" : "not solved") + " by the paper's verdict: \(problem) after \(result.iterations) iterations (\(result.stopReason.rawValue)); exactly "
      + (result.firstSolvedIteration.map { "solved at iteration \($0)" } ?? "never solved")
  } else if let first = result.firstSolvedIteration {
    verdict = "solved: \(problem) at iteration \(first)"
      + (result.stopReason == .solved ? "" : ", stopped after \(result.iterations) (\(result.stopReason.rawValue))")
      + (result.solvedQueries < result.queries ? " with \(result.solvedQueries) of \(result.queries) queries solved at the end" : "")
  } else {
    verdict = "not solved: \(problem) after \(result.iterations) iterations (\(result.stopReason.rawValue))"
  }
  return verdict
    + String(format: "; loss %.4g (best %.4g), accuracy %.4f", result.finalLoss, result.bestLoss, result.accuracy)
    + String(format: "; %.2f s, %.0f it/s", result.wallSeconds, result.iterationsPerSecond)
    + " on \(result.backend) (\(result.device))"
}
