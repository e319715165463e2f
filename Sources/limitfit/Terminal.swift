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

  var isStandardOutput: Bool { path == "-" }

  init(path: String, option: String = "--json", in outputs: inout OutputPaths) throws {
    self.path = path
    guard path != "-" else { return }
    try outputs.file(path, option: option)
  }

  func write<Value: Encodable>(_ value: Value) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(value) + Data("\n".utf8)
    if isStandardOutput {
      FileHandle.standardOutput.write(data)
    } else {
      try FileOutput.write([(path, data)])
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
