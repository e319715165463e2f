import ArgumentParser
import LimitFit

struct VerifyCommand: ParsableCommand, SettingOptions {
  static let configuration = CommandConfiguration(
    commandName: "verify",
    abstract: "Check a saved certificate against qrels, recomputing every score in double precision.",
    discussion: """
      Reads queries.npy, documents.npy (float16, float32 or float64, C or Fortran order; \
      float64 is checked in its own precision) and certificate.json from the folder, computes for \
      every query its margin (worst relevant minus best irrelevant score, over every document of \
      the certificate) and says solved only when every margin is positive. Exits 2 when not \
      solved, 1 on an error.
      """
  )

  @Argument(help: "The folder that --save-embeddings wrote.")
  var folder: String

  @OptionGroup(title: "Relevance matrix")
  var source: QrelsOptions

  @Option(help: "The number of documents of a pattern.")
  var docs: Int?

  @Option(help: "Write the verdict as JSON to this file, or to standard output with '-'.")
  var json: String?

  @Flag(help: "Replace the --json file if it exists.")
  var overwrite = false

  var settingOptions: [LimitFitError.Setting: String] { QrelsOptions.settingOptions }

  func run() throws {
    var outputs = OutputPaths(inputs: [folder] + source.inputs, overwrite: overwrite)
    let output = try json.map { try JSONOutput(path: $0, in: &outputs) }
    guard let labeled = try source.load(documents: docs) else {
      throw LimitFitError("give the relevance matrix with --qrels or --pattern")
    }
    let (verification, dimension) = try Certificate.verify(folder, against: labeled)
    let verdict = verification.solved ? "solved" : "not solved"
    let worst = labeled.queryIDs[verification.worstQuery]
    JSONOutput.report(
      "\(verdict): \(verification.solvedQueries) of \(verification.queries) queries have a positive margin in "
        + "d = \(dimension); minimum margin \(verification.minimumMargin) (query \"\(worst)\")", beside: output)
    if verification.solved { JSONOutput.report(proofLine(dimension: dimension), beside: output) }
    try output?.write(Stamped(VerifyRecord(
      folder: folder, source: labeled.source, dimension: dimension, queries: verification.queries,
      solvedQueries: verification.solvedQueries, solved: verification.solved,
      minimumMargin: verification.minimumMargin.isFinite ? verification.minimumMargin : nil, worstQuery: worst)))
    if !verification.solved { throw LimitFitCommand.negativeAnswer }
  }
}

/// The JSON `verify --json` writes.
private struct VerifyRecord: Encodable {
  var folder: String
  var source: String
  var dimension: Int
  var queries: Int
  var solvedQueries: Int
  var solved: Bool
  /// nil (absent) when +∞: every query is relevant to every document.
  var minimumMargin: Double?
  var worstQuery: String
}

/// What a solved fit in d dimensions proves (Weller et al. 2025, Proposition 2).
func proofLine(dimension d: Int) -> String {
  "This proves rank_rop(A) ≤ \(d) and so sign-rank(2A − 1) ≤ \(d + 1) for this relevance matrix A."
}
