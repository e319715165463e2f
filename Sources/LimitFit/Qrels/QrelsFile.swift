import Foundation

extension LabeledQrels {
  /// The layouts of qrels files.
  public enum Format: String, Sendable {
    /// JSON Lines, one judgement per line: MTEB/BEIR's {"query-id", "corpus-id", "score"}, or
    /// ir_datasets' {"query_id", "doc_id", "relevance"}, or other common names (qid, docno,
    /// label, …); an "iteration" is read past.
    case jsonl
    /// Tab-separated fields: BEIR's query-id, corpus-id and score under a header that names
    /// them (in any order, by any of their names, with an `iteration` column or not), or in
    /// that order without a header; or, without a header, four fields in TREC's order (MS
    /// MARCO's qrels).
    case tsv
    /// TREC qrels: topic, iteration, document and relevance, separated by white space, or by
    /// tabs alone on a line that they split into four fields (its ids may then contain spaces).
    case trec

    /// The format a file's name implies: .jsonl (or .json), .tsv, else TREC; a trailing .gz
    /// is looked through.
    public init(path: String) {
      var url = URL(fileURLWithPath: path)
      if url.pathExtension.lowercased() == "gz" { url.deletePathExtension() }
      switch url.pathExtension.lowercased() {
      case "jsonl", "json": self = .jsonl
      case "tsv": self = .tsv
      default: self = .trec
      }
    }
  }

