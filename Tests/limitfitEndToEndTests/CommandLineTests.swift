import Foundation
import TestSupport
import Testing

/// Runs the built `limitfit` with `arguments`, and `environment` added to this process's;
/// returns its exit status and output.
func limitfit(_ arguments: [String], environment: [String: String] = [:])
  throws -> (status: Int32, standardOutput: String, standardError: String)
{
  try run(Bundle.main.bundleURL.appendingPathComponent("limitfit").path, arguments, environment: environment)
}

@Suite struct FitCommandTests {
  @Test func threeDocumentsInThePlaneAreSolved() throws {
    let run = try limitfit(["fit", "--docs", "3", "--dim", "2", "--json", "-"])
    #expect(run.status == 0)
    let result = try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any]
    #expect(result?["solved"] as? Bool == true)
    #expect(result?["documents"] as? Int == 3)
    #expect(result?["backend"] as? String == "cpu")
    // With JSON on standard output, the summary goes to standard error; no progress in a pipe.
    #expect(run.standardError.hasPrefix("solved: n = 3, d = 2, k = 2 (3 queries) at iteration"))
    #expect(!run.standardError.contains("\r"))
  }

  @Test func fourDocumentsInThePlaneAreNotSolved() throws {
    let run = try limitfit(["fit", "--docs", "4", "--dim", "2"])
    #expect(run.status == 0)
    #expect(run.standardOutput.hasPrefix("not solved: n = 4, d = 2, k = 2 (6 queries) after"))
    #expect(run.standardOutput.contains("(plateau)"))
    #expect(run.standardError.isEmpty)
  }

  @Test func thePaperVerdictStopsAtASampledStep() throws {
    let run = try limitfit(["fit", "--docs", "8", "--dim", "4", "--verdict", "paper"])
    #expect(run.status == 0)
    // Solved exactly at step 742; the script samples after updates 701 and 751 (steps 702, 752).
    #expect(run.standardOutput.hasPrefix(
      "solved by the paper's verdict: n = 8, d = 4, k = 2 (28 queries) after 752 iterations (solved); exactly solved at iteration 742;"))
  }

  @Test func aNegativeAnswerExitsWithTwo() throws {
    let unsolved = try limitfit(["fit", "--docs", "4", "--dim", "2", "--require-solved"])
    #expect(unsolved.status == 2)
    #expect(unsolved.standardOutput.hasPrefix("not solved: "))
    #expect(unsolved.standardError.isEmpty)
    #expect(try limitfit(["fit", "--docs", "3", "--dim", "2", "--require-solved"]).status == 0)

    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let none = try limitfit([
      "min-dim", "--pattern", "cycle", "--queries", "5", "--max-dim", "1", "--backend", "cpu",
      "--results", folder.appendingPathComponent("fits.jsonl").path,
    ])
    #expect(none.status == 2)
    #expect(none.standardOutput.contains("not solved in any d up to 1"))
  }

  @Test func writesJSONAndRefusesToOverwriteIt() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("fit.json").path
    let arguments = ["fit", "--docs", "3", "--dim", "2", "--max-iterations", "5", "--json", path]

    #expect(try limitfit(arguments).status == 0)
    let written = try String(contentsOfFile: path, encoding: .utf8)
    #expect(written.contains("\"iterations\" : 5"))

    try "mine".write(toFile: path, atomically: true, encoding: .utf8)
    let refused = try limitfit(arguments)
    #expect(refused.status != 0)
    #expect(refused.standardError == "Error: --json \(path) exists; pass --overwrite to replace it\n")
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "mine")

    #expect(try limitfit(arguments + ["--overwrite"]).status == 0)
    #expect(try String(contentsOfFile: path, encoding: .utf8).contains("\"iterations\" : 5"))
  }

  @Test(arguments: [
    (["--repeats", "0"], "--repeats must be between 1 and 1000, not 0"),
    (["--seconds=-1"], "--seconds must be between 0 and 3600, not -1.0"),
    (["--backend", "auto"], "--backend takes cpu or opencl here, not auto"),
    (["--docs", "1"], "the number of documents (1) must be between 2 and 2147483647"),
    (["--dim", "0"], "the dimension (0) must be at least 1"),
  ])
  func badBenchInputIsOneLine(arguments: [String], message: String) throws {
    let run = try limitfit(["bench", "--backend", "cpu"] + arguments)
    #expect(run.status != 0)
    #expect(run.standardError.hasPrefix("Error: " + message), "\(run.standardError)")
    #expect(run.standardError.split(separator: "\n").count == 1)
  }

  @Test func benchPrintsATable() throws {
    let run = try limitfit(
      ["bench", "--backend", "cpu", "--docs", "10", "--dim", "2", "--seconds", "0", "--repeats", "1"],
      environment: ["LIMITFIT_CPU_LEVEL": "portable"])
    #expect(run.status == 0)
    let lines = run.standardOutput.split(separator: "\n")
    #expect(lines.count == 2)
    #expect(lines.first?.hasPrefix("backend device") == true)
    #expect(lines.last?.hasPrefix("cpu     CPU (portable), ") == true)
    #expect(lines.last?.contains("    10    2        45") == true)
  }

  @Test func theCPULevelVariableIsCheckedWhereTheCPUBackendMayRun() throws {
    for backend in ["cpu", "auto"] {
      let run = try limitfit(
        ["fit", "--docs", "3", "--dim", "2", "--backend", backend], environment: ["LIMITFIT_CPU_LEVEL": "sse4"])
      #expect(run.status != 0)
      #expect(run.standardError == "Error: LIMITFIT_CPU_LEVEL=sse4 is not a level (portable, avx2, avx512)\n")
    }
    let pinned = try limitfit(
      ["fit", "--docs", "3", "--dim", "2", "--backend", "cpu", "--json", "-"],
      environment: ["LIMITFIT_CPU_LEVEL": "portable"])
    #expect(pinned.status == 0)
    #expect(pinned.standardOutput.contains("\"device\" : \"CPU (portable), "), "\(pinned.standardOutput)")
  }

  @Test(arguments: [
    (["--docs", "0", "--dim", "2"], "the number of documents (0) must be between 2 and 2147483647"),
    (["--docs=-5", "--dim", "2"], "the number of documents (-5) must be between 2 and 2147483647"),
    (["--docs", "4", "--dim", "0"], "the dimension (0) must be at least 1"),
    (["--docs", "4", "--dim", "2", "--k", "0"], "k (0) must be between 1 and 5"),
    (["--docs", "9", "--dim", "2", "--k", "6"], "k (6) must be between 1 and 5"),
    (["--docs", "3", "--dim", "2", "--k", "3"], "k (3) must be less than the number of documents (3)"),
    (["--docs", "3000000000", "--dim", "2", "--k", "5"], "the number of documents (3000000000) must be between 2 and 2147483647"),
    (["--docs", "10000000", "--dim", "8"], "n = 10000000, d = 8 with 49999995000000 queries needs"),
    (["--docs", "3", "--dim", "2000000000"], "n = 3, d = 2000000000 with 3 queries needs"),
    (["--docs", "3", "--dim", "2", "--lr", "0"], "the learning rate (0.0) must be a positive finite number"),
    (["--docs", "3", "--dim", "2", "--lr=-0.1"], "the learning rate (-0.1) must be a positive finite number"),
    (["--docs", "3", "--dim", "2", "--lr", "nan"], "the learning rate (nan) must be a positive finite number"),
    (["--docs", "3", "--dim", "2", "--lr", "inf"], "the learning rate (inf) must be a positive finite number"),
    (["--docs", "3", "--dim", "2", "--temperature", "0"], "the temperature (0.0) must be a positive finite number"),
    (["--docs", "3", "--dim", "2", "--temperature=-1"], "the temperature (-1.0) must be a positive finite number"),
    (["--docs", "3", "--dim", "2", "--temperature", "inf"], "the temperature (inf) must be a positive finite number"),
    (["--docs", "3", "--dim", "2", "--patience", "0"], "the patience (0) must be at least 1"),
    (["--docs", "3", "--dim", "2", "--max-iterations", "0"], "the maximum number of iterations (0) must be at least 1"),
    (["--docs", "3", "--dim", "2", "--min-delta=-1"], "the minimum delta (-1.0) must be a finite number ≥ 0"),
    (["--docs", "3", "--dim", "2", "--json", "/nonexistent-folder/fit.json"],
      "--json /nonexistent-folder/fit.json: the folder /nonexistent-folder does not exist"),
  ])
  func badInputIsOneLineThatNamesTheValue(arguments: [String], message: String) throws {
    let run = try limitfit(["fit"] + arguments)
    #expect(run.status != 0)
    #expect(run.standardOutput.isEmpty)
    let lines = run.standardError.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines.count == 2 && lines[1].isEmpty, "one line expected: \(run.standardError)")
    #expect(run.standardError.hasPrefix("Error: " + message), "\(run.standardError)")
  }

  @Test func helpListsTheOptions() throws {
    let run = try limitfit(["fit", "--help"])
    #expect(run.status == 0)
    for option in ["--docs", "--dim", "--k", "--seed", "--lr", "--temperature", "--patience",
      "--min-delta", "--max-iterations", "--run-to-plateau", "--backend", "--json"]
    {
      #expect(run.standardOutput.contains(option), "\(option) missing from --help")
    }
  }
}
