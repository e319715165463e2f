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
    guard n >= 2 else {
      throw LimitFitError("the number of documents (\(n)) must be at least 2")
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
  }

  /// The bytes of the sparse relevance matrix: the ids (Int32) and the row offsets (Int).
  public var qrelsBytes: Double {
    4 * Double(relevantPairs) + 8 * Double(queries + 1)
  }

  /// Throws unless `bytes` fit in `available` bytes of memory.
  public func requireMemory(_ bytes: Double, available: Double, on place: String) throws {
    guard bytes <= available else {
      throw LimitFitError(
        "n = \(documents), d = \(dimension) with \(queries) queries needs "
          + "\(formatBytes(bytes)) of memory; \(place) has \(formatBytes(available))")
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