  /// Reads a qrels file, or the qrels and corpus of a BEIR or MTEB data set's folder.
  ///
  /// - Parameters:
  ///   - path: a qrels file, plain or gzip-compressed (see `TextFile.read`), or a data set's
  ///     folder (see `QrelsDataset`).
  ///   - corpus: a corpus.jsonl, whose documents take part as candidates even when no query is
  ///     relevant to them; by default a folder's own, if it has one.
  ///   - minimumScore: the smallest score that makes a document relevant.
  ///   - format: the qrels file's layout; by default the one its name implies.
  ///   - split: the folder's split (by default "test", or its single qrels.jsonl); a file has
  ///     none.
  /// - Throws: `LimitFitError` naming the file and line of the first malformed line, or what is
  ///   missing from a folder.
  public static func load(
    path: String, corpus: String? = nil, minimumScore: Double = 1, format: Format? = nil, split: String? = nil
  ) throws -> LabeledQrels {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
      if let split { throw LimitFitError("\(path): not a data set's folder, so it has no split \"\(split)\"") }
      return try read(path, corpus: corpus, minimumScore: minimumScore, format: format)
    }
    let dataset = try QrelsDataset(folder: path, split: split)
    var result = try read(
      dataset.path(of: dataset.qrels), corpus: corpus ?? dataset.corpus.map(dataset.path), minimumScore: minimumScore,
      format: format)
    result.source = dataset.description(withCorpus: corpus == nil)
    result.queriesFile = dataset.queries.map(dataset.path)
    return result
  }

  /// The ids of `queriesFile` (a data set's queries.jsonl), in its order: the order a model
  /// encodes the queries in. `nil` when the qrels came without one.
  ///
  /// - Throws: `LimitFitError` naming the file and line of a malformed line, or an id listed
  ///   twice.
  public func queriesFileIDs() throws -> IDList? {
    guard let path = queriesFile else { return nil }
    var ids: [String] = []
    var notes: [String] = []
    for (line, text) in try Self.lines(of: path, notes: &notes) {
      ids.append(try Self.decode(CorpusLine.self, from: text, at: path, line: line).id)
    }
    return try IDList(ids: ids, path: path)
  }

  private static func read(_ path: String, corpus: String?, minimumScore: Double, format: Format?) throws -> LabeledQrels {
    var notes: [String] = []
    var documents = IDTable()
    if let corpus {
      for (line, text) in try lines(of: corpus, notes: &notes) {
        documents.add(try decode(CorpusLine.self, from: text, at: corpus, line: line).id)
      }
    }
    var queries = IDTable()
    let documentsInCorpus = documents.ids.count
    // Every judged pair in order of first appearance, with its latest judgement: as BEIR's and
    // pytrec_eval's loaders do, the last line of a pair counts.
    var pairs: [(row: Int, column: Int, relevant: Bool, line: Int, repeated: Bool, conflicting: Bool)] = []
    var pairIndex: [Int: Int] = [:]
    var firstConflict: (first: Int, last: Int)?
    let format = format ?? Format(path: path)
    var columns = format == .trec ? Columns.trec : Columns.beir
    for (index, (line, text)) in try lines(of: path, notes: &notes).enumerated() {
      if format == .tsv && index == 0 {
        let first = try Columns.tsv(firstLine: text, at: path, line: line)
        columns = first.columns
        if first.isHeader { continue }
      }
      let (query, document, score) = try parse(text, format: format, columns: columns, at: path, line: line)
      guard !query.isEmpty, !document.isEmpty else {
        throw LimitFitError("\(path):\(line): an empty \(query.isEmpty ? "query" : "document") id")
      }
      let row = queries.add(query)
      let column = documents.add(document)
      let isRelevant = score >= minimumScore
      // Both indices are below 2³¹ (ids are at most one per line of a file read into memory).
      let key = row << 32 | column
      guard let earlier = pairIndex[key] else {
        pairIndex[key] = pairs.count
        pairs.append((row, column, isRelevant, line, false, false))
        continue
      }
      // Pairs are counted, not listings: a pair listed five times is one repeated pair.
      pairs[earlier].repeated = true
      if pairs[earlier].relevant != isRelevant {
        pairs[earlier].conflicting = true
        if firstConflict == nil { firstConflict = (pairs[earlier].line, line) }
      }
      pairs[earlier].relevant = isRelevant
      pairs[earlier].line = line
    }
    var relevant = [[Int]](repeating: [], count: queries.ids.count)
    for pair in pairs where pair.relevant { relevant[pair.row].append(pair.column) }
    let kept = relevant.indices.filter { !relevant[$0].isEmpty }
    guard !kept.isEmpty else {
      throw LimitFitError("\(path): no query has a document with score ≥ \(minimumScore)")
    }
    var result = LabeledQrels(
      qrels: try Qrels(relevant: kept.map { relevant[$0] }, documentCount: documents.ids.count),
      queryIDs: kept.map { queries.ids[$0] }, documentIDs: documents.ids, source: path)
    result.duplicatePairs = pairs.filter(\.repeated).count
    result.conflictingPairs = pairs.filter(\.conflicting).count
    result.firstConflict = firstConflict
    result.notes = notes
    result.droppedQueries = relevant.count - kept.count
    if let corpus, documents.ids.count == documentsInCorpus { result.corpusFile = corpus }
    return result
  }

  /// Ids in order of first appearance, told apart by their bytes.
  private struct IDTable {
    var ids: [String] = []
    var index: [ExactID: Int] = [:]

    @discardableResult
    mutating func add(_ id: String) -> Int {
      if let known = index[ExactID(id)] { return known }
      index[ExactID(id)] = ids.count
      ids.append(id)
      return ids.count - 1
    }
  }

  /// The file's non-blank lines with their numbers, found one at a time as the reader asks:
  /// nothing is kept per line, so a file of blank lines costs no more than its text.
  private static func lines(of path: String, notes: inout [String]) throws -> NonBlankLines {
    NonBlankLines(text: try TextFile.read(path, note: { notes.append($0) }))
  }

  /// The non-blank lines of a text and their numbers (from 1). "\r\n" is one Character, and a
  /// newline: CRLF and LF files split alike.
  struct NonBlankLines: Sequence, IteratorProtocol {
    let text: String
    private var position: String.Index
    private var number = 0

    init(text: String) {
      self.text = text
      position = text.startIndex
    }

    mutating func next() -> (Int, Substring)? {
      while position < text.endIndex {
        let end = text[position...].firstIndex(where: \.isNewline) ?? text.endIndex
        let line = text[position..<end]
        number += 1
        position = end == text.endIndex ? end : text.index(after: end)
        if !line.allSatisfy(\.isWhitespace) { return (number, line) }
      }
      return nil
    }
  }

  /// Where the fields of a separated line (.tsv, TREC) are: their names, for messages, and
  /// which of them hold the query, the document and the score.
  private struct Columns {
    var names: [String]
    var query: Int, document: Int, score: Int

    /// BEIR's .tsv without a header.
    static let beir = Columns(names: ["query-id", "corpus-id", "score"], query: 0, document: 1, score: 2)
    /// TREC's qrels, and MS MARCO's .tsv.
    static let trec = Columns(names: ["topic", "iteration", "document", "relevance"], query: 0, document: 2, score: 3)

    /// A .tsv file's columns, from its first line: those a header names, or for a first
    /// judgement (whose last field is a number) BEIR's three or TREC's four.
    ///
    /// - Throws: `LimitFitError` for a first line that is neither, or a header that misses a
    ///   column, repeats one or names one unknown.
    static func tsv(firstLine text: Substring, at path: String, line: Int) throws -> (columns: Columns, isHeader: Bool) {
      let fields = text.split(separator: "\t", omittingEmptySubsequences: false)
        .map { $0.trimmingCharacters(in: .whitespaces) }
      for layout in [beir, trec] where fields.count == layout.names.count && Double(fields[layout.score]) != nil {
        return (layout, false)
      }
      guard fields.contains(where: { JudgementField(name: $0) != nil }) else {
        throw LimitFitError(
          "\(path):\(line): expected a header naming query-id, corpus-id and score, or a first judgement "
            + "(3 or 4 tab-separated fields, the last a number), found \"\(text.prefix(80))\"")
      }
      var found: [JudgementField: Int] = [:]
      for (index, name) in fields.enumerated() {
        guard let field = JudgementField(name: name) else {
          throw LimitFitError(
            "\(path):\(line): unknown column \"\(name.prefix(80))\" in the header; expected query-id, corpus-id, "
              + "score (or query_id, doc_id, relevance) and optionally iteration")
        }
        guard found.updateValue(index, forKey: field) == nil else {
          throw LimitFitError("\(path):\(line): the header names \(field.quotedNames) twice")
        }
      }
      guard let query = found[.query], let document = found[.document], let score = found[.score] else {
        let missing = [JudgementField.query, .document, .score].filter { found[$0] == nil }
        throw LimitFitError("\(path):\(line): the header is missing \(missing.map(\.quotedNames).joined(separator: " and "))")
      }
      return (Columns(names: fields, query: query, document: document, score: score), true)
    }
  }

  private static func parse(
    _ text: Substring, format: Format, columns: Columns, at path: String, line: Int
  ) throws -> (query: String, document: String, score: Double) {
    switch format {
    case .jsonl:
      let judgement = try decode(JSONJudgement.self, from: text, at: path, line: line)
      return (judgement.query, judgement.document, judgement.score)
    case .tsv, .trec:
      // Tabs alone separate a .tsv's fields. TREC's are separated by white space, or by tabs
      // alone where the tabs make the fields (its ids may then contain spaces).
      let count = columns.names.count
      let tabbed = text.split(separator: "\t", omittingEmptySubsequences: false)
      let fields = format == .tsv || tabbed.count == count ? tabbed : text.split(whereSeparator: \.isWhitespace)
      guard fields.count == count else {
        let names = columns.names.joined(separator: ", ")
        throw LimitFitError(
          format == .tsv
            ? "\(path):\(line): expected \(count) tab-separated fields (\(names)), found \(fields.count)"
            : "\(path):\(line): expected \(count) fields (\(names)), found \(fields.count)"
              + (tabbed.count > 1 ? " separated by white space, \(tabbed.count) by tabs" : ""))
      }
      // Ids keep their inner spaces; spaces around a tab are not part of them.
      return (
        fields[columns.query].trimmingCharacters(in: .whitespaces),
        fields[columns.document].trimmingCharacters(in: .whitespaces),
        try number(fields[columns.score], at: path, line: line))
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
    } catch let missing as MissingField {
      throw LimitFitError("\(path):\(line): missing \(missing.field.quotedNames)")
    } catch DecodingError.keyNotFound(let key, _) {
      throw LimitFitError("\(path):\(line): missing \"\(key.stringValue)\"")
    } catch DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context) {
      let field = context.codingPath.last?.stringValue ?? "value"
      let expected = JudgementField(name: field) == .score ? "a number" : "a string or an integer"
      throw LimitFitError("\(path):\(line): \"\(field)\" is not \(expected)")
    } catch {
      throw LimitFitError("\(path):\(line): not a JSON object")
    }
  }
}

