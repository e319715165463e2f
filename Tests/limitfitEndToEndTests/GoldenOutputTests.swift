import Foundation
import TestSupport
import Testing

/// The outputs of a fixed set of commands, compared with the ones recorded in Tests/Golden:
/// what a restructuring must leave unchanged. Timings, rates, the core count, the tool's
/// version and the folders are masked; everything else — verdicts, iterations, losses, tables, files — must
/// match to the byte (the CPU backend's results do not depend on the machine).
///
/// After a change that is meant to alter an output, record them again with
/// `LIMITFIT_RECORD_GOLDEN=1 swift test -c release -Xswiftc -enable-testing --scratch-path .build-tests --filter GoldenOutput`
/// and review the difference in the commit.
@Suite(.serialized) struct GoldenOutputTests {
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Golden")
  static let recording = ProcessInfo.processInfo.environment["LIMITFIT_RECORD_GOLDEN"] == "1"

  /// `text` with what varies from run to run masked.
  static func masked(_ text: String, workspace: String) -> String {
    var text = text.replacingOccurrences(of: workspace, with: "WORKSPACE")
      .replacingOccurrences(of: limitSmall, with: "LIMIT-SMALL")
    let rules: [(String, String)] = [
      (#"[0-9]+(\.[0-9]+)? s\b"#, "T s"),
      (#"[0-9]+(\.[0-9]+)?(e[-+][0-9]+)? it/s"#, "R it/s"),
      (#""(wallSeconds|iterationsPerSecond)" ?: ?[-0-9.e+]+"#, "\"$1\": MASKED"),
      (#""(toolVersion|finishedAt|host|gitCommit)" ?: ?"[^"]*""#, "\"$1\": MASKED"),
      (#"CPU \([a-z0-9]+\), [0-9]+ threads?"#, "CPU (LEVEL), N threads"),
    ]
    for (pattern, template) in rules {
      text = text.replacingOccurrences(of: pattern, with: template, options: .regularExpression)
    }
    return text
  }

  /// Compares `text` with the recorded `name`, or records it.
  static func check(_ name: String, _ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let file = folder.appendingPathComponent(name)
    if recording {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      try text.write(to: file, atomically: true, encoding: .utf8)
      return
    }
    let recorded = try String(contentsOf: file, encoding: .utf8)
    #expect(text == recorded, "\(name) differs from Tests/Golden/\(name)", sourceLocation: sourceLocation)
  }

  @Test func commandsAndFilesAreUnchanged() throws {
    let workspace = FileManager.default.temporaryDirectory.appendingPathComponent("golden-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: workspace, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: workspace) }
    let results = workspace + "/fits.jsonl"
    // The searches run with --quiet: their per-fit lines on standard error come in the order
    // concurrent fits finish (SearchCommandTests checks them).
    let commands: [(name: String, arguments: [String])] = [
      ("fit.txt", ["fit", "--docs", "6", "--dim", "3", "--json", "-"]),
      ("fit-hinge.txt", ["fit", "--docs", "7", "--dim", "3", "--loss", "hinge", "--run-to-plateau"]),
      ("critical-n.txt", ["critical-n", "--dim", "3", "--seeds", "2", "--results", results, "--quiet"]),
      ("curve.txt", ["curve", "--dims", "2...5", "--results", results, "--out", workspace + "/curve", "--quiet"]),
      ("report.txt", ["report", "--results", results, "--out", workspace + "/report"]),
      ("min-dim.txt", ["min-dim", "--pattern", "cycle", "--queries", "9", "--results", results,
        "--save-embeddings", workspace + "/certificate", "--quiet"]),
      ("verify.txt", ["verify", workspace + "/certificate", "--pattern", "cycle", "--queries", "9"]),
      ("qrels-stats.txt", ["qrels-stats", "\(limitSmall)/qrels.jsonl", "--corpus", "\(limitSmall)/corpus.jsonl"]),
      ("witness.txt", ["witness", "--docs", "40", "--precision", "float16"]),
    ]
    for (name, arguments) in commands {
      let run = try limitfit(arguments + ["--backend", "cpu"].filter { _ in
        ["fit", "critical-n", "curve", "min-dim"].contains(arguments[0])
      })
      #expect(run.status == 0, "\(name): \(run.standardError)")
      try Self.check(name, Self.masked(run.standardOutput + run.standardError, workspace: workspace))
    }
    for file in ["curve.json", "curve.csv", "curve.svg"] {
      let text = try String(contentsOfFile: workspace + "/curve/" + file, encoding: .utf8)
      try Self.check("curve-files-" + file, Self.masked(text, workspace: workspace))
    }
  }
}
