import Foundation

/// One line of a results file.
public enum StoredRecord: Codable, Sendable {
  /// One fit.
  case fit(FitResult)
  /// One critical-n search, whose fits are stored beside it.
  case criticalN(CriticalNSummary)

  private enum CodingKeys: String, CodingKey { case record }

  public init(from decoder: any Decoder) throws {
    let kind = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .record)
    switch kind {
    case "fit": self = .fit(try FitResult(from: decoder))
    case "critical-n":
      var summary = try CriticalNSummary(from: decoder)
      summary.upgrade()
      try summary.checkRanges()
      self = .criticalN(summary)
    default:
      throw DecodingError.dataCorrupted(
        .init(codingPath: [CodingKeys.record], debugDescription: "unknown record kind \(kind)"))
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    switch self {
    case .fit(let result):
      try container.encode("fit", forKey: .record)
      try result.encode(to: encoder)
    case .criticalN(let summary):
      try container.encode("critical-n", forKey: .record)
      try summary.encode(to: encoder)
    }
  }
}

/// A results file: JSON Lines, one record per fit or search, appended and flushed to disk
/// (fsync) one record at a time, so that a run killed midway loses at most the fit in progress.
///
/// Every record names its kind, which is how a results file identifies itself: a file whose
/// first line is not a record is someone else's, refused and never appended to. Reading skips a
/// truncated or corrupt line with a warning that names it; `FitRunner` finds
/// the finished fits by their `FitKey` instead of computing them again. The store only reads
/// and appends: running fits is the runner's.
///
/// Fits running at once may share a store: a lock orders its reads and appends.
public final class ResultsStore: @unchecked Sendable {
  /// The file's path.
  public let path: String
  /// Every record read or appended, in file order, with its line number.
  public private(set) var records: [(line: Int, record: StoredRecord)] = []
  private var fitsByKey: [FitKey: FitResult] = [:]
  private var lineCount = 0
  private var needsNewline = false
  private let lock = NSLock()

  /// Opens `path`, reading the records it holds; a missing file (and its folder) is created
  /// at the first append.
  ///
  /// - Parameter warn: receives one line for each line of the file that cannot be read.
  /// - Throws: `LimitFitError` when `path` exists but is not a regular file, or cannot be read.
  public init(path: String, warn: (String) -> Void) throws {
    self.path = path
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return }
    var status = stat()
    guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
      throw LimitFitError("results file \(path): not a regular file (\(isDirectory.boolValue ? "a folder" : "a device, pipe or socket"))")
    }
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw LimitFitError("results file \(path): cannot read: \(error.localizedDescription)")
    }
    let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    guard Self.identifiesItself(lines) else {
      throw LimitFitError(
        "results file \(path): not a limitfit results file (its first line is no fit or search record); it is left as it is")
    }
    let decoder = JSONDecoder()
    for (index, line) in lines.enumerated() where !line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) {
      do {
        remember(try decoder.decode(StoredRecord.self, from: Data(line)), line: index + 1)
      } catch {
        let last = index == lines.count - 1
        let reason = Self.reason(error).replacingOccurrences(of: "\n", with: " ")
        warn("\(path):\(index + 1): skipped " + (last ? "a truncated last line" : "an unreadable line (\(reason))"))
      }
    }
    lineCount = data.isEmpty ? 0 : lines.count - (data.last == UInt8(ascii: "\n") ? 1 : 0)
    needsNewline = !data.isEmpty && data.last != UInt8(ascii: "\n")
  }

  /// Why a line did not read as a record, in a few words: the field and what was wrong with it.
  private static func reason(_ error: any Error) -> String {
    guard let error = error as? DecodingError else { return "\(error)" }
    func field(_ path: [any CodingKey]) -> String {
      path.isEmpty ? "" : path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".") + ": "
    }
    switch error {
    case .dataCorrupted(let context) where context.codingPath.isEmpty: return "not JSON"
    case .dataCorrupted(let context): return field(context.codingPath) + context.debugDescription
    case .keyNotFound(let key, let context): return field(context.codingPath) + "no \(key.stringValue)"
    case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
      return field(context.codingPath) + "expected \(type)"
    @unknown default: return "\(error)"
    }
  }

  /// Whether `lines` are a results file's: every record names its kind (`"record"`), so the
  /// first complete line that is not blank must be a JSON object with a string "record". A file
  /// whose only line is cut short (a run killed in its first append) passes when that line
  /// starts as an object does.
  private static func identifiesItself(_ lines: [Data.SubSequence]) -> Bool {
    let blank = Set(" \t\r".utf8)
    guard let index = lines.firstIndex(where: { !$0.allSatisfy(blank.contains) }) else { return true }
    let line = lines[index]
    if index == lines.count - 1 {
      return line.first(where: { !blank.contains($0) }) == UInt8(ascii: "{")
    }
    let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any]
    return object?["record"] is String
  }

  private func remember(_ record: StoredRecord, line: Int) {
    records.append((line, record))
    if case .fit(let result) = record { fitsByKey[result.key] = result }
  }

  /// The number of records read and appended so far; safe to read while fits append.
  public var recordCount: Int { lock.withLock { records.count } }

  /// The stored fit with this key, if any.
  public func fit(for key: FitKey) -> FitResult? { lock.withLock { fitsByKey[key] } }

  /// Every stored fit.
  public var fits: [FitResult] {
    records.compactMap { if case .fit(let result) = $0.record { result } else { nil } }
  }

  /// Every stored critical-n search.
  public var searches: [CriticalNSummary] {
    records.compactMap { if case .criticalN(let summary) = $0.record { summary } else { nil } }
  }

  /// Appends `record` as one line and flushes it to disk.
  public func append(_ record: StoredRecord) throws {
    lock.lock()
    defer { lock.unlock() }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    var line = try encoder.encode(record)
    line.append(UInt8(ascii: "\n"))
    if needsNewline { line.insert(UInt8(ascii: "\n"), at: 0) }
    try write(line)
    needsNewline = false
    lineCount += 1
    remember(record, line: lineCount)
  }

  private func write(_ bytes: Data) throws {
    let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
    guard descriptor >= 0 else {
      throw LimitFitError("results file \(path): cannot open for appending: \(String(cString: strerror(errno)))")
    }
    defer { close(descriptor) }
    try FileOutput.writeAll(bytes, to: descriptor, path: "results file \(path)")
    guard fsync(descriptor) == 0 else {
      throw LimitFitError("results file \(path): cannot write: \(String(cString: strerror(errno)))")
    }
  }
}
