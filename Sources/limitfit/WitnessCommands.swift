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

  @Flag(help: "Replace certificate files in --save-embeddings.")
  var overwrite = false

  func run() throws {
    guard (3...CyclicWitness.maximumCheckedDocuments).contains(docs) else {
      throw LimitFitError("--docs (\(docs)) must be between 3 and \(CyclicWitness.maximumCheckedDocuments): the check costs O(n³)")
    }
    let witness = try CyclicWitness(documents: docs, dimension: dim, precision: precision)
    var outputs = OutputPaths(inputs: [], overwrite: overwrite)
    let certificate = try saveEmbeddings.map { try CertificateOutput(folder: $0, in: &outputs) }
    if certificate != nil {
      _ = try ProblemSize.allSubsets(documents: docs, k: 2, dimension: dim)
      try witness.requireEmbeddingsMemory()
    }
    let clock = ContinuousClock()
    let began = clock.now
    let verification = witness.verify()
    let seconds = (clock.now - began).seconds
    print(
      "\(verification.solved ? "solved" : "not solved"): \(verification.solvedQueries) of \(verification.queries) pairs "
        + "of n = \(docs) documents in d = \(dim) (\(precision.rawValue) vectors, scores in double precision); "
        + "minimum margin \(verification.minimumMargin) at pair \(witness.pair(ofQuery: verification.worstQuery))"
        + String(format: "; %.1f s", seconds))
    try certificate?.write(try witness.embeddings(), of: .allSubsets(documents: docs, k: 2), fit: nil)
  }
}

struct WitnessLimitCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "witness-limit",
    abstract: "The largest n for which the stored construction still solves every pair, per d and precision.",
    discussion: """
      For each dimension and precision, the largest n (doubling from 4, then a binary search) at \
      which the construction of 'limitfit witness', rounded to that precision, still solves every \
      pair; beside it, the optimiser's critical-n where the results file holds a search for that d \
      with the default settings. For d > 4 the construction is the d = 4 one padded with zeros, so \
      its limits do not grow with d.
      """
  )

  @Option(help: "Dimensions: a range (4...16), a list, or both.")
  var dims = "4...8"

  @Option(parsing: .upToNextOption, help: "Precisions to check.")
  var precision: [Precision] = [.float32, .float16, .bfloat16]

  @Option(help: "The largest n tried (checking costs n³).")
  var maxDocs = 2000

  @Option(help: "A results file whose critical-n searches are shown beside the limits.")
  var results = "results/fits.jsonl"

  @Option(help: "Write the table as JSON to this file.")
  var json: String?

  @Flag(help: "Replace the --json file if it exists.")
  var overwrite = false

  func run() throws {
    let dimensions = try DimensionList(parsing: dims)
    guard (4...CyclicWitness.maximumCheckedDocuments).contains(maxDocs) else {
      throw LimitFitError("--max-docs (\(maxDocs)) must be between 4 and \(CyclicWitness.maximumCheckedDocuments): the check costs O(n³)")
    }
    guard dimensions.minimum >= 4 else {
      throw LimitFitError("--dims \(dims): the witness needs d ≥ 4, not \(dimensions.minimum)")
    }
    var outputs = OutputPaths(inputs: [results], overwrite: overwrite)
    let output = try json.map { try JSONOutput(path: $0, in: &outputs) }
    var optimiser: [Int: Int] = [:]
    if FileManager.default.fileExists(atPath: results) {
      for search in try ResultsStore(path: results, warn: printToStandardError).searches
      where search.key == SearchOptions.defaultKey(dimension: search.dimension) {
        if let critical = search.criticalN { optimiser[search.dimension] = max(optimiser[search.dimension] ?? 0, critical) }
      }
    }

    struct Row: Encodable {
      var dimension: Int
      var optimiserCriticalN: Int?
      var limits: [String: Int]
      var capped: [String]
    }
    print("    d  optimiser  " + precision.map { $0.rawValue.leftPadded(to: 10) }.joined(separator: " "))
    var rows: [Row] = []
    for dimension in dimensions {
      var row = Row(dimension: dimension, optimiserCriticalN: optimiser[dimension], limits: [:], capped: [])
      var cells: [String] = []
      for precision in precision {
        let (limit, capped) = try CyclicWitness.limit(dimension: dimension, precision: precision, maximumDocuments: maxDocs)
        row.limits[precision.rawValue] = limit
        if capped { row.capped.append(precision.rawValue) }
        cells.append(((capped ? "≥ " : "") + String(limit)).leftPadded(to: 10))
      }
      rows.append(row)
      print(String(dimension).leftPadded(to: 5) + (optimiser[dimension].map(String.init) ?? "-").leftPadded(to: 11)
        + "  " + cells.joined(separator: " "))
      fflush(nil)
    }
    try output?.write(rows)
  }
}
