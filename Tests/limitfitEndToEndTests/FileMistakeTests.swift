import Foundation
import TestSupport
import Testing

/// Mistakes with files and settings, each answered with a line that names its cause.
@Suite struct FileMistakeTests {
  /// A certificate to evaluate: queries.npy and documents.npy of the dense pattern's 3 queries.
  static let certificate: String = {
    let folder = try! temporaryFolder().appendingPathComponent("certificate").path
    precondition(try! limitfit(["fit", "--docs", "3", "--dim", "2", "--save-embeddings", folder]).status == 0)
    return folder
  }()

  static var eval: [String] {
    ["eval", "--query-embeddings", certificate + "/queries.npy", "--document-embeddings", certificate + "/documents.npy",
     "--pattern", "dense", "--queries", "3"]
  }

  @Test func eachMessageNamesItsCause() throws {
    let folder = try temporaryFolder().path
    let loop = folder + "/loop"
    try FileManager.default.createSymbolicLink(atPath: loop, withDestinationPath: loop)
    let tuning = folder + "/tuning.json"
    let shape = #"{"mwg":8.5,"nwg":8,"kwg":8,"mdimc":8,"ndimc":8}"#
    try #"{"devices":{"a | b":{"device":"a","driver":"b","tuned":"t","toolVersion":"v","measurements":[],"parameters":{"scores":\#(shape),"gradients":\#(shape)}}}}"#
      .write(toFile: tuning, atomically: true, encoding: .utf8)
    for (arguments, environment, message) in [
      (Self.eval + ["--query-ids", folder], [:], "\(folder): a folder, not a file"),
      (Self.eval + ["--document-ids", "/dev/null"], [:], "/dev/null: 0 ids for the 3 rows of \(Self.certificate)/documents.npy"),
      (["qrels-stats", loop], [:], "\(loop): cannot read: Too many levels of symbolic links"),
      (["qrels-stats", limitSmall, "--split", "../../x"], [:],
       "--split \"../../x\": a split is the name of a file in the data set's qrels/ folder, not a path"),
      (["fit", "--docs", "3", "--dim", "2", "--backend", "opencl"], ["LIMITFIT_OPENCL_LIBRARY": ""],
       "OpenCL is not available: cannot load \"\" (LIMITFIT_OPENCL_LIBRARY is set but empty; name the library or unset it)"),
      (["fit", "--docs", "3", "--dim", "2", "--backend", "opencl"], ["LIMITFIT_TUNING": tuning],
       "\(tuning): not a tuning file limitfit wrote (devices.a | b.parameters.gradients.mwg: 8.5 is not a whole number)"),
    ] as [([String], [String: String], String)] {
      let run = try limitfitGuarded(arguments, environment: environment)
      #expect(run.status == 1, "\(arguments)")
      #expect(run.standardError.hasPrefix("Error: " + message), "\(run.standardError)")
      #expect(run.standardError.split(separator: "\n").count == 1, "\(run.standardError)")
    }
  }

  @Test func gzipWithTrailingZerosIsReadWithAWarning() throws {
    let plain = "query-id\tcorpus-id\tscore\nq1\ta\t1\nq2\tb\t1\n"
    let path = try writeFile("qrels.tsv.gz", bytes: try gzipped(Array(plain.utf8)) + [UInt8](repeating: 0, count: 512))
    let run = try limitfit(["qrels-stats", path])
    #expect(run.status == 0, "\(run.standardError)")
    #expect(run.standardError == "limitfit: \(path): decompression OK, 512 trailing zero bytes ignored (as gzip does)\n")
    let garbage = try writeFile("qrels.tsv.gz", bytes: try gzipped(Array(plain.utf8)) + [0, 0, 1])
    #expect(try limitfit(["qrels-stats", garbage]).status == 1)
  }

  @Test func conflictingJudgementsAreCountedOnStandardError() throws {
    let path = try writeFile("qrels.tsv", "query-id\tcorpus-id\tscore\nq\ta\t0\nq\tb\t1\nq\ta\t1\n")
    let run = try limitfit(["qrels-stats", path])
    #expect(run.status == 0)
    #expect(run.standardError == "limitfit: \(path): 1 (query, document) pairs are judged more than once, relevant in one listing "
      + "and not in another (the first on lines 2 and 4); the last listing counts\n")
    #expect(run.standardOutput.hasPrefix("\(path): 1 queries, 2 documents, 2 relevant pairs"))
  }

  @Test func benchKeepsItsColumnsApart() throws {
    let run = try limitfit(["bench", "--backend", "cpu", "--docs", "3", "--dim", "1", "--seconds", "0.2", "--repeats", "1"])
    #expect(run.status == 0)
    let cells = try #require(run.standardOutput.split(separator: "\n").dropFirst().first).split(separator: " ")
    // n, d, m, it/s, GFLOP/s, then the memory and the peak, each a number and a unit.
    let last = Array(cells.suffix(9))
    #expect(last[0] == "3" && last[1] == "1" && last[2] == "3" && Double(last[3]) != nil, "\(run.standardOutput)")
  }

  @Test(.disabled(if: sanitizer != nil, "a sanitizer reserves address space"))
  func aWideSweepHoldsOnlyTheFitsInFlight() throws {
    // --sweep 1000 built all 2000 fits' matrices before the first: 2.5 GB, refused under a
    // 1.5 GB address space with a message about memory. Now its fits run, until the time-out
    // kills them (SIGKILL: the test runner's children may ignore SIGTERM).
    let results = try temporaryFolder().appendingPathComponent("fits.jsonl").path
    let executable = Bundle.main.bundleURL.appendingPathComponent("limitfit").path
    let run = try run("/usr/bin/prlimit", ["--as=\(3 << 29)", "--", "timeout", "--signal=KILL", "20", executable,
      "critical-n", "--dim", "2", "--sweep", "1000", "--backend", "cpu", "--results", results])
    // Killed: timeout's own status (137), or the signal itself, as timeout signals its group.
    #expect([9, 137].contains(run.status), "\(run.status): \(run.standardError)")
    #expect(!run.standardError.contains("Error"), "\(run.standardError)")
    #expect(try String(contentsOfFile: results, encoding: .utf8).split(separator: "\n").count > 10)
  }
}
