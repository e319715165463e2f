import ArgumentParser
import LimitFit

struct VerifyCommand: ParsableCommand {
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

  func run() throws {
    guard let labeled = try source.load(documents: docs) else {
      throw LimitFitError("give the relevance matrix with --qrels or --pattern")
    }
    let (verification, dimension) = try Certificate.verify(folder, against: labeled)
    let verdict = verification.solved ? "solved" : "not solved"
    print(
      "\(verdict): \(verification.solvedQueries) of \(verification.queries) queries have a positive margin in "
        + "d = \(dimension); minimum margin \(verification.minimumMargin) (query \"\(labeled.queryIDs[verification.worstQuery])\")")
    if verification.solved {
      print(proofLine(dimension: dimension))
    } else {
      throw LimitFitCommand.negativeAnswer
    }
  }
}

/// What a solved fit in d dimensions proves (Weller et al. 2025, Proposition 2).
func proofLine(dimension d: Int) -> String {
  "This proves rank_rop(A) ≤ \(d) and so sign-rank(2A − 1) ≤ \(d + 1) for this relevance matrix A."
}
