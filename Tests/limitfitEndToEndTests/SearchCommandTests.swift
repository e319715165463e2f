import Foundation
import TestSupport
import Testing

@Suite struct SearchCommandTests {
  @Test func criticalNInThreeDimensionsIsFour() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let results = folder.appendingPathComponent("fits.jsonl").path
    let run = try limitfit(["critical-n", "--dim", "3", "--results", results, "--backend", "cpu"])
    #expect(run.status == 0, "\(run.standardError)")
    #expect(run.standardOutput.hasPrefix("d = 3, k = 2: critical-n = 4 ("))
    #expect(run.standardOutput.contains("     4     42  solved"))
    #expect(run.standardOutput.contains("     5     42  not solved"))
    #expect(run.standardOutput.contains("\ntime in fits: "))
    // In a pipe, a line per finished fit on standard error; none with --quiet.
    let logged = run.standardError.split(separator: "\n")
    #expect(logged.count == 7)
    #expect(logged.contains { $0.hasPrefix("d = 3, n = 5, seed 42: not solved in ") })
    #expect(logged.contains { $0.hasPrefix("d = 3, n = 4, seed 42: solved in ") })
    #expect(logged.allSatisfy { $0.hasPrefix("d = 3, n = ") && $0.hasSuffix(" s") })

