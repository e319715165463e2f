import Foundation

/// A relevance matrix with the ids of its queries and documents, as read from a qrels file or
/// made from a pattern.
public struct LabeledQrels: Sendable {
  /// The matrix: query i is `queryIDs[i]`, document j is `documentIDs[j]`.
  public var qrels: Qrels
  public var queryIDs: [String]
  public var documentIDs: [String]
  /// Where it came from: a path, or a pattern's description.
  public var source: String
  /// (query, document) pairs listed more than once; the first listing counts.
  public var duplicatePairs = 0
  /// Queries dropped because no document was relevant to them (at --min-score).
  public var droppedQueries = 0

  /// A content digest of the matrix (FNV-1a, 64 bits, over n and the sorted rows): fits of the
  /// same matrix share it, so stored fits are reused only for the same matrix.
  public var digest: String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    func mix(_ value: Int) {
      for byte in 0..<8 {
        hash ^= UInt64(UInt8(truncatingIfNeeded: value >> (8 * byte)))
        hash = hash &* 0x100_0000_01b3
      }
    }
    mix(qrels.documentCount)
    for offset in qrels.offsets { mix(offset) }
    for id in qrels.relevantDocuments { mix(Int(id)) }
    return String(hash, radix: 16)
  }

  /// The all-k-subsets problem with ids "q0", "q1", … and "d0", "d1", ….
  public static func allSubsets(documents n: Int, k: Int) -> LabeledQrels {
    let qrels = Qrels.allSubsets(documents: n, k: k)
    return LabeledQrels(
      qrels: qrels, queryIDs: (0..<qrels.queryCount).map { "q\($0)" },
      documentIDs: (0..<n).map { "d\($0)" }, source: "all \(k)-subsets of \(n) documents")
  }

  /// The matrix with `count` more documents, relevant to no query, whose ids are
  /// "negative-1" … "negative-<count>": the rest of a corpus whose qrels name only the relevant
  /// documents (LIMIT: 46 relevant documents of 50,000).
  ///
  /// - Throws: `LimitFitError` when `count` is negative, the documents would be too many or
  ///   not fit in memory, or an id is taken.
  public func addingNegatives(_ count: Int) throws -> LabeledQrels {
    let total = qrels.documentCount.addingReportingOverflow(count)
    guard count >= 0, !total.overflow, total.partialValue <= QrelsPattern.maximumDocuments else {
      throw LimitFitError(
        "the number of negatives (\(count)) must be between 0 and \(QrelsPattern.maximumDocuments - qrels.documentCount) (at most \(QrelsPattern.maximumDocuments) documents)")
    }
    guard count > 0 else { return self }
    // Measured: about 160 bytes per negative for its id, the matrix and the checks.
    try SystemMemory.require(256 * Double(count), for: "\(count) negatives")
    let names = (0..<count).map { "negative-\($0 + 1)" }
    let existing = Set(documentIDs)
    if let taken = names.first(where: existing.contains) {
      throw LimitFitError("\(source): a document is already called \(taken); the negatives' ids would repeat it")
    }
    var result = self
    result.qrels = Qrels(
      documentCount: total.partialValue, offsets: qrels.offsets, relevantDocuments: qrels.relevantDocuments)
    result.documentIDs += names
    result.source += " + \(count) negatives"
    return result
  }

  /// The file formats of relevance judgements.
  public enum Format: String, Sendable {
    /// MTEB/BEIR qrels.jsonl: {"query-id", "corpus-id", "score"} per line.
    case jsonl
    /// BEIR qrels/*.tsv: query-id, corpus-id and score, tab-separated, under a header that
    /// names the columns (in any order); without a header, in that order.
    case tsv
    /// TREC qrels: topic, iteration, document id and relevance, separated by white space.
    case trec

    /// The format a file's name implies: .jsonl, .tsv, else TREC.
    public init(path: String) {
      switch URL(fileURLWithPath: path).pathExtension.lowercased() {
      case "jsonl", "json": self = .jsonl
      case "tsv": self = .tsv
      default: self = .trec
      }
    }
  }

  /// Reads a qrels file.
  ///
  /// - Parameters:
  ///   - path: the qrels file; its format comes from its extension (see `Format`).
  ///   - corpus: an optional corpus.jsonl, whose documents take part as candidates even when
  ///     no query is relevant to them.
  ///   - minimumScore: the smallest score that makes a document relevant.
  /// - Throws: `LimitFitError` naming the file and line of the first malformed line.
  public static func load(path: String, corpus: String? = nil, minimumScore: Double = 1) throws -> LabeledQrels {
    var documents = IDTable()
    if let corpus {
      for (line, text) in try lines(of: corpus) {
        documents.add(try decode(CorpusLine.self, from: text, at: corpus, line: line).id)
      }
    }
    var queries = IDTable()
    var relevant: [[Int]] = []
    var seen = Set<[Int]>()
    var duplicates = 0
    let format = Format(path: path)
    let fileLines = try lines(of: path)
    var columns = TSVColumns.standard
    for (index, (line, text)) in fileLines.enumerated() {
      if format == .tsv && index == 0, let header = try TSVColumns(header: text, at: path, line: line) {
        columns = header
        continue
      }
      let (query, document, score) = try parse(text, format: format, columns: columns, at: path, line: line)
      guard !query.isEmpty, !document.isEmpty else {
        throw LimitFitError("\(path):\(line): an empty \(query.isEmpty ? "query" : "document") id")
      }
      let row = queries.add(query)
      let column = documents.add(document)
      if row == relevant.count { relevant.append([]) }
      guard seen.insert([row, column]).inserted else {
        duplicates += 1
        continue
      }
      if score >= minimumScore { relevant[row].append(column) }
    }
    let kept = relevant.indices.filter { !relevant[$0].isEmpty }
    guard !kept.isEmpty else {
      throw LimitFitError("\(path): no query has a document with score ≥ \(minimumScore)")
    }
    var result = LabeledQrels(
      qrels: try Qrels(relevant: kept.map { relevant[$0] }, documentCount: documents.ids.count),
      queryIDs: kept.map { queries.ids[$0] }, documentIDs: documents.ids, source: path)
    result.duplicatePairs = duplicates
    result.droppedQueries = relevant.count - kept.count
    return result
  }

  /// Ids in order of first appearance.
  private struct IDTable {
    var ids: [String] = []
    var index: [String: Int] = [:]

    @discardableResult
    mutating func add(_ id: String) -> Int {
      if let known = index[id] { return known }
      index[id] = ids.count
      ids.append(id)
      return ids.count - 1
    }
  }

  /// The file's non-blank lines with their numbers.
  private static func lines(of path: String) throws -> [(Int, Substring)] {
    let text: String
    do {
      text = try String(contentsOfFile: path, encoding: .utf8)
    } catch {
      throw LimitFitError("\(path): cannot read: \(error.localizedDescription)")
    }
    // "\r\n" is one Character, and a newline: CRLF and LF files split alike.
    return text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated()
      .compactMap { index, line in line.allSatisfy(\.isWhitespace) ? nil : (index + 1, line) }
  }

  /// Where a .tsv file's three fields are.
  private struct TSVColumns {
    var query = 0, document = 1, score = 2

    /// Query, document and score, in that order: a file without a header.
    static let standard = TSVColumns()

    private init() {}

    /// The names each column may have: BEIR's, ir_datasets' and TREC's words.
    private static let names = (
      query: ["query-id", "query_id", "qid", "query", "topic"],
      document: ["corpus-id", "corpus_id", "doc-id", "doc_id", "docid", "docno", "document"],
      score: ["score", "relevance", "label", "rel"])

    /// The columns a header line names; `nil` when the line is data (its third field is a
    /// number), so that a file without a header loses no line.
    ///
    /// - Throws: `LimitFitError` for a first line that is neither.
    init?(header text: Substring, at path: String, line: Int) throws {
      let fields = text.split(separator: "\t", omittingEmptySubsequences: false)
        .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
      if fields.count == 3, Double(fields[2]) != nil { return nil }
      func column(_ accepted: [String]) -> Int? {
        let matches = fields.indices.filter { accepted.contains(fields[$0]) }
        return matches.count == 1 ? matches[0] : nil
      }
      guard fields.count == 3, let query = column(Self.names.query),
        let document = column(Self.names.document), let score = column(Self.names.score)
      else {
        throw LimitFitError(
          "\(path):\(line): expected a header naming query-id, corpus-id and score, or a first judgement "
            + "(three tab-separated fields, the last a number), found \"\(text.prefix(80))\"")
      }
      (self.query, self.document, self.score) = (query, document, score)
    }
  }

  private static func parse(
    _ text: Substring, format: Format, columns: TSVColumns = .standard, at path: String, line: Int
  ) throws -> (query: String, document: String, score: Double) {
    switch format {
    case .jsonl:
      let judgement = try decode(JSONJudgement.self, from: text, at: path, line: line)
      return (judgement.query, judgement.document, judgement.score)
    case .tsv:
      let fields = text.split(separator: "\t", omittingEmptySubsequences: false)
      guard fields.count == 3 else {
        throw LimitFitError("\(path):\(line): expected 3 tab-separated fields (query-id, corpus-id, score), found \(fields.count)")
      }
      return (
        String(fields[columns.query]), String(fields[columns.document]),
        try number(fields[columns.score], at: path, line: line))
    case .trec:
      let fields = text.split(whereSeparator: \.isWhitespace)
      guard fields.count == 4 else {
        throw LimitFitError("\(path):\(line): expected 4 fields (topic, iteration, document, relevance), found \(fields.count)")
      }
      return (String(fields[0]), String(fields[2]), try number(fields[3], at: path, line: line))
    }
  }

  private static func number(_ text: Substring, at path: String, line: Int) throws -> Double {
    guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite else {
      throw LimitFitError("\(path):\(line): score \"\(text)\" is not a number")
    }
    return value
  }

  /// One line of JSON as `Line`, or an error that names the file, the line and the field.
  private static func decode<Line: Decodable>(_: Line.Type, from text: Substring, at path: String, line: Int) throws -> Line {
    do {
      return try JSONDecoder().decode(Line.self, from: Data(text.utf8))
    } catch DecodingError.keyNotFound(let key, _) {
      throw LimitFitError("\(path):\(line): missing \"\(key.stringValue)\"")
    } catch DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context) {
      let field = context.codingPath.last?.stringValue ?? "value"
      throw LimitFitError("\(path):\(line): \"\(field)\" is not \(field == "score" ? "a number" : "a string or an integer")")
    } catch {
      throw LimitFitError("\(path):\(line): not a JSON object")
    }
  }
}

/// An id: a JSON string, or an integer taken as its text.
private func decodeID<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, _ key: Key) throws -> String {
  if let number = try? container.decode(Int.self, forKey: key) { return String(number) }
  return try container.decode(String.self, forKey: key)
}

/// A line of qrels.jsonl.
private struct JSONJudgement: Decodable {
  var query: String
  var document: String
  var score: Double

  enum CodingKeys: String, CodingKey {
    case query = "query-id"
    case document = "corpus-id"
    case score
  }

  init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    query = try decodeID(container, .query)
    document = try decodeID(container, .document)
    score = try container.decode(Double.self, forKey: .score)
  }
}

/// A line of corpus.jsonl: only the id matters.
private struct CorpusLine: Decodable {
  var id: String

  enum CodingKeys: String, CodingKey { case id = "_id" }

  init(from decoder: any Decoder) throws {
    id = try decodeID(try decoder.container(keyedBy: CodingKeys.self), .id)
  }
}
