/// How equal scores rank in an evaluation.
public enum TieRule: String, CaseIterable, Sendable {
  /// The larger document id first: trec_eval's order (pytrec_eval's, and so MTEB's).
  case trec
  /// The lower document row first.
  case row

  /// The tie-break of `RetrievalEvaluation` for document rows with ids `documentIDs`.
  public func tieBreak(documentIDs: [String]) -> RetrievalEvaluation.TieBreak {
    self == .trec ? .documentIDDescending(documentIDs) : .lowerRow
  }
}

/// A model's evaluation with what it ranked and how: the numbers derived from it, its TREC run
/// file and its JSON record — what `eval` shows and writes.
public struct EvaluationReport: Sendable {
  /// The relevance matrix, with its query ids.
  public let qrels: LabeledQrels
  /// The query embeddings.
  public let queries: NPYMatrix
  /// The document embeddings.
  public let documents: NPYMatrix
  /// Which embedding rows are which queries and documents.
  public let rows: EmbeddingRows
  /// The id of every document row.
  public let documentIDs: [String]
  /// Where the query rows' order came from, for the record: an ids file, queries.jsonl, the
  /// qrels (or the pattern).
  public let queryOrder: String
  /// Where the document rows' order came from: an ids file, corpus.jsonl, the qrels.
  public let documentOrder: String
  /// The rankings, metrics and verdict.
  public let evaluation: RetrievalEvaluation
  /// The evaluation's label: the run file's tag and the record's name.
  public let name: String
  /// How equal scores were ranked.
  public let ties: TieRule
  /// How many queries with the smallest margins the record lists.
  public let worst: Int
  /// The seconds the ranking took.
  public let seconds: Double
  /// Where it ran.
  public let device: String

  /// A report of `evaluation`; the parameters are its fields.
  public init(
    qrels: LabeledQrels, queries: NPYMatrix, documents: NPYMatrix, rows: EmbeddingRows, documentIDs: [String],
    queryOrder: String, documentOrder: String, evaluation: RetrievalEvaluation, name: String, ties: TieRule,
    worst: Int, seconds: Double, device: String
  ) {
    self.qrels = qrels
    self.queries = queries
    self.documents = documents
    self.rows = rows
    self.documentIDs = documentIDs
    self.queryOrder = queryOrder
    self.documentOrder = documentOrder
    self.evaluation = evaluation
    self.name = name
    self.ties = ties
    self.worst = worst
    self.seconds = seconds
    self.device = device
  }

  /// The quartiles of the queries' margins.
  public var margins: Quartiles { Quartiles(evaluation.queries.map(\.margin)) }

  /// Billions of floating-point operations of the scores: 2 · m · n · d.
  public var gigaflops: Double {
    2 * Double(evaluation.queries.count) * Double(evaluation.documentCount) * Double(evaluation.dimension) / 1e9
  }

  /// The rate of the ranking, in billions of floating-point operations per second.
  public var gigaflopsPerSecond: Double { gigaflops / max(seconds, 1e-9) }

  /// The rankings as a TREC run file: "query Q0 document rank score name", each query's
  /// documents best first, the float32 scores with the 9 significant digits that restore them.
  public var runFile: String {
    var text = ""
    for (query, result) in evaluation.queries.enumerated() {
      for (index, ranked) in result.ranking.enumerated() {
        text += "\(qrels.queryIDs[query]) Q0 \(documentIDs[ranked.row]) \(index + 1) "
          + String(format: "%.9g", Double(ranked.score)) + " \(name)\n"
      }
    }
    return text
  }

  /// The report as `eval --json` writes it.
  public var record: EvaluationRecord {
    let verification = evaluation.verification
    let margins = self.margins
    let perQuery = evaluation.queries.enumerated().map { query, result in
      EvaluationRecord.Query(
        query: qrels.queryIDs[query], relevant: result.relevantCount, margin: finite(result.margin),
        worstRelevant: .init(document: documentIDs[result.worstRelevant.row], score: result.worstRelevant.score),
        bestIrrelevant: result.bestIrrelevant.map { .init(document: documentIDs[$0.row], score: $0.score) },
        metrics: result.metrics)
    }
    return EvaluationRecord(
      name: name, ties: ties.rawValue, source: qrels.source, queryEmbeddings: queries.name,
      documentEmbeddings: documents.name, queryElementType: queries.elementType.rawValue,
      documentElementType: documents.elementType.rawValue, dimension: evaluation.dimension,
      queries: evaluation.queries.count, documents: evaluation.documentCount, skippedQueryRows: rows.skippedQueryRows,
      unjudgedDocumentRows: rows.unjudgedDocumentRows, queryOrder: queryOrder, documentOrder: documentOrder,
      metrics: evaluation.metrics, solvedQueries: verification.solvedQueries, solved: verification.solved,
      minimumMargin: finite(verification.minimumMargin),
      margins: .init(
        minimum: finite(margins.minimum), lowerQuartile: finite(margins.lowerQuartile), median: finite(margins.median),
        upperQuartile: finite(margins.upperQuartile), maximum: finite(margins.maximum)),
      worstQueries: evaluation.worstQueries(worst).map { perQuery[$0] },
      perQuery: perQuery,
      queryNorms: .init(minimum: evaluation.queryNorms.lowerBound, maximum: evaluation.queryNorms.upperBound),
      documentNorms: .init(minimum: evaluation.documentNorms.lowerBound, maximum: evaluation.documentNorms.upperBound),
      recomputedScores: evaluation.recomputedScores, wallSeconds: seconds, gflopsPerSecond: gigaflopsPerSecond,
      device: device)
  }

  /// `value`, or nil (JSON null) for +∞: the margin of a query relevant to every document.
  private func finite(_ value: Double) -> Double? { value.isFinite ? value : nil }
}

/// An evaluation as `eval --json` writes it.
public struct EvaluationRecord: Encodable, Sendable {
  /// The evaluation's label.
  public var name: String
  /// How equal scores were ranked: trec or row.
  public var ties: String

  /// A document and its score.
  public struct Document: Encodable, Sendable {
    public var document: String
    public var score: Double
  }

  /// One query's margin, its two documents either side of it, and its metrics.
  public struct Query: Encodable, Sendable {
    public var query: String
    public var relevant: Int
    /// nil (null) when every document is relevant: no irrelevant one, margin +∞.
    public var margin: Double?
    public var worstRelevant: Document
    public var bestIrrelevant: Document?
    public var metrics: RetrievalMetrics
  }

  /// The quartiles of the margins; nil (null) for +∞.
  public struct Margins: Encodable, Sendable {
    public var minimum, lowerQuartile, median, upperQuartile, maximum: Double?
  }

  /// The smallest and largest row norm.
  public struct Norms: Encodable, Sendable {
    public var minimum, maximum: Double
  }

  public var source: String
  public var queryEmbeddings: String
  public var documentEmbeddings: String
  public var queryElementType: String
  public var documentElementType: String
  public var dimension: Int
  public var queries: Int
  public var documents: Int
  public var skippedQueryRows: Int
  public var unjudgedDocumentRows: Int
  /// Where the rows' order came from: an ids file, queries.jsonl or corpus.jsonl, the qrels.
  public var queryOrder: String
  public var documentOrder: String
  public var metrics: RetrievalMetrics
  public var solvedQueries: Int
  public var solved: Bool
  public var minimumMargin: Double?
  public var margins: Margins
  public var worstQueries: [Query]
  public var perQuery: [Query]
  public var queryNorms: Norms
  public var documentNorms: Norms
  public var recomputedScores: Int
  public var wallSeconds: Double
  public var gflopsPerSecond: Double
  public var device: String
}