    let again = try limitfit(["critical-n", "--dim", "3", "--results", results, "--backend", "cpu", "--quiet"])
    #expect(again.standardOutput.contains("fits, 7 reused"))
    #expect(again.standardError.isEmpty)
    let reused = try limitfit(["critical-n", "--dim", "3", "--results", results, "--backend", "cpu"])
    #expect(reused.standardError.contains("d = 3, n = 4, seed 42: solved (from \(results))\n"))
  }

  @Test func curveWritesItsFilesAndReportReproducesThem() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let results = folder.appendingPathComponent("fits.jsonl").path
    let out = folder.appendingPathComponent("curve").path
    let run = try limitfit(["curve", "--dims", "2...4", "--patience", "200", "--results", results, "--out", out])
    #expect(run.status == 0, "\(run.standardError)")
    #expect(run.standardOutput.contains("d = 2: critical-n = 3"))
    #expect(run.standardOutput.contains("d = 3: critical-n = 4"))
    #expect(run.standardOutput.contains("d = 4: critical-n = "))
    #expect(run.standardOutput.contains("paper's cubic:       critical-n ≈ -10.5322"))
    for name in ["curve.json", "curve.csv", "curve.svg"] {
      #expect(FileManager.default.fileExists(atPath: "\(out)/\(name)"), "\(name) missing")
    }
    let csv = try String(contentsOfFile: "\(out)/curve.csv", encoding: .utf8)

    let refused = try limitfit(["curve", "--dims", "2...4", "--patience", "200", "--results", results, "--out", out])
    #expect(refused.status == 1)
    #expect(refused.standardError == "Error: --out \(out): curve.json exists; pass --overwrite to replace it\n")

    let report = try limitfit(["report", "--results", results, "--patience", "200", "--out", out, "--overwrite"])
    #expect(report.status == 0, "\(report.standardError)")
    #expect(try String(contentsOfFile: "\(out)/curve.csv", encoding: .utf8) == csv)
    let summary = report.standardOutput.components(separatedBy: "\nwrote ")[0]
    #expect(summary.contains("    d  critical-n  paper's cubic"))
    #expect(run.standardOutput.contains(summary))
  }

  @Test func shardsMergeIntoTheWholeCurve() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    var files: [String] = []
    for index in 0..<2 {
      let results = folder.appendingPathComponent("shard\(index).jsonl").path
      files.append(results)
      let run = try limitfit(["curve", "--dims", "2...4", "--patience", "200", "--shard", "\(index)/2", "--results", results])
      #expect(run.status == 0, "\(run.standardError)")
      #expect(run.standardOutput.contains("shard \(index)/2 done: d = \(index == 0 ? "2, 4" : "3")"))
    }
    let out = folder.appendingPathComponent("merged").path
    let report = try limitfit(["report", "--patience", "200", "--results"] + files + ["--out", out])
    #expect(report.status == 0, "\(report.standardError)")
    let csv = try String(contentsOfFile: "\(out)/curve.csv", encoding: .utf8)
    #expect(csv.split(separator: "\n").map { $0.split(separator: ",").first ?? "" } == ["dimension", "2", "3", "4"])

    // With --dims, a lost shard is named instead of dropping out of the cubic.
    let lost = folder.appendingPathComponent("lost").path
    let partial = try limitfit(["report", "--patience", "200", "--dims", "2-4", "--results", files[0], "--out", lost])
    #expect(partial.status != 0)
    #expect(partial.standardError == "Error: --dims 2-4: the results hold no matching search for 1 of them: d = 3\n")
    #expect(!FileManager.default.fileExists(atPath: lost))
    let huge = try limitfit(["report", "--patience", "200", "--dims", "2...999999999999", "--results", files[0], "--out", lost])
    #expect(huge.standardError.hasPrefix("Error: --dims 2...999999999999: the results hold no matching search for 999999999996 of them: d = 3, 5, 6,"))
    let largest = try limitfit(["report", "--patience", "200", "--dims", "\(Int.max)", "--results", files[0], "--out", lost])
    #expect(largest.standardError == "Error: --dims \(Int.max): the results hold no matching search for 1 of them: d = \(Int.max)\n")
    let chosen = try limitfit(["report", "--patience", "200", "--dims", "2,4", "--results", files[0], "--out", lost])
    #expect(chosen.status == 0, "\(chosen.standardError)")
  }

  @Test func aKilledRunResumesAndWarnsAboutTheTruncatedLine() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let results = folder.appendingPathComponent("fits.jsonl").path
    _ = try limitfit(["critical-n", "--dim", "2", "--results", results])
    let handle = try #require(FileHandle(forWritingAtPath: results))
    handle.seekToEndOfFile()
    handle.write(Data(#"{"record":"fit","accur"#.utf8))
    handle.closeFile()
    let lines = try String(contentsOfFile: results, encoding: .utf8).split(separator: "\n").count

    let run = try limitfit(["critical-n", "--dim", "2", "--results", results, "--quiet"])
    #expect(run.status == 0)
    #expect(run.standardError == "\(results):\(lines): skipped a truncated last line\n")
    #expect(run.standardOutput.contains("critical-n = 3"))
    #expect(run.standardOutput.contains(" reused;"))
    #expect(!run.standardOutput.contains(" 0 reused;"))
  }

  @Test func reportSaysWhenNothingMatches() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let results = folder.appendingPathComponent("fits.jsonl").path
    _ = try limitfit(["critical-n", "--dim", "2", "--results", results])
    let run = try limitfit(["report", "--results", results, "--seeds", "2", "--out", folder.appendingPathComponent("c").path])
    #expect(run.status == 1)
    #expect(run.standardError.hasPrefix("Error: no critical-n search in \(results) matches k = 2, seeds 42,43"))
    #expect(run.standardError.hasSuffix("they hold searches with k = 2, seeds 42\n"))
    // Settings that differ besides k and the seeds are named, with the value the file holds.
    let hinge = try limitfit(["report", "--results", results, "--loss", "hinge", "--lr", "0.02", "--out", folder.appendingPathComponent("h").path])
    #expect(hinge.standardError.hasSuffix("they hold searches with k = 2, seeds 42, loss infonce, learning rate 0.01\n"))
  }

  @Test(arguments: [
    (["curve", "--dims", "0...3"], "--dims 0...3: expected a range like 2...12"),
    (["curve", "--dims", "2...4", "--shard", "2/2"], "--shard 2/2: expected I/N with 0 ≤ I < N"),
    (["critical-n", "--dim", "3", "--seeds", "0"], "--seeds (0) must be between 1 and 10000"),
    (["critical-n", "--dim", "3", "--start", "2"], "--start (2) must be more than k (2)"),
    (["critical-n", "--dim", "0"], "the dimension (0) must be at least 1"),
    (["critical-n", "--dim", "3", "--k", "7"], "--k (7) must be between 1 and 5"),
    (["curve", "--dims", "2...3", "--k", "7"], "--k (7) must be between 1 and 5"),
    (["report", "--results", "/tmp/limitfit-never.jsonl", "--sweep", "1001"], "--sweep (1001) must be between 0 and 1000"),
    // The library's errors name the setting; each command its own option for it, or none.
    (["critical-n", "--dim", "10000"], "d = 10000: --start defaults to the paper's cubic at d, n = 3.71b, more documents than a fit can hold"),
    (["curve", "--dims", "2,10000"], "d = 10000: the start defaults to the paper's cubic at d, n = 3.71b, more documents than a fit can hold"),
    (["report", "--results", "/nonexistent/fits.jsonl", "--out", "/tmp/limitfit-never"], "--results /nonexistent/fits.jsonl does not exist"),
  ])
  func badInputIsOneLine(arguments: [String], message: String) throws {
    let run = try limitfit(arguments + ["--results", "/tmp/limitfit-unused/fits.jsonl"].suffix(arguments.contains("--results") ? 0 : 2))
    #expect(run.status != 0)
    #expect(run.standardError.hasPrefix("Error: " + message), "\(run.standardError)")
    #expect(run.standardError.split(separator: "\n").count == 1)
  }
}

