import ArgumentParser
import Foundation
import LimitFit

struct EvalCommand: ParsableCommand, SettingOptions {
  static let configuration = CommandConfiguration(
    commandName: "eval",
    abstract: "Score a model's query and document embeddings against qrels: recall@2, @10, @100, nDCG@10 and the exact verdict.",
    discussion: """
      Every query ranks every document row by the dot product of their embeddings (the cosine \
      for unit-length rows: normalise them before saving for a model scored by cosine \
      similarity), highest first, in float32 on every core; equal scores rank as trec_eval \
      (pytrec_eval, MTEB) ranks them, the larger document id first (--ties row: the lower row). \
      The metrics are MTEB's and BEIR's with binary relevance, averaged over the queries: \
      recall@k = |relevant ∩ top k| / |relevant|, and nDCG@10 with gain 1 and discount \
      log2(rank + 1) over the ideal min(|relevant|, 10); --k adds recall, precision, nDCG, MAP \
      and MRR at each cut-off, as pytrec_eval's recall_k, P_k, ndcg_cut_k, map_cut_k and \
      MTEB's MRR compute them, and --run writes the rankings as a TREC run file. The verdict is \
      verify's, in double \
      precision from the files' values: a query is solved when its worst relevant score is \
      strictly above its best irrelevant one. Document rows the qrels do not know are \
      irrelevant to every query and ranked with the rest; query rows with no relevant document \
      are skipped and counted. Without ids files the rows follow a data set folder's \
      queries.jsonl and corpus.jsonl (or --corpus), in their order; where there are none, the \
      qrels' order of first appearance, and a note says so. eval measures: it exits 0 \
      whatever it finds ('limitfit verify' answers solved or not by its exit status).
      """
  )

  @Option(help: "The query embeddings: a .npy matrix with a row per query (float16, float32 or float64, C or Fortran order).")
  var queryEmbeddings: String

  @Option(help: "The document embeddings: a .npy matrix with a row per document, as many columns.")
  var documentEmbeddings: String

  @Option(help: "The ids of the query rows, one per line (default: a data set folder's queries.jsonl, else the qrels' queries, in order).")
  var queryIds: String?

  @Option(help: "The ids of the document rows, one per line (default: the corpus's documents, else the qrels', in order).")
  var documentIds: String?

  @OptionGroup(title: "Relevance matrix")
  var source: QrelsOptions

  @Option(help: "The number of documents of a pattern.")
  var docs: Int?

  @Option(help: "How many queries with the smallest margins to list.")
  var worst = 5

  @Option(help: "Cut-offs k, comma-separated (1,5,20): recall, precision, nDCG, MAP and MRR at each, beside the default table.")
  var k: String?

  @Option(help: "How equal scores are ranked: trec (the larger document id first, as trec_eval, pytrec_eval and so MTEB rank them) or row (the lower document row first).")
  var ties: TieRule = .trec

  @Option(name: .customLong("run"), help: "Write the rankings as a TREC run file (query Q0 document rank score name), max(100, the largest k) documents per query.")
  var runFile: String?

  @Option(help: "A label for the evaluation: the run file's tag and the record's name (default limitfit).")
  var name = "limitfit"

  @Option(help: "Write the evaluation as JSON to this file, or to standard output with '-'.")
  var json: String?

  @Flag(help: "Replace the --json and --run files if they exist.")
  var overwrite = false

  /// The largest cut-off: each query keeps that many documents of its ranking.
  static let maximumCutoff = 10_000

  var settingOptions: [LimitFitError.Setting: String] { QrelsOptions.settingOptions }

  func validate() throws {
    guard worst >= 0 else { throw LimitFitError("--worst (\(worst)) must be at least 0") }
    guard !name.isEmpty, !name.contains(where: \.isWhitespace) else {
      throw LimitFitError("--name \"\(name)\" must be one word: it is the run file's last column")
    }
  }

