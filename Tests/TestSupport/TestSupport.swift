import Foundation
import LimitFit

// What both test targets share: temporary folders and files, the LIMIT-small data, fake fit
// results for the searches, and the sanitizer in force. Public API only, so that this target
// builds without -enable-testing.

/// A new, empty folder of its own for one test.
public func temporaryFolder() throws -> URL {
  let folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
  try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  return folder
}

/// Writes `text` into a new file named `name`, in a folder of its own, and returns its path.
public func writeFile(_ name: String, _ text: String) throws -> String {
  let path = try temporaryFolder().appendingPathComponent(name).path
  try text.write(toFile: path, atomically: true, encoding: .utf8)
  return path
}

/// Writes `bytes` into a new file named `name`, in a folder of its own, and returns its path.
public func writeFile(_ name: String, bytes: [UInt8]) throws -> String {
  let path = try temporaryFolder().appendingPathComponent(name).path
  try Data(bytes).write(to: URL(fileURLWithPath: path))
  return path
}

/// `bytes` compressed by the gzip command: one member, with no name or time in its header.
public func gzipped(_ bytes: [UInt8]) throws -> [UInt8] {
  let folder = try temporaryFolder()
  defer { try? FileManager.default.removeItem(at: folder) }
  let input = folder.appendingPathComponent("input")
  try Data(bytes).write(to: input)
  let gzip = Process()
  gzip.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  gzip.arguments = ["gzip", "-c", "-n", input.path]
  let output = Pipe()
  gzip.standardOutput = output
  try gzip.run()
  let compressed = output.fileHandleForReading.readDataToEndOfFile()
  gzip.waitUntilExit()
  guard gzip.terminationStatus == 0 else { throw LimitFitError("gzip exited with status \(gzip.terminationStatus)") }
  return [UInt8](compressed)
}

/// The LIMIT-small data set, in the shared folder beside the repository.
public let limitSmall = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent().appendingPathComponent("shared/data/limit-small").path

/// LIMIT-small's qrels with its corpus: 1000 queries over 46 documents.
public func loadLimitSmall() throws -> LabeledQrels {
  try LabeledQrels.load(path: "\(limitSmall)/qrels.jsonl", corpus: "\(limitSmall)/corpus.jsonl")
}

/// The sanitizer the tests run under (tools/sanitize.sh sets it), if any: its shadow memory
/// needs address space no limit allows, and its quarantine inflates memory measurements.
public let sanitizer = ProcessInfo.processInfo.environment["LIMITFIT_SANITIZER"]

/// A fit result that says only whether n (in d dimensions, with a seed) was solved: what a
/// fake fitter returns to the searches.
public func fakeResult(documents: Int, seed: UInt64, solved: Bool, dimension: Int = 6) -> FitResult {
  var settings = Hyperparameters()
  settings.seed = seed
  return FitResult(
    documents: documents, dimension: dimension, k: 2, queries: documents * (documents - 1) / 2,
    relevantPairs: documents * (documents - 1), hyperparameters: settings, iterations: 10,
    firstSolvedIteration: solved ? 10 : nil, finalLoss: 1, bestLoss: 1, accuracy: solved ? 1 : 0.9,
    solvedQueries: 0, solved: solved, stopReason: solved ? .solved : .plateau, wallSeconds: 0.01,
    iterationsPerSecond: 1000, backend: "fake", device: "fake")
}

extension FitResult {
  /// The record without what differs between two runs of the same fit: its timings, when it
  /// ended and where.
  public var outcome: FitResult {
    var result = self
    result.wallSeconds = 0
    result.iterationsPerSecond = 0
    result.finishedAt = nil
    result.host = nil
    return result
  }
}
