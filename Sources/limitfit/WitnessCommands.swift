import ArgumentParser
import Foundation
import LimitFit

extension Precision: ExpressibleByArgument {}

struct WitnessCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "witness",
    abstract: "Build the exact construction that solves every pair of n documents in d ≥ 4, and check it.",
    discussion: """
      Documents on the curve (cos θ, sin θ, cos 2θ, sin 2θ)/√2, θ = 2πi/n (a cyclic polytope: \
      every pair of documents is an edge), and for each pair the query of the degree-2 \
      trigonometric polynomial that peaks exactly at its two documents; for d > 4, the same \
      vectors padded with zeros. The vectors are rounded to --precision, then every pair is \
      checked with scores in double precision.
      """
  )

  @Option(help: "The number of documents n.")
  var docs: Int

  @Option(help: "The embedding dimension d (at least 4).")
  var dim: Int = 4

  @Option(help: "The precision the vectors are stored in: float64, float32, float16 or bfloat16.")
  var precision: Precision = .float64

  @Option(help: "Write the construction's embeddings (float32) and ids into this folder.")
  var saveEmbeddings: String?

  @Option(help: "Write the verdict as JSON to this file, or to standard output with '-'.")
  var json: String?

  @Flag(help: "Replace certificate files in --save-embeddings, and the --json file.")
  var overwrite = false

  func run() throws {
    guard (3...CyclicWitness.maximumCheckedDocuments).contains(docs) else {
      throw LimitFitError("--docs (\(docs)) must be between 3 and \(CyclicWitness.maximumCheckedDocuments): the check costs O(n³)")
    }
    let witness = try CyclicWitness(documents: docs, dimension: dim, precision: precision)
    var outputs = OutputPaths(inputs: [], overwrite: overwrite)
    let output = try json.map { try JSONOutput(path: $0, in: &outputs) }
    let certificate = try saveEmbeddings.map { try CertificateOutput(folder: $0, in: &outputs) }
    if certificate != nil {
      _ = try ProblemSize.allSubsets(documents: docs, k: 2, dimension: dim)
      try witness.requireEmbeddingsMemory()
    }
    let clock = ContinuousClock()
    let began = clock.now
    let verification = witness.verify()
    let seconds = (clock.now - began).seconds
    let pair = witness.pair(ofQuery: verification.worstQuery)
    JSONOutput.report(
      "\(verification.solved ? "solved" : "not solved"): \(verification.solvedQueries) of \(verification.queries) pairs "
        + "of n = \(docs) documents in d = \(dim) (\(precision.rawValue) vectors, scores in double precision); "
        + "minimum margin \(verification.minimumMargin) at pair \(pair)"
        + String(format: "; %.1f s", seconds), beside: output)
    try certificate?.write(try witness.embeddings(), of: .allSubsets(documents: docs, k: 2), fit: nil)
    try output?.write(Stamped(WitnessRecord(
      documents: docs, dimension: dim, precision: precision.rawValue, pairs: verification.queries,
      solvedPairs: verification.solvedQueries, solved: verification.solved,
      minimumMargin: verification.minimumMargin, worstPair: [pair.0, pair.1], wallSeconds: seconds)))
  }
}

/// The JSON `witness --json` writes.
private struct WitnessRecord: Encodable {
  var documents: Int
  var dimension: Int
  var precision: String
  var pairs: Int
  var solvedPairs: Int
  var solved: Bool
  var minimumMargin: Double
  /// The documents of the pair with the smallest margin.
  var worstPair: [Int]
  var wallSeconds: Double
}
