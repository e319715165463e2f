import Foundation

/// The version of limitfit, recorded with every result.
public let limitfitVersion = "0.2.0"

/// The git commit this binary was built from ("-dirty" when the source had uncommitted
/// changes), recorded with every result; `nil` for a build outside a git checkout.
public let limitfitCommit: String? = buildCommit.isEmpty ? nil : buildCommit

/// When and where a record was made: the time, ISO 8601 in UTC to the second, and the host's
/// name, so that records from a cluster's nodes can be told apart.
public enum RecordStamp {
  /// Now.
  public static func now() -> String { ISO8601DateFormatter().string(from: Date()) }
  /// This machine's host name.
  public static let host = ProcessInfo.processInfo.hostName
}