  func run() throws {
    let cutoffs = try k.map(Self.cutoffs(parsing:)) ?? []
    var outputs = OutputPaths(
      inputs: [queryEmbeddings, documentEmbeddings] + [queryIds, documentIds].compactMap { $0 } + source.inputs,
      overwrite: overwrite)
    let output = try json.map { try JSONOutput(path: $0, in: &outputs) }
    if let runFile { try outputs.file(runFile, option: "--run") }
    let level = try CPULevel.level(environment: ProcessInfo.processInfo.environment[CPULevel.variable]) ?? .best
    guard let labeled = try source.load(documents: docs) else {
      throw LimitFitError("give the relevance matrix with --qrels or --pattern")
    }
    let queries = try NPYMatrix(contentsOfFile: queryEmbeddings)
    let documents = try NPYMatrix(contentsOfFile: documentEmbeddings)
    let documentIDs = try documentIds.map(IDList.init(contentsOfFile:))
    let order = try RowOrder(labeled: labeled, queryIDs: queryIds, documentIDs: documentIds, fromFile: source.qrels != nil)
    if let listed = order.queryIDs, queryIds == nil, listed.ids.count != queries.rows {
      throw LimitFitError(
        "\(queries.name): \(queries.rows) rows for the \(listed.ids.count) queries of \(listed.path), whose order "
          + "the rows take without --query-ids; give --query-ids for rows in another order or a subset")
    }
    let rows = try EmbeddingRows(
      qrels: labeled, queries: queries, documents: documents, queryIDs: order.queryIDs, documentIDs: documentIDs)
    let start = DispatchTime.now().uptimeNanoseconds
    let rowIDs = documentIDs?.ids ?? labeled.documentIDs
    if runFile != nil, let id = (labeled.queryIDs + rowIDs).first(where: { $0.contains(where: \.isWhitespace) }) {
      throw LimitFitError("--run: the id \"\(id)\" holds white space, which a TREC run file cannot")
    }
    let evaluation = try RetrievalEvaluation(
      queries: queries, documents: documents, relevance: labeled.qrels, rows: rows, cutoffs: cutoffs,
      ties: ties.tieBreak(documentIDs: rowIDs), level: level)
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let report = EvaluationReport(
      qrels: labeled, queries: queries, documents: documents, rows: rows, documentIDs: rowIDs,
      queryOrder: order.queries, documentOrder: order.documents, evaluation: evaluation, name: name, ties: ties,
      worst: worst, seconds: seconds, device: CPUBackend(level: level).device)
    let lines = report.lines(note: order.guess).joined(separator: "\n")
    if output?.isStandardOutput == true { printToStandardError(lines) } else { print(lines) }
    if let run = runFile { try FileOutput.write([(run, Data(report.runFile.utf8))], replacing: outputs.overwrite) }
    try output?.write(Stamped(report.record))
  }

  /// The cut-offs of `--k`: positive, at most `maximumCutoff`, in the order given, once each.
  static func cutoffs(parsing text: String) throws -> [Int] {
    let values = try text.split(separator: ",", omittingEmptySubsequences: false).map { part in
      guard let value = Int(part.trimmingCharacters(in: .whitespaces)), (1...maximumCutoff).contains(value) else {
        throw LimitFitError("--k \(text): \"\(part)\" is not a cut-off from 1 to \(maximumCutoff)")
      }
      return value
    }
    guard Set(values).count == values.count else { throw LimitFitError("--k \(text): a cut-off is listed twice") }
    return values
  }
}

extension TieRule: ExpressibleByArgument {}

/// Which query and document each embedding row is: an ids file, else the data set's
/// queries.jsonl (corpus.jsonl) in its order, else — a guess, said so — the qrels' order.
private struct RowOrder {
  /// The ids of the query rows, from --query-ids or queries.jsonl; `nil`: the qrels' order.
  let queryIDs: IDList?
  /// Where each order came from, for the record: a path, or "qrels" (or "pattern").
  let queries: String
  let documents: String
  /// The order assumed where none was given, for a note; `nil` when both were given.
  let guess: String?

  /// - Parameter fromFile: whether the qrels came from a file (a pattern's order is its own).
  init(labeled: LabeledQrels, queryIDs: String?, documentIDs: String?, fromFile: Bool) throws {
    self.queryIDs = try queryIDs.map(IDList.init(contentsOfFile:)) ?? labeled.queriesFileIDs()
    let inherent = fromFile ? "qrels" : "pattern"
    queries = queryIDs ?? labeled.queriesFile ?? inherent
    documents = documentIDs ?? labeled.corpusFile ?? inherent
    let rows = [
      fromFile && queries == inherent ? ("query", "--query-ids", "queries.jsonl") : nil,
      fromFile && documents == inherent ? ("document", "--document-ids", "corpus") : nil,
    ].compactMap { $0 }
    guess = rows.isEmpty
      ? nil
      : "\(rows.map(\.0).joined(separator: " and ")) rows taken in the qrels' order of first appearance "
        + "(no \(rows.map { "\($0.1), no \($0.2)" }.joined(separator: "; no ")))"
  }
}

