import Foundation

/// The version of limitfit, recorded with every result.
public let limitfitVersion = "0.2.0"

/// The git commit this binary was built from ("-dirty" when the source had uncommitted
/// changes), recorded with every result; `nil` for a build outside a git checkout.
public let limitfitCommit: String? = buildCommit.isEmpty ? nil : buildCommit

/// Which build made a record, when and where: the version and git commit, the time (ISO 8601
/// in UTC, to the second) and the host's name, so that records from a cluster's nodes can be
/// told apart. Encoded as four fields of the record's own JSON object (`Stamped`).
public struct RecordStamp: Codable, Equatable, Sendable {
  /// The version of limitfit.
  public var toolVersion = limitfitVersion
  /// The git commit of the build (`limitfitCommit`); `nil` in older records and in builds
  /// outside a git checkout.
  public var gitCommit = limitfitCommit
  /// When the record was made; `nil` in records older than the field.
  public var finishedAt: String? = RecordStamp.now()
  /// The machine that made it; `nil` in records older than the field.
  public var host: String? = RecordStamp.thisHost

  /// A stamp of this build, now, here.
  public init() {}

  /// Now.
  public static func now() -> String { ISO8601DateFormatter().string(from: Date()) }
  /// This machine's host name.
  public static let thisHost = ProcessInfo.processInfo.hostName
}

/// A record written with its stamp, as one JSON object: the record's fields and the stamp's.
public struct Stamped<Record: Encodable>: Encodable {
  /// The record.
  public var record: Record
  /// Its stamp, made with the value.
  public var stamp = RecordStamp()

  /// `record`, stamped now.
  public init(_ record: Record) {
    self.record = record
  }

  /// Encodes the record's fields, then the stamp's, into one keyed container.
  public func encode(to encoder: any Encoder) throws {
    try record.encode(to: encoder)
    try stamp.encode(to: encoder)
  }
}
