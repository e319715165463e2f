import ArgumentParser
import Foundation
import LimitFit

extension MinimumDimensionMethod: ExpressibleByArgument {}

struct MinDimCommand: ParsableCommand, SettingOptions {
  static let configuration = CommandConfiguration(
    commandName: "min-dim",
    abstract: "The smallest dimension in which unit vectors represent a relevance matrix exactly: proven bounds, constructions and the optimiser's answer.",
    discussion: """
      Geometry first (--method all or bounds): a lower bound with its reason (d = 1: documents \
      are ±1; d = 2: on a circle only neighbours are top-2 pairs; d = 3: the convex hull's graph \
      is planar) and an upper bound by construction (the line, the circle, a simplex, or the \
      trigonometric moment curve in d = 2k, which represents any matrix whose relevant sets have \
      at most k documents), checked in double precision and again as stored in --precision. When \
      the bounds meet the answer is exact; otherwise the optimiser searches inside them. \
      The optimiser's own search (--method all or optimiser; the paper's measure) gallops \
      d = 1, 2, 4, 8, … up to --max-dim until a fit solves the matrix, then binary searches; d \
      counts as solved when any seed solves it. Fits are stored in and reused from the results \
      file. Embeddings that solve the matrix in d dimensions prove rank_rop(A) ≤ d and \
      sign-rank(2A − 1) ≤ d + 1; --save-construction and --save-embeddings write them as \
      certificates, which 'limitfit verify' checks.
      """
  )

  @OptionGroup(title: "Relevance matrix")
  var source: QrelsOptions

  @Option(help: "The number of documents of a pattern.")
  var docs: Int?

  @Option(help: "The largest dimension tried.")
  var maxDim: Int = 256

  @Option(help: "all (bounds, a construction and the optimiser), bounds (no fit) or optimiser (the paper's measure alone).")
  var method: MinimumDimensionMethod = .all

  @Option(help: "The precision the construction is stored and checked in: float32, float16, bfloat16 or float64.")
  var precision: Precision = .float32

  @OptionGroup(title: "Search")
  var seeding: SeedOptions

  @OptionGroup(title: "Results")
  var resultsFile: ResultsOptions

  @Option(help: "Write the construction's embeddings into this folder (a certificate for 'limitfit verify').")
  var saveConstruction: String?

  @Option(help: "Write the embeddings of the optimiser's solved fit at its smallest d into this folder.")
  var saveEmbeddings: String?

  @Option(help: "Write the bounds with their reasons, the constructions tried, the optimiser's answer and the answer as JSON to this file, or to standard output with '-'.")
  var json: String?

  @Flag(help: "Replace certificate files in --save-construction and --save-embeddings, and the --json file.")
  var overwrite = false

  @OptionGroup(title: "Backend")
  var backend: BackendOptions

  var settingOptions: [LimitFitError.Setting: String] { QrelsOptions.settingOptions }

  func validate() throws {
    if method == .bounds, saveEmbeddings != nil {
      throw LimitFitError("--save-embeddings saves the optimiser's fit; --method bounds runs none")
    }
    if method == .optimiser, saveConstruction != nil {
      throw LimitFitError("--save-construction saves the construction; --method optimiser builds none")
    }
  }

