import ArgumentParser
import Foundation
import LimitFit

struct MinDimCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "min-dim",
    abstract: "The smallest dimension at which a free-embedding fit represents a relevance matrix exactly.",
    discussion: """
      Gallops d = 1, 2, 4, 8, … up to --max-dim until a fit solves the matrix, then binary \
      searches between the last failure and the first success; d counts as solved when any \
      seed solves it (seeds after the first success are not fitted). Fits are stored in and \
      reused from the results file. A solved fit in d dimensions proves rank_rop(A) ≤ d and \
      sign-rank(2A − 1) ≤ d + 1; --save-embeddings writes its embeddings as the certificate, \
      which 'limitfit verify' checks.
      """
  )

  @OptionGroup(title: "Relevance matrix")
  var source: QrelsOptions

  @Option(help: "The number of documents of a pattern.")
  var docs: Int?

  @Option(help: "The largest dimension tried.")
  var maxDim: Int = 256

  @OptionGroup(title: "Search")
  var seeding: SeedOptions

  @Option(help: "The results file (JSON Lines): every fit is appended; stored fits are reused.")
  var results = "results/fits.jsonl"

  @Option(help: "Write the embeddings of the solved fit at the smallest d into this folder.")
  var saveEmbeddings: String?

  @Flag(help: "Replace certificate files in --save-embeddings.")
  var overwrite = false

  @OptionGroup(title: "Backend")
  var backend: BackendOptions

  func run() throws {
    try seeding.check()
    let optimiser = seeding.optimiser
    let search = try MinimumDimensionSearch(maximumDimension: maxDim, seeds: seeding.seedList)
    guard let labeled = try source.load(documents: docs) else {
      throw LimitFitError("give the relevance matrix with --qrels or --pattern")
    }
    if let saveEmbeddings { try Certificate.checkWritable(saveEmbeddings, overwrite: overwrite) }
    print(describe(labeled))
    fflush(nil)

    let clock = ContinuousClock()
    let began = clock.now
    let runner = SearchRunner(
      store: try ResultsStore(path: results, warn: printToStandardError), backend: try backend.makeBackend())
    var certificates: [Int: (FitResult, Embeddings)] = [:]
    func makeFit(dimension: Int, seed: UInt64) throws -> FreeEmbeddingFit {
      var settings = optimiser.hyperparameters
      settings.seed = seed
      return try FreeEmbeddingFit(
        qrels: labeled, dimension: dimension, hyperparameters: settings, checkingCapacityOf: runner.backend)
    }
    let (minimum, outcomes) = try search.run { dimension, seed in
      let (result, embeddings) = try runner.run(
        makeFit(dimension: dimension, seed: seed), label: "d = \(dimension), seed \(seed)")
      if result.solved, let embeddings { certificates[dimension] = (result, embeddings) }
      return result
    }
    let seconds = (clock.now - began).seconds

    for line in fitTable(size: "d", outcomes.flatMap { outcome in outcome.fits.map { (outcome.dimension, $0) } }) {
      print(line)
    }
    guard let minimum else {
      print(String(format: "not solved in any d up to %d (%.1f s)", maxDim, seconds))
      throw ExitCode.failure
    }
    print(String(format: "smallest dimension: d = %d (%.1f s)", minimum, seconds))
    print(proofLine(dimension: minimum))

    guard let saveEmbeddings else { return }
    // The certificate: the solved fit at d; fitted again when it came from the results file.
    let solving = outcomes.first { $0.dimension == minimum }?.fits.last { $0.solved }
    var certificate = certificates[minimum]
    if certificate == nil, let seed = solving?.hyperparameters.seed {
      certificate = try makeFit(dimension: minimum, seed: seed).run(on: runner.backend)
    }
    guard let (result, embeddings) = certificate, result.solved else {
      throw LimitFitError("the refit at d = \(minimum) did not solve the matrix again; no certificate written")
    }
    try Certificate.write(embeddings, of: labeled, fit: result, to: saveEmbeddings, overwrite: overwrite)
    print("certificate: \(saveEmbeddings) (check it with: limitfit verify \(saveEmbeddings) --qrels …)")
  }
}
