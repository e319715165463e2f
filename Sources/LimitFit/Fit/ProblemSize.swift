import Foundation

/// The sizes of one fit, checked before anything is allocated.
public struct ProblemSize: Equatable, Sendable {
  /// The number of documents n.
  public let documents: Int
  /// The number of queries m.
  public let queries: Int
  /// The number of relevant (query, document) pairs P.
  public let relevantPairs: Int
  /// The embedding dimension d.
  public let dimension: Int

  /// The largest k of the all-subsets problem.
  public static let maximumK = 5

  /// The size of the all-subsets problem: every k-subset of n documents is a query.
  ///
  /// - Throws: `LimitFitError` when n, k or d is out of range or C(n, k) overflows.
  public static func allSubsets(documents n: Int, k: Int, dimension d: Int) throws -> ProblemSize {
    guard (2...QrelsPattern.maximumDocuments).contains(n) else {
      throw LimitFitError("the number of documents (\(n)) must be between 2 and \(QrelsPattern.maximumDocuments)")
    }
    guard (1...maximumK).contains(k) else {
      throw LimitFitError("k (\(k)) must be between 1 and \(maximumK)")
    }
    guard k < n else {
      throw LimitFitError("k (\(k)) must be less than the number of documents (\(n))")
    }
    guard let m = binomial(n, k), m.multipliedReportingOverflow(by: k).overflow == false else {
      throw LimitFitError("C(\(n), \(k)) queries is too many to count")
    }
    return try ProblemSize(documents: n, queries: m, relevantPairs: m * k, dimension: d)
  }

  /// The size of a fit of `qrels` in `dimension` dimensions.
  public init(qrels: Qrels, dimension: Int) throws {
    try self.init(
      documents: qrels.documentCount, queries: qrels.queryCount,
      relevantPairs: qrels.relevantPairCount, dimension: dimension)
  }

  private init(documents: Int, queries: Int, relevantPairs: Int, dimension: Int) throws {
    guard dimension >= 1 else {
      throw LimitFitError("the dimension (\(dimension)) must be at least 1")
    }
    self.documents = documents
    self.queries = queries
    self.relevantPairs = relevantPairs
    self.dimension = dimension
    // Past this no machine has the memory, and the backends' element counts (a few times
    // (m + n)·d) would no longer fit in an Int: refuse before any of them is computed.
    let values = (Double(queries) + Double(documents)) * Double(dimension)
    if values > Self.maximumValues {
      try requireMemory(4 * values, available: SystemMemory.usableBytes(), on: "this machine")
    }
  }

  /// The most values (m + n)·d a fit may have: 2⁴⁸, a petabyte of float32.
  static let maximumValues = 0x1p48

  /// The bytes the process holds on the host beside the backend: the program itself, the
  /// relevance matrix and one host copy of the embeddings (the start, later the result).
  public var hostBytes: Double {
    SystemMemory.programBytes + qrelsBytes + 4 * (Double(queries) + Double(documents)) * Double(dimension)
  }

  /// The bytes of the sparse relevance matrix: the ids (Int32) and the row offsets (Int).
  public var qrelsBytes: Double {
    4 * Double(relevantPairs) + 8 * Double(queries + 1)
  }

  /// Throws unless `bytes` fit in `available` bytes of memory; `place` names the memory.
  public func requireMemory(_ bytes: Double, available: Double, on place: String) throws {
    guard bytes <= available else {
      throw LimitFitError(
        "n = \(documents), d = \(dimension) with \(queries) queries needs "
          + "\(formatBytes(bytes)) of memory; \(place) has \(formatBytes(available)) available")
    }
  }
}

/// Bytes in binary units with three significant digits: "6.70 GiB".
public func formatBytes(_ bytes: Double) -> String {
  let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
  var value = bytes
  var unit = 0
  while value >= 1024 && unit < units.count - 1 {
    value /= 1024
    unit += 1
  }
  return unit == 0 ? "\(Int(value)) B" : String(format: "%.3g", value) + " " + units[unit]
}
