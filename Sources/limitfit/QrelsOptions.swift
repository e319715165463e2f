import ArgumentParser
import LimitFit

extension QrelsPattern: ExpressibleByArgument {}
extension SeedAggregate: ExpressibleByArgument {}

extension LabeledQrels.Format: ExpressibleByArgument {
  /// The format's own name, or the data sets' names for it: mteb (jsonl), beir (tsv).
  public init?(argument: String) {
    switch argument {
    case "mteb": self = .jsonl
    case "beir": self = .tsv
    default: self.init(rawValue: argument)
    }
  }

  public static var allValueStrings: [String] { ["mteb", "jsonl", "beir", "tsv", "trec"] }
}

/// Where a relevance matrix comes from: a qrels file, or one of the paper's patterns.
struct QrelsOptions: ParsableArguments {
  /// The options of the settings the library takes from these.
  static let settingOptions: [LimitFitError.Setting: String] = [.split: "--split"]

  @Option(help: ArgumentHelp(
    "A qrels file — MTEB/BEIR .jsonl, BEIR .tsv, TREC (any other name); gzip-compressed too — or a BEIR/MTEB data set's folder (qrels/<split>.tsv or .jsonl, or qrels.jsonl; its corpus.jsonl is read too).",
    valueName: "file-or-folder"))
  var qrels: String?

  @Option(help: ArgumentHelp(
    "The qrels file's layout, whatever its name: mteb (or jsonl), beir (or tsv: a header, or 3 columns; 4 columns are TREC's, as in MS MARCO), trec.",
    valueName: "layout"))
  var format: LabeledQrels.Format?

  @Option(help: "The split of a data set's folder: its qrels/<split>.tsv or .jsonl (default test).")
  var split: String?

  @Option(help: "A corpus.jsonl whose documents take part even when relevant to no query; a data set's folder brings its own.")
  var corpus: String?

  @Option(help: "The smallest score that makes a document relevant (default 1).")
  var minScore: Double?

  @Option(help: "One of the paper's qrel patterns: dense, random, cycle or disjoint.")
  var pattern: QrelsPattern?

  @Option(help: "The number of queries of the pattern.")
  var queries: Int?

  @Option(help: "The seed of the random pattern.")
  var patternSeed: UInt64 = 42

  @Option(help: "Add N documents relevant to no query, with ids negative-1 … negative-N (LIMIT's qrels name 46 of its 50,000 documents: --negatives 49954).")
  var negatives: Int?

  /// The files and folders the matrix is read from, for `OutputPaths`.
  var inputs: [String] { [qrels, corpus].compactMap { $0 } }

  /// The matrix from `--qrels` (or `file`) or `--pattern`, with any `--negatives`; `nil` when
  /// neither is given.
  ///
  /// - Parameter documents: the pattern's number of documents (`--docs`), if given.
  /// - Throws: `LimitFitError` for options that do not apply to the source given.
  func load(file: String? = nil, documents: Int? = nil) throws -> LabeledQrels? {
    let loaded = try loadWithoutNegatives(file: file, documents: documents)
    loaded?.notes.forEach { printToStandardError("limitfit: " + $0) }
    if let loaded, let (first, last) = loaded.firstConflict {
      printToStandardError(
        "limitfit: \(loaded.source): \(loaded.conflictingPairs) (query, document) pairs are judged more than once, relevant "
          + "in one listing and not in another (the first on lines \(first) and \(last)); the last listing counts")
    }
    guard let negatives else { return loaded }
    guard let loaded else { throw LimitFitError("--negatives adds documents to a qrels file or a pattern; give one") }
    return try loaded.addingNegatives(negatives)
  }

  private func loadWithoutNegatives(file: String?, documents: Int?) throws -> LabeledQrels? {
    if file != nil && qrels != nil { throw LimitFitError("give the qrels file once: as an argument or with --qrels") }
    let path = file ?? qrels
    if path == nil, corpus != nil { throw LimitFitError("--corpus adds documents to a qrels file; give one with --qrels") }
    if path == nil, minScore != nil { throw LimitFitError("--min-score applies to a qrels file, not to a pattern") }
    if let minScore, !minScore.isFinite { throw LimitFitError("--min-score (\(minScore)) must be a finite number") }
    if path == nil, format != nil { throw LimitFitError("--format applies to a qrels file, not to a pattern") }
    if path == nil, split != nil { throw LimitFitError("--split chooses the split of a data set's folder; give one with --qrels") }
    switch (path, pattern) {
    case (.some, .some):
      throw LimitFitError("--qrels and --pattern are alternatives; give one")
    case (let path?, nil):
      guard queries == nil else { throw LimitFitError("--queries applies to --pattern, not to a qrels file") }
      guard documents == nil else {
        throw LimitFitError("--docs applies to --pattern or the all-subsets problem, not to a qrels file (its documents are its own)")
      }
      return try LabeledQrels.load(path: path, corpus: corpus, minimumScore: minScore ?? 1, format: format, split: split)
    case (nil, let pattern?):
      guard let queries else { throw LimitFitError("--pattern \(pattern.rawValue) needs --queries") }
      return try pattern.qrels(queries: queries, documents: documents, seed: patternSeed)
    case (nil, nil):
      guard queries == nil else { throw LimitFitError("--queries applies to --pattern") }
      return nil
    }
  }
}

/// One line that says what was loaded, and what was dropped or repeated.
func describe(_ qrels: LabeledQrels) -> String {
  var line = "\(qrels.source): \(qrels.qrels.queryCount) queries, \(qrels.qrels.documentCount) documents, "
    + "\(qrels.qrels.relevantPairCount) relevant pairs"
  if qrels.droppedQueries > 0 { line += "; \(qrels.droppedQueries) queries with no relevant document dropped" }
  if qrels.duplicatePairs > 0 { line += "; \(qrels.duplicatePairs) pairs listed again (the last listing counts)" }
  return line
}
