import Foundation

/// A fit's embeddings saved as evidence: queries.npy (m × d) and documents.npy (n × d), float32
/// in C order, and certificate.json with the ids of their rows and the fit that made them.
///
/// A certificate that `verify` finds solved proves that the relevance matrix has a
/// d-dimensional representation: rank_rop(A) ≤ d, and so sign-rank(2A − 1) ≤ d + 1
/// (Weller et al. 2025, Proposition 2).
public struct Certificate: Codable, Sendable {
  public var queryIDs: [String]
  public var documentIDs: [String]
  public var dimension: Int
  /// Where the relevance matrix came from.
  public var source: String
  /// The matrix's content digest (`LabeledQrels.digest`).
  public var digest: String
  /// The fit that produced the embeddings; `nil` for a construction.
  public var fit: FitResult?
  /// The construction that produced the embeddings (`Construction.summary`); `nil` for a fit.
  public var construction: String?
  /// What the folder is (`formatName`); nil in certificates written before it was recorded.
  public var format: String?
  /// The FNV-1a hashes (hexadecimal) of queries.npy and documents.npy as written, checked before
  /// they are trusted; nil in older certificates.
  public var checksums: [String: String]?

  /// The format this build writes and reads.
  static let formatName = "limitfit certificate 1"

  static let files = (queries: "queries.npy", documents: "documents.npy", metadata: "certificate.json")

  /// The names of the three files, in the order `write` checks them.
  public static let fileNames = [files.queries, files.documents, files.metadata]

  /// Writes the certificate of `embeddings`, fitted to `qrels`, into `folder`.
  ///
  /// - Parameter name: how messages name the folder (a command line passes its option).
  /// - Throws: `LimitFitError` when the folder already holds certificate files and `overwrite`
  ///   is false, or when a file cannot be written.
  public static func write(
    _ embeddings: Embeddings, of qrels: LabeledQrels, fit: FitResult?, construction: String? = nil,
    to folder: String, overwrite: Bool, describedAs name: String = "certificate folder"
  ) throws {
    var outputs = OutputPaths(inputs: [], overwrite: overwrite)
    _ = try outputs.folder(folder, files: fileNames, option: name)
    let matrices = [
      (files.queries, NPY.encode(embeddings.queries, rows: embeddings.queryCount, columns: embeddings.dimension)),
      (files.documents, NPY.encode(embeddings.documents, rows: embeddings.documentCount, columns: embeddings.dimension)),
    ]
    let certificate = Certificate(
      queryIDs: qrels.queryIDs, documentIDs: qrels.documentIDs, dimension: embeddings.dimension,
      source: qrels.source, digest: qrels.digest, fit: fit, construction: construction, format: formatName,
      checksums: Dictionary(uniqueKeysWithValues: matrices.map { ($0, Checksum.hexadecimal($1)) }))
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let contents = matrices + [(files.metadata, try encoder.encode(certificate) + Data("\n".utf8))]
    try FileOutput.write(contents.map { name, data in
      (URL(fileURLWithPath: folder).appendingPathComponent(name).path, data)
    }, replacing: overwrite)
  }