/// A field of a judgement, under any of the names that layouts give it.
private enum JudgementField: CaseIterable {
  case query, document, score
  /// TREC's iteration (or ir_datasets'): read past.
  case iteration

  /// Its names: BEIR's first, ir_datasets' second, then TREC's and others.
  var names: [String] {
    switch self {
    case .query: ["query-id", "query_id", "qid", "query", "topic"]
    case .document: ["corpus-id", "doc_id", "corpus_id", "doc-id", "docid", "docno", "document"]
    case .score: ["score", "relevance", "label", "rel"]
    case .iteration: ["iteration"]
    }
  }

  /// Its first two names, quoted, for messages: "corpus-id" (or "doc_id").
  var quotedNames: String {
    "\"\(names[0])\"" + (names.count > 1 ? " (or \"\(names[1])\")" : "")
  }

  /// The field that `name` names, in any case.
  init?(name: String) {
    guard let field = Self.allCases.first(where: { $0.names.contains(name.lowercased()) }) else { return nil }
    self = field
  }
}

/// A judgement field that a JSON line lacks under all its names.
private struct MissingField: Error {
  var field: JudgementField
}

/// A JSON object key, by its text.
private struct NameKey: CodingKey {
  var stringValue: String
  var intValue: Int? { nil }
  init(stringValue: String) { self.stringValue = stringValue }
  init?(intValue: Int) { nil }
}

/// An id: a JSON string, or an integer taken as its text.
private func decodeID<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, _ key: Key) throws -> String {
  if let number = try? container.decode(Int.self, forKey: key) { return String(number) }
  return try container.decode(String.self, forKey: key)
}

/// A line of qrels.jsonl: each field under the first of its names that the line has.
private struct JSONJudgement: Decodable {
  var query: String
  var document: String
  var score: Double

  init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: NameKey.self)
    func key(_ field: JudgementField) throws -> NameKey {
      guard let name = field.names.first(where: { container.contains(NameKey(stringValue: $0)) }) else {
        throw MissingField(field: field)
      }
      return NameKey(stringValue: name)
    }
    query = try decodeID(container, key(.query))
    document = try decodeID(container, key(.document))
    score = try container.decode(Double.self, forKey: key(.score))
  }
}

/// A line of corpus.jsonl or queries.jsonl: only the id matters.
private struct CorpusLine: Decodable {
  var id: String

  enum CodingKeys: String, CodingKey { case id = "_id" }

  init(from decoder: any Decoder) throws {
    id = try decodeID(try decoder.container(keyedBy: CodingKeys.self), .id)
  }
}
