import Foundation

/// The version of limitfit, recorded with every result.
public let limitfitVersion = "0.2.0"

/// When and where a record was made: the time, ISO 8601 in UTC to the second, and the host's
/// name, so that records from a cluster's nodes can be told apart.
enum RecordStamp {
  /// Now.
  static func now() -> String { ISO8601DateFormatter().string(from: Date()) }
  /// This machine's host name.
  static let host = ProcessInfo.processInfo.hostName
}