  /// Reads the certificate in `folder`: its metadata, and its two matrices as stored (float32
  /// as limitfit writes them; float16 and float64, C or Fortran order, are read too).
  ///
  /// - Throws: `LimitFitError` when a file is missing or malformed, a value is not finite, or
  ///   the matrices do not match the ids and the dimension.
  public static func read(from folder: String) throws
    -> (certificate: Certificate, queries: NPYMatrix, documents: NPYMatrix)
  {
    func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
    let certificate: Certificate
    do {
      guard FileManager.default.fileExists(atPath: path(files.metadata)) else {
        throw LimitFitError("\(folder): \(files.metadata) is missing or unreadable")
      }
      let data = Data(try TextFile.read(path(files.metadata)).utf8)
      certificate = try JSONDecoder().decode(Certificate.self, from: data)
    } catch let error as LimitFitError {
      throw error
    } catch {
      throw LimitFitError("\(folder)/\(files.metadata): not a limitfit certificate")
    }
    if let format = certificate.format, format != formatName {
      throw LimitFitError("\(folder)/\(files.metadata): a \"\(format)\", not a \"\(formatName)\" this build reads")
    }
    for (kind, ids) in [("query", certificate.queryIDs), ("document", certificate.documentIDs)]
    where Set(ids.map(ExactID.init)).count != ids.count {
      throw LimitFitError("\(folder)/\(files.metadata): a \(kind) id is listed twice")
    }
    guard certificate.dimension >= 1 else {
      throw LimitFitError("\(folder)/\(files.metadata): the dimension (\(certificate.dimension)) must be at least 1")
    }
    func matrix(_ name: String) throws -> NPYMatrix {
      guard FileManager.default.fileExists(atPath: path(name)) else {
        throw LimitFitError("\(folder): \(name) is missing or unreadable")
      }
      // Read as a matrix first: that refuses what is no regular file (a FIFO would block).
      let matrix = try NPYMatrix(contentsOfFile: path(name))
      if let recorded = certificate.checksums?[name] {
        guard let bytes = FileManager.default.contents(atPath: path(name)), Checksum.hexadecimal(bytes) == recorded else {
          throw LimitFitError(
            "\(folder): \(name) does not match the checksum \(files.metadata) records: it was changed or damaged since it was written")
        }
      }
      return matrix
    }
    let queries = try matrix(files.queries)
    let documents = try matrix(files.documents)
    guard queries.rows == certificate.queryIDs.count, documents.rows == certificate.documentIDs.count,
      queries.columns == certificate.dimension, documents.columns == certificate.dimension
    else {
      throw LimitFitError(
        "\(folder): the matrices (\(queries.rows) × \(queries.columns), \(documents.rows) × \(documents.columns)) "
          + "do not match the \(certificate.queryIDs.count) query and \(certificate.documentIDs.count) document ids in d = \(certificate.dimension)")
    }
    return (certificate, queries, documents)
  }
}

extension Certificate {
  /// Checks the certificate in `folder` against `qrels`, every score in double precision:
  /// every query of `qrels` must have a row, and every document a row; every certificate
  /// document takes part as a candidate.
  ///
  /// - Returns: the verification, its worst query counted among `qrels`'s queries, and the
  ///   certificate's dimension.
  public static func verify(_ folder: String, against qrels: LabeledQrels) throws
    -> (verification: Verification, dimension: Int)
  {
    let (certificate, queries, documents) = try read(from: folder)
    let queryRows = Dictionary(certificate.queryIDs.enumerated().map { (ExactID($1), $0) }) { first, _ in first }
    let documentRows = Dictionary(certificate.documentIDs.enumerated().map { (ExactID($1), $0) }) { first, _ in first }
    let documentRow = try qrels.documentIDs.map { id in
      guard let row = documentRows[ExactID(id)] else { throw LimitFitError("\(folder): no embedding for document \"\(id)\"") }
      return row
    }
    let queryRow = try qrels.queryIDs.map { id in
      guard let row = queryRows[ExactID(id)] else { throw LimitFitError("\(folder): no embedding for query \"\(id)\"") }
      return row
    }
    // Float64 files are checked in their own precision; float16 and float32 values are exact in
    // float32 and their products exact in double.
    let precise = queries.elementType == .float64 || documents.elementType == .float64
    let verification = try precise
      ? verify(queries, documents, as: Double.self, against: qrels.qrels, queryRows: queryRow, documentRows: documentRow)
      : verify(queries, documents, as: Float.self, against: qrels.qrels, queryRows: queryRow, documentRows: documentRow)
    return (verification, certificate.dimension)
  }

  private static func verify<Scalar: BinaryFloatingPoint>(
    _ queries: NPYMatrix, _ documents: NPYMatrix, as _: Scalar.Type, against qrels: Qrels,
    queryRows: [Int], documentRows: [Int]
  ) throws -> Verification {
    let (queryValues, documentValues): ([Scalar], [Scalar]) = (try queries.values(), try documents.values())
    for (matrix, values) in [(queries, queryValues), (documents, documentValues)] {
      if let index = values.firstIndex(where: { !$0.isFinite }) {
        throw LimitFitError("\(matrix.name): row \(index / matrix.columns) holds \(values[index]), not a finite number")
      }
    }
    return Verification(
      queries: queryValues, documents: documentValues, dimension: queries.columns, queryRows: queryRows
    ) { query in qrels.relevant(to: query).map { documentRows[Int($0)] } }
  }
}
