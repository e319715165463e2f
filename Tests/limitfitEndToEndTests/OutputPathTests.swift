import Foundation
import TestSupport
import Testing

/// Every command's outputs against the two mistakes that lose work or data: an output that is
/// one of the inputs, and an output that cannot be written. Both are refused in one line before
/// any work, and the input is left as it was.
@Suite struct OutputPathTests {
  /// An output of a command: the option, whether it names a folder, and whether the files it
  /// writes there can bear an input's name (capacity writes into DIR/d<d>, export only
  /// fit.csv and critical-n.csv: the input's folder is no collision for them).
  struct Output {
    var option: String
    var isFolder = false
    var canHoldTheInput = true
  }

  /// A small data set's folder (its qrels.jsonl), a certificate, and a results file named as a
  /// curve file, made once.
  static let fixtures: (dataset: String, qrels: String, certificate: String, results: String) = {
    let folder = try! temporaryFolder().path
    let dataset = folder + "/dataset"
    try! FileManager.default.createDirectory(atPath: dataset, withIntermediateDirectories: true)
    let qrels = dataset + "/qrels.jsonl"
    try! (0..<3).map { "{\"query-id\": \"q\($0)\", \"corpus-id\": \"d\($0)\", \"score\": 1}\n" }.joined()
      .write(toFile: qrels, atomically: true, encoding: .utf8)
    let certificate = folder + "/certificate"
    let results = folder + "/curve/curve.json"
    let fit = try! limitfit(["fit", "--docs", "3", "--dim", "2", "--save-embeddings", certificate])
    let search = try! limitfit(["critical-n", "--dim", "2", "--backend", "cpu", "--results", results])
    precondition(fit.status == 0 && search.status == 0, "fixtures: \(fit.standardError) \(search.standardError)")
    return (dataset, qrels, certificate, results)
  }()

  /// Every command: a quick valid invocation, its outputs, and an input file (or folder) that
  /// an output could be mistaken for — `nil` where the command reads none.
  static var commands: [String: (arguments: [String], outputs: [Output], input: String?)] {
    let (dataset, qrels, certificate, results) = fixtures
    return [
      "fit": (["fit", "--qrels", dataset, "--dim", "2"], [Output(option: "--json"), Output(option: "--save-embeddings", isFolder: true)], qrels),
      "critical-n": (["critical-n", "--dim", "2", "--backend", "cpu"], [Output(option: "--results")], nil),
      "curve": (["curve", "--dims", "2", "--backend", "cpu"], [Output(option: "--results"), Output(option: "--out", isFolder: true)], nil),
      "report": (["report", "--results", results], [Output(option: "--out", isFolder: true)], results),
      "min-dim": (["min-dim", "--qrels", dataset, "--max-dim", "3", "--backend", "cpu"],
        [Output(option: "--results"), Output(option: "--save-construction", isFolder: true), Output(option: "--save-embeddings", isFolder: true)], qrels),
      "qrels-stats": (["qrels-stats", qrels], [], qrels),
      "verify": (["verify", certificate, "--qrels", qrels], [], qrels),
      "eval": (["eval", "--query-embeddings", certificate + "/queries.npy", "--document-embeddings", certificate + "/documents.npy",
        "--pattern", "dense", "--queries", "3"], [Output(option: "--json")], certificate + "/queries.npy"),
      "witness": (["witness", "--docs", "5"], [Output(option: "--save-embeddings", isFolder: true)], nil),
      "capacity": (["capacity", "--dims", "4", "--max-check", "8", "--results", results],
        [Output(option: "--json"), Output(option: "--save-embeddings", isFolder: true, canHoldTheInput: false)], results),
      "export": (["export", "--results", results, "--csv"], [Output(option: "--out", isFolder: true, canHoldTheInput: false)], results),
      "devices": (["devices"], [], nil),
      "validate": (["validate"], [], nil),
      "bench": (["bench", "--backend", "cpu", "--docs", "4", "--dim", "2"], [], nil),
      "tune": (["tune"], [Output(option: "--output")], nil),
    ]
  }

  /// The subcommands `limitfit --help` lists.
  static func listedCommands() throws -> [String] {
    let help = try limitfit(["--help"]).standardOutput
    guard let section = help.components(separatedBy: "SUBCOMMANDS:").last else { return [] }
    // "  fit      Fit free embeddings …": a name at the first indent; wrapped help is deeper.
    return section.split(separator: "\n").compactMap { line in
      // "  capacity, witness-limit  …": a command and its old name; the name is the first.
      guard line.hasPrefix("  "), !line.hasPrefix("   "),
        let name = line.split(separator: " ").first.map({ $0.hasSuffix(",") ? $0.dropLast() : $0 }),
        name.allSatisfy({ $0.isLowercase || $0 == "-" })
      else { return nil }
      return String(name)
    }
  }

  @Test func everyCommandIsCovered() throws {
    let listed = try Self.listedCommands()
    #expect(listed.count >= 14)
    #expect(Set(listed) == Set(Self.commands.keys), "commands: \(listed)")
  }

  /// Checks that `arguments` are refused in one line naming `expected`, with nothing printed
  /// on standard output (no work done).
  func expectRefusedBeforeWork(_ arguments: [String], naming expected: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let run = try limitfitGuarded(arguments, seconds: 30)
    let label = arguments.joined(separator: " ")
    #expect(run.status == 1, "\(label): exit \(run.status)", sourceLocation: sourceLocation)
    #expect(run.standardError.hasPrefix("Error: ") && run.standardError.contains(expected),
      "\(label): \(run.standardError)", sourceLocation: sourceLocation)
    #expect(run.standardError.split(separator: "\n").count == 1, "\(label): \(run.standardError)", sourceLocation: sourceLocation)
    #expect(run.standardOutput.isEmpty, "\(label): \(run.standardOutput)", sourceLocation: sourceLocation)
  }

  /// Every command that reads a file.
  @Test(arguments: commands.keys.sorted().filter { commands[$0]?.input != nil })
  func anInputIsNeverAnOutput(_ command: String) throws {
    let (arguments, outputs, listedInput) = try #require(Self.commands[command])
    let input = try #require(listedInput)
    let before = try Data(contentsOf: URL(fileURLWithPath: input))
    for output in outputs where output.canHoldTheInput {
      // A file output is refused as the input itself, a folder output as the input's folder,
      // even with --overwrite.
      let path = output.isFolder ? (input as NSString).deletingLastPathComponent : input
      try expectRefusedBeforeWork(arguments + [output.option, path, "--overwrite"], naming: "input")
      #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == before, "\(command) \(output.option) changed \(input)")
    }
  }

  @Test(arguments: commands.keys.sorted())
  func anOutputThatCannotBeWrittenIsFoundFirst(_ command: String) throws {
    let (arguments, outputs, _) = try #require(Self.commands[command])
    // Nobody, root included, creates files in /proc.
    for output in outputs {
      try expectRefusedBeforeWork(arguments + [output.option, "/proc/limitfit/output"], naming: "cannot write in /proc")
    }
  }
}