extension EvaluationReport {
  /// The report for a terminal, with `note` (how the rows were taken to be ordered) under
  /// its first lines.
  func lines(note: String?) -> [String] {
    let d = evaluation.dimension
    var embeddings = "embeddings: \(queries.rows) × \(d) \(queries.elementType.rawValue) queries, "
      + "\(documents.rows) × \(d) \(documents.elementType.rawValue) documents; scores are dot products"
    if rows.skippedQueryRows > 0 {
      embeddings += "; \(rows.skippedQueryRows) query rows with no relevant document skipped"
    }
    if rows.unjudgedDocumentRows > 0 {
      embeddings += "; \(rows.unjudgedDocumentRows) document rows not in the qrels ranked as irrelevant"
    }
    var lines = [describe(qrels), embeddings]
    if let note { lines.append("note: " + note) }
    let unit = 1e-3
    let (q, x) = (evaluation.queryNorms, evaluation.documentNorms)
    if [q.lowerBound, q.upperBound, x.lowerBound, x.upperBound].contains(where: { abs($0 - 1) > unit }) {
      lines.append(
        "note: the rows are not unit vectors (query norms \(short(q.lowerBound)) to \(short(q.upperBound)), "
          + "document norms \(short(x.lowerBound)) to \(short(x.upperBound))): the scores are not cosines"
          + (q.lowerBound == 0 || x.lowerBound == 0 ? "; a zero row scores every document alike, ranked by row" : ""))
    }
    let metrics = evaluation.metrics
    lines.append("  recall@2  recall@10  recall@100   nDCG@10")
    lines.append(String(
      format: "%10.4f %10.4f %11.4f %9.4f", metrics.recallAt2, metrics.recallAt10, metrics.recallAt100,
      metrics.ndcgAt10))
    if !metrics.cutoffs.isEmpty {
      lines.append("      k     recall  precision       nDCG        MAP        MRR")
      for cutoff in metrics.cutoffs {
        lines.append(String(
          format: "%7d %10.4f %10.4f %10.4f %10.4f %10.4f", cutoff.k, cutoff.recall, cutoff.precision, cutoff.ndcg,
          cutoff.map, cutoff.mrr))
      }
    }
    let verification = evaluation.verification
    lines.append(
      "\(verification.solved ? "solved" : "not solved"): \(verification.solvedQueries) of \(verification.queries) "
        + "queries have a positive margin in d = \(d); minimum margin \(verification.minimumMargin) "
        + "(query \"\(qrels.queryIDs[verification.worstQuery])\")")
    let margins = self.margins
    lines.append(
      "margins: minimum \(short(margins.minimum)), lower quartile \(short(margins.lowerQuartile)), "
        + "median \(short(margins.median)), upper quartile \(short(margins.upperQuartile)), maximum \(short(margins.maximum))")
    let worstQueries = evaluation.worstQueries(worst)
    if !worstQueries.isEmpty {
      lines.append("worst queries (margin = worst relevant score − best irrelevant score):")
      for query in worstQueries {
        let result = evaluation.queries[query]
        var line = "  \"\(qrels.queryIDs[query])\": \(short(result.margin)) = \(short(result.worstRelevant.score)) "
          + "(\"\(documentIDs[result.worstRelevant.row])\")"
        if let best = result.bestIrrelevant {
          line += " − \(short(best.score)) (\"\(documentIDs[best.row])\")"
        } else {
          line += "; every document is relevant"
        }
        lines.append(line)
      }
    }
    if verification.solved { lines.append(proofLine(dimension: d)) }
    lines.append(
      String(format: "ranked in %.2f s: %.3g GFLOP at %.1f GFLOP/s on ", seconds, gigaflops, gigaflopsPerSecond)
        + "\(device); \(evaluation.recomputedScores) irrelevant scores recomputed in double precision; "
        + (ties == .trec ? "ties: the larger document id first (trec_eval)" : "ties: the lower document row first"))
    return lines
  }

  /// Six significant digits.
  private func short(_ value: Double) -> String { String(format: "%.6g", value) }
}