  func run() throws {
    var outputs = OutputPaths(inputs: source.inputs, overwrite: overwrite)
    let output = try json.map { try JSONOutput(path: $0, in: &outputs) }
    func print(_ line: String) { JSONOutput.report(line, beside: output) }
    try seeding.optimiser.hyperparameters.validate()
    _ = try MinimumDimensionSearch(maximumDimension: maxDim, seeds: seeding.seedList)
    let constructionOutput = try saveConstruction.map {
      try CertificateOutput(folder: $0, option: "--save-construction", in: &outputs)
    }
    let fitOutput = try saveEmbeddings.map { try CertificateOutput(folder: $0, in: &outputs) }
    if method != .bounds { try resultsFile.check(in: &outputs) }
    guard let labeled = try source.load(documents: docs) else {
      throw LimitFitError("give the relevance matrix with --qrels or --pattern")
    }
    print(describe(labeled))
    fflush(nil)

    var answer = try MinimumDimensionAnswer(of: labeled, method: method, maximumDimension: maxDim, precision: precision)
    if let bounds = answer.bounds {
      print("lower bound: d ≥ \(bounds.lower)" + (bounds.lowerReason.map { ": \($0)" } ?? " (every matrix needs a dimension)"))
      for tried in answer.constructions {
        let heading = switch (tried.solved, tried.exact.solved) {
        case (true, _): "upper bound" + (answer.realUpper == nil ? "" : " as stored in \(precision.rawValue)")
          + ": d ≤ \(tried.construction.dimension): "
        case (false, true): "upper bound in double precision, not as stored: d ≤ \(tried.construction.dimension): "
        case (false, false): "not an upper bound: "
        }
        print(
          heading + tried.construction.summary
            + String(format: "; smallest margin %.3g in double, %.3g as stored in %@", tried.exact.minimumMargin, tried.stored.minimumMargin, precision.rawValue)
            + (tried.solved ? "" : " — not every query is solved as stored"))
      }
      if let solving = bounds.upper {
        if let constructionOutput {
          try constructionOutput.write(solving.embeddings, of: labeled, fit: nil, construction: solving.construction.summary)
          print("construction certificate: \(constructionOutput.folder) (check it with: limitfit verify \(constructionOutput.folder) --qrels …)")
        }
      } else {
        print("upper bound: no construction up to d = \(maxDim) represents it as stored in \(precision.rawValue)")
        if let constructionOutput {
          print("no construction certificate written to \(constructionOutput.folder)")
        }
      }
      fflush(nil)
    }

    var optimiserCertificate: (FitResult, Embeddings)?
    if method != .bounds {
      let runner = try resultsFile.makeRunner(backend: try backend.makeBackend())
      try answer.runOptimiser(on: runner, seeds: seeding.seedList, hyperparameters: seeding.optimiser.hyperparameters)
      for line in fitTable(size: "d", answer.optimiserOutcomes.flatMap { outcome in
        outcome.fits.map { (outcome.dimension, $0) }
      }) {
        print(line)
      }
      let alone = answer.optimiserAlone?.minimumDimension
      print(
        "the optimiser alone (the paper's measure): "
          + (alone.map { "d = \($0)" } ?? "not solved in any d up to \(maxDim)")
          + String(format: " (%.1f s)", answer.optimiserSeconds))
      if let (d, verification) = answer.unverified {
        print(
          "the optimiser's fit in d = \(d) is solved by its float32 scores but not exactly "
            + "(\(verification.solvedQueries) of \(verification.queries) queries): it proves no bound")
      }
      if let saveEmbeddings, fitOutput != nil, let run = answer.optimiserAlone {
        guard alone != nil else {
          throw LimitFitError("--save-embeddings \(saveEmbeddings): the optimiser solved no dimension; there is no certificate")
        }
        optimiserCertificate = try runner.certificate(of: run)
      }
    }

    // The rank's bound: the smallest d shown, in double precision or as stored.
    let (lower, proved) = (answer.lower, answer.upper)
    if method != .optimiser {
      switch proved {
      case lower?: print("answer: exact: d = \(lower)")
      case let proved?: print("answer: \(lower) ≤ d ≤ \(proved)")
      case nil: print("answer: d ≥ \(lower); nothing up to d = \(maxDim) was shown to represent it")
      }
    }
    if let proved { print(proofLine(dimension: proved)) }
    try output?.write(Stamped(answer.record))
    if let upper = answer.storedUpper, let proved, upper > proved {
      print(
        "As stored in \(precision.rawValue), the smallest representation found is in d = \(upper): "
          + "it shows a \(precision.rawValue) representation of A in d = \(upper), not a bound on its rank.")
    }
    if let (result, embeddings) = optimiserCertificate, let fitOutput {
      try fitOutput.write(embeddings, of: labeled, fit: result)
      print("optimiser certificate: \(fitOutput.folder) (check it with: limitfit verify \(fitOutput.folder) --qrels …)")
    }
    if proved == nil { throw LimitFitCommand.negativeAnswer }
  }
}