@Suite struct SlurmScriptTests {
  /// tools/slurm/, run as Slurm would: every task of the array, then the report.
  @Test func theArrayAndItsReportGiveTheCurveOfOneRun() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let tools = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("tools/slurm").path
    let binary = Bundle.main.bundleURL.appendingPathComponent("limitfit").path
    let settings = ["LIMITFIT": binary, "DIMS": "2-5", "RESULTS": folder.appendingPathComponent("results").path]
    for task in 0..<3 {
      // Task 2 as a lone rerun (sbatch --array=2: Slurm counts one task; TASKS says three).
      let count = task == 2 ? ["SLURM_ARRAY_TASK_COUNT": "1", "TASKS": "3"] : ["SLURM_ARRAY_TASK_COUNT": "3"]
      let shard = try run(
        "/bin/bash", ["\(tools)/curve.sbatch"],
        environment: settings.merging(count.merging(["SLURM_ARRAY_TASK_ID": "\(task)"]) { $1 }) { $1 })
      #expect(shard.status == 0, "\(shard.standardError)")
      #expect(shard.standardOutput.contains("shard \(task)/3 done"))
      // The task's log (standard error) has a line per finished fit.
      #expect(shard.standardError.contains(", seed 42: solved in "))
    }
    let report = try run("/bin/bash", ["\(tools)/report.sbatch"], environment: settings)
    #expect(report.status == 0, "\(report.standardError)")
    let merged = try String(contentsOf: folder.appendingPathComponent("results/curve/curve.csv"), encoding: .utf8)
    // A second report does not replace the first's files unless asked.
    let again = try run("/bin/bash", ["\(tools)/report.sbatch"], environment: settings)
    #expect(again.status == 1 && again.standardError.contains("curve.json exists"))
    #expect(try run("/bin/bash", ["\(tools)/report.sbatch"], environment: settings.merging(["OVERWRITE": "1"]) { $1 }).status == 0)

    let whole = try limitfit([
      "curve", "--dims", "2-5", "--results", folder.appendingPathComponent("whole.jsonl").path,
      "--out", folder.appendingPathComponent("whole").path, "--quiet",
    ])
    #expect(whole.status == 0)
    #expect(whole.standardError.isEmpty)
    #expect(try String(contentsOf: folder.appendingPathComponent("whole/curve.csv"), encoding: .utf8) == merged)

    // A lost shard: the report names its dimensions and writes nothing.
    try FileManager.default.removeItem(at: folder.appendingPathComponent("results/shard-1.jsonl"))
    let lost = try run("/bin/bash", ["\(tools)/report.sbatch"], environment: settings.merging(["OUT": folder.appendingPathComponent("lost").path]) { $1 })
    #expect(lost.status == 1)
    #expect(lost.standardError == "Error: --dims 2-5: the results hold no matching search for 1 of them: d = 3\n")
    #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("lost").path))
  }
}
