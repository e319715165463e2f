import Foundation

/// Ids read from a file, one per line: which query or document each row of an embedding matrix
/// is. Lines end with LF or CRLF; an id is the whole line, spaces included.
public struct IDList: Sendable {
  public private(set) var ids: [String]
  /// The file the ids came from.
  public private(set) var path: String

  /// Reads the ids in `path`.
  ///
  /// - Throws: `LimitFitError` naming the file, and the line where one is at fault: a blank
  ///   line, or an id listed twice.
  public init(contentsOfFile path: String) throws {
    let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    // The text, its lines and the index: a few times the file's size.
    try SystemMemory.require(8 * Double(size), for: "reading \(path)")
    let text = try TextFile.read(path)
    // "\r\n" is one Character, and a newline: CRLF and LF files split alike.
    var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
    if lines.last?.isEmpty == true { lines.removeLast() }  // the last line's newline
    var firstLine: [ExactID: Int] = [:]
    for (index, line) in lines.enumerated() {
      guard !line.allSatisfy(\.isWhitespace) else {
        throw LimitFitError("\(path):\(index + 1): a blank line; expected one id per line")
      }
      if let first = firstLine[ExactID(String(line))] {
        throw LimitFitError("\(path):\(index + 1): id \"\(line)\" is listed twice (first on line \(first))")
      }
      firstLine[ExactID(String(line))] = index + 1
    }
    ids = lines.map(String.init)
    self.path = path
  }

  /// `ids`, as read from `path`.
  ///
  /// - Throws: `LimitFitError` naming the file when an id is listed twice.
  public init(ids: [String], path: String) throws {
    var seen = Set<String>()
    if let twice = ids.first(where: { !seen.insert($0).inserted }) {
      throw LimitFitError("\(path): id \"\(twice)\" is listed twice")
    }
    self.ids = ids
    self.path = path
  }
}

/// Which rows of the query and document embeddings are which queries and documents of a
/// relevance matrix: the rows an ids file names, or without one the matrix's own order.
public struct EmbeddingRows: Sendable {
  /// Query i of the matrix is row `queryRows[i]` of the query embeddings.
  public var queryRows: [Int]
  /// Document j of the matrix is row `documentRows[j]` of the document embeddings.
  public var documentRows: [Int]
  /// Query rows that are no query of the matrix (it has no relevant document for them): not
  /// evaluated.
  public var skippedQueryRows: Int
  /// Document rows that are no document of the matrix: irrelevant to every query, and ranked
  /// with the rest.
  public var unjudgedDocumentRows: Int

  /// Matches the rows of `queries` and `documents` to the queries and documents of `qrels`.
  ///
  /// - Parameters:
  ///   - queryIDs: the ids of the query rows, in order; without them the rows are the matrix's
  ///     queries in order (`LabeledQrels.queryIDs`), as many.
  ///   - documentIDs: the same for the document rows (`LabeledQrels.documentIDs`).
  /// - Throws: `LimitFitError` when the counts differ or a query or document of the matrix has
  ///   no row (a relevant document's message names a query it is relevant to).
  public init(
    qrels: LabeledQrels, queries: NPYMatrix, documents: NPYMatrix, queryIDs: IDList? = nil,
    documentIDs: IDList? = nil
  ) throws {
    (queryRows, skippedQueryRows) = try Self.rows(
      of: qrels.queryIDs, in: queries, named: queryIDs, kind: "query", source: qrels.source
    ) { id, _ in "no embedding for query \"\(id)\" of \(qrels.source)" }
    (documentRows, unjudgedDocumentRows) = try Self.rows(
      of: qrels.documentIDs, in: documents, named: documentIDs, kind: "document", source: qrels.source
    ) { id, document in
      let matrix = qrels.qrels
      guard let query = (0..<matrix.queryCount).first(where: { matrix.relevant(to: $0).contains(Int32(document)) })
      else { return "no embedding for document \"\(id)\" of \(qrels.source), relevant to no query but a document of the matrix" }
      return "no embedding for document \"\(id)\", relevant to query \"\(qrels.queryIDs[query])\""
    }
  }

  /// The row of each of `wanted` and the number of rows left over.
  ///
  /// - Parameter missing: the message for the id at an index that has no row.
  private static func rows(
    of wanted: [String], in matrix: NPYMatrix, named ids: IDList?, kind: String, source: String,
    missing: (String, Int) -> String
  ) throws -> (rows: [Int], unused: Int) {
    guard let ids else {
      guard matrix.rows == wanted.count else {
        throw LimitFitError(
          "\(matrix.name): \(matrix.rows) rows for the \(wanted.count) \(kind == "query" ? "queries" : "documents") of \(source) "
            + "(without an ids file the rows are its \(kind) ids in order)")
      }
      return (Array(0..<wanted.count), 0)
    }
    guard ids.ids.count == matrix.rows else {
      throw LimitFitError("\(ids.path): \(ids.ids.count) ids for the \(matrix.rows) rows of \(matrix.name)")
    }
    let rowOf = Dictionary(ids.ids.enumerated().map { (ExactID($1), $0) }) { first, _ in first }
    let rows = try wanted.enumerated().map { index, id in
      guard let row = rowOf[ExactID(id)] else { throw LimitFitError("\(missing(id, index)): \(ids.path) does not list it") }
      return row
    }
    return (rows, matrix.rows - rows.count)
  }
}
