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
    _ = try MinimumDimensionSearch(maximumDimension: maxDim, seeds: seeding.seedList)
    guard let labeled = try source.load(documents: docs) else {
      throw LimitFitError("give the relevance matrix with --qrels or --pattern")
    }
    let certificate = try saveEmbeddings.map { try CertificateOutput(folder: $0, overwrite: overwrite) }
    print(describe(labeled))
    fflush(nil)

    let clock = ContinuousClock()
    let began = clock.now
    let runner = try FitRunner(results: results, backend: try backend.makeBackend())
    let search = try runner.minimumDimension(
      of: labeled, maximumDimension: maxDim, seeds: seeding.seedList, hyperparameters: optimiser.hyperparameters)
    let (minimum, outcomes) = (search.minimumDimension, search.outcomes)
    let seconds = (clock.now - began).seconds

    for line in fitTable(size: "d", outcomes.flatMap { outcome in outcome.fits.map { (outcome.dimension, $0) } }) {
      print(line)
    }
    guard let minimum else {
      print(String(format: "not solved in any d up to %d (%.1f s)", maxDim, seconds))
      throw LimitFitCommand.negativeAnswer
    }
    print(String(format: "smallest dimension: d = %d (%.1f s)", minimum, seconds))
    print(proofLine(dimension: minimum))

    guard let saveEmbeddings, let certificate else { return }
    let (result, embeddings) = try runner.certificate(of: search)
    try certificate.write(embeddings, of: labeled, fit: result)
    print("certificate: \(saveEmbeddings) (check it with: limitfit verify \(saveEmbeddings) --qrels …)")
  }
}
