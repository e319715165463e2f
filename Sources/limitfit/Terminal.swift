import Foundation
import LimitFit

/// Writes `line` and a newline to standard error.
func printToStandardError(_ line: String) {
  FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// A live status line on standard error, redrawn in place; exists only when standard error
/// is a terminal, so pipes and CI logs stay quiet.
final class ProgressLine: @unchecked Sendable {
  private var width = 0
  /// Fits running at once report from their own threads.
  private let lock = NSLock()

  init?() {
    guard isatty(STDERR_FILENO) != 0 else { return nil }
  }

  func show(progress: FitProgress, prefix: String = "") {
    lock.lock()
    defer { lock.unlock() }
    let text = prefix + String(
      format: "iteration %d  loss %.5f  accuracy %.4f  solved %d/%d  %.0f it/s",
      progress.iteration, progress.evaluation.loss, progress.evaluation.accuracy,
      progress.evaluation.solvedQueries, progress.evaluation.queries,
      progress.iterationsPerSecond)
    let padding = String(repeating: " ", count: max(0, width - text.count))
    width = text.count
    FileHandle.standardError.write(Data(("\r" + text + padding).utf8))
  }

  /// Writes `line` above the status line, where it stays.
  func log(_ line: String) {
    lock.lock()
    defer { lock.unlock() }
    clearLine()
    printToStandardError(line)
  }

  func clear() {
    lock.lock()
    defer { lock.unlock() }
    clearLine()
  }

  private func clearLine() {
    guard width > 0 else { return }
    FileHandle.standardError.write(Data(("\r" + String(repeating: " ", count: width) + "\r").utf8))
    width = 0
  }
}

/// Where a command writes its JSON: a file, checked with the run's other outputs before any
/// work, or standard output for "-".
struct JSONOutput {
  let path: String
  /// Whether an existing file may be replaced (`--overwrite`).
  let replacing: Bool

  var isStandardOutput: Bool { path == "-" }

  init(path: String, option: String = "--json", in outputs: inout OutputPaths) throws {
    self.path = path
    replacing = outputs.overwrite
    guard path != "-" else { return }
    try outputs.file(path, option: option)
  }

  /// Writes JSON Lines: one line each.
  func writeLines(_ lines: [String]) throws {
    let data = Data(lines.map { $0 + "\n" }.joined().utf8)
    if isStandardOutput {
      FileHandle.standardOutput.write(data)
    } else {
      try FileOutput.write([(path, data)], replacing: replacing)
    }
  }

  /// Prints a line of a command's report: on standard error when the JSON goes to standard
  /// output, so that the two never mix.
  static func report(_ line: String, beside output: JSONOutput?) {
    if output?.isStandardOutput == true { printToStandardError(line) } else { print(line) }
  }

  func write<Value: Encodable>(_ value: Value) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(value) + Data("\n".utf8)
    if isStandardOutput {
      FileHandle.standardOutput.write(data)
    } else {
      try FileOutput.write([(path, data)], replacing: replacing)
    }
  }
}

/// Where a command saves a certificate (`--save-embeddings`): checked with the run's other
/// outputs before any work, and never replacing one unless `--overwrite` is given.
struct CertificateOutput {
  let folder: String
  let overwrite: Bool
  /// The option that names the folder, for messages.
  let option: String

  init(folder: String, option: String = "--save-embeddings", in outputs: inout OutputPaths) throws {
    self.folder = folder
    self.overwrite = outputs.overwrite
    self.option = option
    _ = try outputs.folder(folder, files: Certificate.fileNames, option: option)
  }

  /// Writes the certificate of `embeddings`, fitted to `qrels` or built by `construction`.
  func write(_ embeddings: Embeddings, of qrels: LabeledQrels, fit: FitResult?, construction: String? = nil) throws {
    try Certificate.write(
      embeddings, of: qrels, fit: fit, construction: construction, to: folder, overwrite: overwrite,
      describedAs: option)
  }
}

/// The place of a long command in its work and an estimate of the time left ("d 3 of 9,
/// about 40 s left · "), shown before the fit in progress on a terminal; set from the
/// command's thread, read from the fits'.
final class OverallProgress: @unchecked Sendable {
  private let lock = NSLock()
  private var current = ""

  var text: String {
    get { lock.withLock { current } }
    set { lock.withLock { current = newValue } }
  }

  /// The text for dimension `index` (from 0) of `dimensions` after `elapsed` seconds on the
  /// ones before it.
  static func text(dimensions: [Int], index: Int, elapsed: Double) -> String {
    let left = secondsLeft(dimensions: dimensions, done: index, elapsed: elapsed)
    return "d \(index + 1) of \(dimensions.count)"
      + (left.map { ", about " + Self.duration($0) + " left" } ?? "") + " · "
  }

  /// The time left for `dimensions[done...]`, from the time the first `done` took: the
  /// work of a search in d dimensions taken as n³·d, n the paper's cubic at d (at least 3) —
  /// the all-pairs problem's n²/2 queries × n documents × d per step. `nil` before any
  /// dimension is done.
  static func secondsLeft(dimensions: [Int], done: Int, elapsed: Double) -> Double? {
    guard done > 0 else { return nil }
    func work(_ d: Int) -> Double {
      let n = max(3, paperCubic(Double(d)))
      return n * n * n * Double(d)
    }
    let finished = dimensions[..<done].reduce(0) { $0 + work($1) }
    let remaining = dimensions[done...].reduce(0) { $0 + work($1) }
    return elapsed * remaining / finished
  }

  /// "40 s", "12 min", "3.5 h".
  static func duration(_ seconds: Double) -> String {
    switch seconds {
    case ..<90: String(format: "%.0f s", seconds)
    case ..<5400: String(format: "%.0f min", seconds / 60)
    default: String(format: "%.1f h", seconds / 3600)
    }
  }
}

/// What Ctrl-C says: fits are kept as they finish, so a rerun of the same command resumes.
enum Interruption {
  nonisolated(unsafe) private static var source: DispatchSourceSignal?

  /// On SIGINT, says how many records were appended to `store` since now and how to resume,
  /// then exits with status 130 (128 + SIGINT), as the shell expects.
  static func explain(_ store: ResultsStore) {
    let before = store.recordCount
    signal(SIGINT, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
    source.setEventHandler {
      let kept = store.recordCount - before
      printToStandardError(
        "\ninterrupted: \(kept) finished \(kept == 1 ? "fit or search" : "fits and searches") kept in \(store.path); "
          + "run the same command again to resume (stored fits are reused; the fit in progress starts over)")
      exit(130)
    }
    source.resume()
    self.source = source
  }
}
