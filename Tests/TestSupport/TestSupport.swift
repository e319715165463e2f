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

/// A .npy file laid out byte by byte as NumPy's format specification gives it: the magic
/// string, the version `major`.0, the header's length (2 bytes, little-endian, in version 1; 4
/// after), the header padded with spaces and a newline to a multiple of 64 bytes, then `payload`.
public func npyFile(header: String, payload: [UInt8], version major: UInt8 = 1) -> Data {
  let lengthBytes = major == 1 ? 2 : 4
  let unpadded = 8 + lengthBytes + header.utf8.count + 1
  let text = header + String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
  var data = Data([0x93] + Array("NUMPY".utf8) + [major, 0])
  data.append(contentsOf: (0..<lengthBytes).map { UInt8(truncatingIfNeeded: text.utf8.count >> (8 * $0)) })
  data.append(contentsOf: Array(text.utf8))
  data.append(contentsOf: payload)
  return data
}

/// The header dict NumPy writes for a matrix of type `descr` and shape `shape` ("(2, 3)").
public func npyHeader(descr: String, fortranOrder: Bool = false, shape: String) -> String {
  "{'descr': '\(descr)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': \(shape), }"
}

/// The little-endian bytes of bit patterns, one after another: `littleEndianBytes(x.map(\.bitPattern))`.
public func littleEndianBytes<Bits: FixedWidthInteger>(_ patterns: [Bits]) -> [UInt8] {
  patterns.flatMap { bits in (0..<(Bits.bitWidth / 8)).map { UInt8(truncatingIfNeeded: bits >> (8 * $0)) } }
}

/// A rows × columns row-major matrix of `values` as a .npy file of float16 ("<f2"), float32
/// ("<f4") or float64 ("<f8") values, stored in C or Fortran order.
public func npyMatrix(_ values: [Double], rows: Int, columns: Int, descr: String = "<f4", fortranOrder: Bool = false) -> Data {
  precondition(values.count == rows * columns)
  let stored = fortranOrder ? (0..<columns).flatMap { c in (0..<rows).map { values[$0 * columns + c] } } : values
  let payload: [UInt8] = switch descr.dropFirst() {
  case "f2": littleEndianBytes(stored.map { Float16($0).bitPattern })
  case "f4": littleEndianBytes(stored.map { Float($0).bitPattern })
  case "f8": littleEndianBytes(stored.map(\.bitPattern))
  default: preconditionFailure("\(descr) is not a float type")
  }
  return npyFile(header: npyHeader(descr: descr, fortranOrder: fortranOrder, shape: "(\(rows), \(columns))"), payload: payload)
}
