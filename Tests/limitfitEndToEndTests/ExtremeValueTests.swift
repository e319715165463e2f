import Foundation
import LimitFit
import TestSupport
import Testing

/// Runs the built `limitfit` under a 60-second limit and an 8 GiB address-space limit (none
/// under a sanitizer), so that a hang or a runaway allocation ends the run instead of the
/// machine (the limit four times longer under a sanitizer, which slows a run about that much);
/// in `directory`, where given, so that relative outputs land there.
func limitfitGuarded(
  _ arguments: [String], environment: [String: String] = [:], seconds: Int = 60, in directory: String? = nil
) throws -> (status: Int32, standardOutput: String, standardError: String) {
  let executable = Bundle.main.bundleURL.appendingPathComponent("limitfit").path
  let limit = sanitizer == nil ? ["--as=\(8 << 30)"] : []
  return try run(
    "/usr/bin/prlimit",
    limit + ["--", "timeout", "--kill-after=5", "\(sanitizer == nil ? seconds : 4 * seconds)", executable] + arguments,
    environment: environment, in: directory)
}

/// Runs `executable` with `arguments`, and `environment` added to this process's, in
/// `directory` (this process's own by default); returns its exit status and output.
func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:], in directory: String? = nil)
  throws -> (status: Int32, standardOutput: String, standardError: String)
{
  let process = Process()
  process.executableURL = URL(fileURLWithPath: executable)
  process.arguments = arguments
  if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
  process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
  let output = Pipe()
  let errors = Pipe()
  process.standardOutput = output
  process.standardError = errors
  try process.run()
  // Read both pipes before waiting, so that a full pipe cannot block the child.
  let outputData = output.fileHandleForReading.readDataToEndOfFile()
  let errorData = errors.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return (process.terminationStatus, String(decoding: outputData, as: UTF8.self),
    String(decoding: errorData, as: UTF8.self))
}

/// Checks that a run ended as a tool should: an answer (exit 0, or 2 with a verdict of "not
/// solved"), or one line "Error: …" and a non-zero exit — never a signal, a trap, a time-out.
func expectCleanEnd(
  _ run: (status: Int32, standardOutput: String, standardError: String), _ label: String,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  let errorLines = run.standardError.split(separator: "\n").filter { $0.hasPrefix("Error: ") }
  let crashed = ["Fatal error", "Backtrace", "Stack dump", "Illegal instruction", "Segmentation"]
    .contains { run.standardError.contains($0) }
  let verdict = run.status == 2 && errorLines.isEmpty && run.standardOutput.contains("not solved")
  let clean = !crashed
    && (run.status == 0 || verdict || ([1, 64].contains(run.status) && errorLines.count == 1))
  #expect(clean, "\(label): exit \(run.status)\n\(run.standardError.suffix(600))", sourceLocation: sourceLocation)
}

/// Every subcommand, every option that takes a value, every extreme value: the options come
/// from each command's own --help, so a new option is swept without a new test.
@Suite struct ExtremeValueTests {
  static let extremes = ["0", "-1", "9223372036854775807", "1e308", "nan", "inf", "1e-300"]

  /// Files the commands read, made once: a results file with two searches, a certificate.
  static let fixtures: (folder: String, results: String, certificate: String) = {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("limitfit-extremes-\(UUID().uuidString)").path
    try! FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let results = folder + "/fits.jsonl"
    let certificate = folder + "/certificate"
    let curve = try! limitfit(["curve", "--dims", "2...3", "--results", results, "--out", folder + "/curve"])
    let fit = try! limitfit(["fit", "--docs", "3", "--dim", "2", "--save-embeddings", certificate])
    precondition(curve.status == 0 && fit.status == 0, "fixtures: \(curve.standardError) \(fit.standardError)")
    return (folder, results, certificate)
  }()

  /// A quick valid run of each command, in which one option at a time is replaced.
  static var quickRuns: [String: [String]] {
    [
      "fit": ["fit", "--docs", "3", "--dim", "2", "--max-iterations", "300"],
      // An iteration limit, so that --patience=9223372036854775807 is a short run too.
      "critical-n": ["critical-n", "--dim", "2", "--backend", "cpu", "--max-iterations", "3000"],
      "curve": ["curve", "--dims", "2...3", "--backend", "cpu", "--max-iterations", "3000"],
      "report": ["report"],
      "min-dim": ["min-dim", "--pattern", "cycle", "--queries", "5", "--max-dim", "4", "--backend", "cpu"],
      "qrels-stats": ["qrels-stats", "--pattern", "cycle", "--queries", "5"],
      "verify": ["verify", fixtures.certificate, "--pattern", "dense", "--queries", "3"],
      "eval": ["eval", "--query-embeddings", fixtures.certificate + "/queries.npy", "--document-embeddings",
        fixtures.certificate + "/documents.npy", "--pattern", "dense", "--queries", "3"],
      "witness": ["witness", "--docs", "5"],
      "capacity": ["capacity", "--dims", "4,16", "--max-check", "32", "--precision", "float16"],
      "export": ["export", "--results", fixtures.results, "--csv"],
      "bench": ["bench", "--backend", "cpu", "--docs", "4", "--dim", "2", "--seconds", "0", "--repeats", "1"],
      "devices": ["devices"],
      "validate": ["validate"],
      "tune": ["tune", "--output", "\(fixtures.folder)/tuning.json"],
    ]
  }

  /// Options that act only beside another input (a pattern, a qrels file), swept there too.
  static var contexts: [(arguments: [String], options: [String])] {
    let qrels = "\(limitSmall)/qrels.jsonl"
    return [
      (["fit", "--pattern", "cycle", "--queries", "5", "--dim", "2", "--max-iterations", "300"], ["--queries", "--docs", "--pattern-seed"]),
      (["fit", "--qrels", qrels, "--dim", "2", "--max-iterations", "20"], ["--min-score"]),
      (["qrels-stats", qrels], ["--min-score"]),
    ]
  }

  /// `arguments` with `option=value` in place of any value it had; every run writes its own
  /// results and output files.
  static func arguments(_ base: [String], _ option: String, _ value: String) -> [String] {
    let id = UUID().uuidString
    var arguments: [String] = []
    var index = 0
    while index < base.count {
      if base[index] == option { index += 2 } else { arguments.append(base[index]); index += 1 }
    }
    arguments.append("\(option)=\(value)")
    switch base[0] {
    case "critical-n", "curve", "min-dim": arguments += ["--results", "\(fixtures.folder)/\(id).jsonl"]
    case "capacity": arguments += ["--results", "\(fixtures.folder)/none.jsonl"]
    case "report": arguments += ["--results", fixtures.results]
    default: break
    }
    if ["curve", "report", "export"].contains(base[0]) { arguments += ["--out", "\(fixtures.folder)/\(id)"] }
    return arguments
  }

  /// The options of `command` that take a value, from its own --help.
  static func valueOptions(of command: String) throws -> [String] {
    try limitfit([command, "--help"]).standardOutput.split(separator: "\n").compactMap { line in
      let words = line.split(separator: " ")
      guard let option = words.first, option.hasPrefix("--"), words.count > 1, words[1].hasPrefix("<") else { return nil }
      return String(option)
    }
  }

  /// Paths no option should crash or hang on: empty, a folder, /dev/null, a FIFO nobody
  /// writes, a symlink loop.
  static let hostilePaths: [String] = {
    let folder = fixtures.folder + "/hostile"
    try! FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    precondition(mkfifo(folder + "/fifo", 0o600) == 0)
    try! FileManager.default.createSymbolicLink(atPath: folder + "/loop", withDestinationPath: folder + "/loop")
    return ["", folder, "/dev/null", folder + "/fifo", folder + "/loop"]
  }()

  /// The working folder of the sweep's runs: a value such as `0` is also a relative output path
  /// (`--json=0`), written here rather than beside the package.
  static let scratch: String = {
    let folder = fixtures.folder + "/scratch"
    try! FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    return folder
  }()

  /// The values swept through `option` of `command`: `--device 0` of validate and tune is PoCL,
  /// where they run in full (correct, but slow), so it is left out there.
  static func values(_ command: String, _ option: String) -> [String] {
    let slow = ["validate", "tune"].contains(command) && option == "--device"
    return hostilePaths + extremes.filter { !(slow && $0 == "0") }
  }

  @Test(arguments: try OutputPathTests.listedCommands())
  func everyOptionOfEveryCommand(_ command: String) throws {
    let base = try #require(Self.quickRuns[command], "no quick run of \(command)")
    let options = try Self.valueOptions(of: command)
    #expect(command == "devices" || !options.isEmpty, "\(command) --help lists no options")
    for option in options {
      for value in Self.values(command, option) {
        let arguments = Self.arguments(base, option, value)
        expectCleanEnd(try limitfitGuarded(arguments, seconds: 30, in: Self.scratch), arguments.joined(separator: " "))
      }
    }
  }

  @Test(arguments: contexts.indices)
  func optionsBesideTheirInput(_ index: Int) throws {
    let (base, options) = Self.contexts[index]
    for option in options {
      for value in Self.extremes {
        let arguments = Self.arguments(base, option, value)
        expectCleanEnd(try limitfitGuarded(arguments, seconds: 30, in: Self.scratch), arguments.joined(separator: " "))
      }
    }
  }

  @Test(arguments: [
    ("LIMITFIT_DEVICE", "opencl"), ("LIMITFIT_STEPS_PER_READ", "opencl"), ("LIMITFIT_GRADIENT_PARTS", "opencl"), ("LIMITFIT_TUNING", "opencl"),
    ("LIMITFIT_ROW_GROUP", "opencl"), ("LIMITFIT_OPENCL_STEP", "opencl"), ("LIMITFIT_CPU_LEVEL", "cpu"),
  ])
  func everyExtremeEnvironmentValue(_ variable: String, backend: String) throws {
    for value in Self.extremes + ["", "abc"] {
      let run = try limitfitGuarded(
        ["fit", "--docs", "3", "--dim", "2", "--backend", backend], environment: [variable: value])
      expectCleanEnd(run, "\(variable)=\(value)")
    }
  }
}

/// The cases of the hostile review, each with its own answer.
@Suite struct HostileInputTests {
  static let intMax = "9223372036854775807"

  @Test(arguments: [
    (["qrels-stats", "--pattern", "random", "--queries", intMax, "--docs", "10"], "the random pattern with \(intMax) queries and 10 documents needs"),
    (["fit", "--pattern", "cycle", "--queries", intMax, "--docs", "3", "--dim", "2"], "the cycle pattern with \(intMax) queries and 3 documents needs"),
    (["witness", "--docs", intMax], "--docs (\(intMax)) must be between 3 and 10000"),
    (["witness", "--docs", "4000000000"], "--docs (4000000000) must be between 3 and 10000"),
    (["fit", "--docs", "3", "--dim", intMax], "n = 3, d = \(intMax) with 3 queries needs"),
    (["bench", "--backend", "cpu", "--dim", intMax], "n = 256, d = \(intMax) with 32640 queries needs"),
    (["critical-n", "--dim", "20000000", "--backend", "cpu"], "d = 20000000: --start defaults to the paper's cubic at d, n = 2.96e+19, more documents than a fit can hold"),
    (["curve", "--dims", "2...20000000", "--backend", "cpu"], "d = 20000000: the start defaults to the paper's cubic at d, n = 2.96e+19, more documents than a fit can hold"),
    (["critical-n", "--k", "1", "--start", "9223372036854775806", "--dim", "2", "--backend", "cpu"], "the number of documents (9223372036854775806) must be between 2 and 2147483647"),
    (["qrels-stats", "--pattern", "dense", "--queries", intMax], "the dense pattern with \(intMax) queries needs more than 2147483647 documents"),
    (["qrels-stats", "--pattern", "disjoint", "--queries", intMax], "the disjoint pattern with \(intMax) queries needs more than 2147483647 documents"),
    (["fit", "--docs", "3", "--dim", "100000000", "--backend", "cpu"], "n = 3, d = 100000000 with 3 queries needs 23.5 GiB of memory"),
    (["curve", "--dims", "2...999999999999", "--backend", "cpu"], "d = 999999999999: the start defaults to the paper's cubic at d, n = 3.7e+33"),
    (["critical-n", "--dim", "2", "--seeds", "1000000000"], "--seeds (1000000000) must be between 1 and 10000"),
    (["fit", "--docs", "3", "--dim", "2", "--lr", "1e308"], "the learning rate (1e+308) overflows float32"),
    (["fit", "--docs", "3", "--dim", "2", "--temperature", "1e-300"], "the temperature (1e-300) rounds to zero in float32"),
    (["fit", "--docs", "3", "--dim", "2", "--temperature", "1e10"], "the temperature (1e+10) must be at most 1.68e+07"),
    (["fit", "--docs", "3", "--dim", "2", "--loss", "hinge", "--margin", "1e39"], "the margin (1e+39) overflows float32"),
    (["fit", "--docs", "3", "--dim", "2", "--margin", "2"], "--margin is the margin of a loss that takes one (hinge); --loss infonce takes none"),
    (["fit", "--docs", "4", "--dim", "2", "--lr", "3e38", "--backend", "cpu"], "the fit diverged: the loss is"),
    (["fit", "--docs", "3", "--dim", "2", "--qrels", "x.tsv"], "--docs applies to --pattern or the all-subsets problem, not to a qrels file"),
    (["fit", "--dim", "2", "--pattern", "cycle", "--queries", "4", "--k", "3"], "--k 3 applies to the all-subsets problem"),
    (["fit", "--docs", "3", "--dim", "2", "--corpus", "corpus.jsonl"], "--corpus adds documents to a qrels file; give one with --qrels"),
    (["fit", "--docs", "3", "--dim", "2", "--min-score", "2"], "--min-score applies to a qrels file, not to a pattern"),
    (["qrels-stats", "\(limitSmall)/qrels.jsonl", "--min-score", "nan"], "--min-score (nan) must be a finite number"),
    (["bench", "--backend", "cpu", "--device", "0"], "--device 0 selects an OpenCL device; it does not apply to --backend cpu"),
    (["bench", "--seconds", "1e308"], "--seconds must be between 0 and 3600, not 1e+308"),
    (["critical-n", "--dim", "2", "--results", "/dev/full"], "--results /dev/full: not a regular file; it is never replaced"),
    (["fit", "--docs", "3", "--dim", "2", "--json", "/dev/full", "--overwrite"], "--json /dev/full: not a regular file; it is never replaced"),
    (["fit", "--docs", "3", "--dim", "2", "--save-embeddings", "/tmp", "--json", "/tmp/certificate.json"], "--save-embeddings /tmp would hold --json /tmp/certificate.json; name a path outside it"),
    (["critical-n", "--dim", "2", "--seeds", "3", "--seed", "18446744073709551614"], "--seed 18446744073709551614 with --seeds 3 runs past the largest seed"),
    (["critical-n", "--dim", "2", "--results", "/etc/passwd"], "results file /etc/passwd: not a limitfit results file"),
    (["curve", "--dims", "2", "--out", ""], "--out: an empty path"),
    (["curve", "--dims", "2", "--out", "/etc/passwd/curve"], "--out /etc/passwd/curve: /etc/passwd is a file, not a folder"),
    (["fit", "--docs", "3", "--dim", "2", "--json", ""], "--json: an empty path"),
    (["min-dim", "--pattern", "cycle", "--queries", "4", "--save-embeddings", "/etc/passwd"], "--save-embeddings /etc/passwd: /etc/passwd is a file, not a folder"),
  ])
  func refusedWithOneLine(_ arguments: [String], _ message: String) throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString).path
    var arguments = arguments
    if ["critical-n", "curve"].contains(arguments[0]) && !arguments.contains("--results") {
      arguments += ["--results", folder + "/fits.jsonl"]
    }
    if arguments[0] == "curve" && !arguments.contains("--out") { arguments += ["--out", folder] }
    let run = try limitfitGuarded(arguments)
    #expect(run.status == 1)
    #expect(run.standardError.hasPrefix("Error: " + message), "\(run.standardError)")
    #expect(run.standardError.split(separator: "\n").count == 1, "\(run.standardError)")
    #expect(!FileManager.default.fileExists(atPath: folder + "/curve.json"))
  }

  @Test func theCPUBackendIgnoresTheDeviceVariable() throws {
    let run = try limitfit(["fit", "--docs", "3", "--dim", "2", "--backend", "cpu"], environment: ["LIMITFIT_DEVICE": "abc"])
    #expect(run.status == 0 && run.standardError.isEmpty, "\(run.standardError)")
  }

  /// Whether the machine's only OpenCL devices are CPUs (PoCL).
  static var onlyCPUDevices: Bool {
    let devices = (try? limitfit(["devices"]).standardOutput) ?? ""
    return devices.contains("type CPU") && !devices.contains("type GPU")
  }

  @Test(.enabled(if: onlyCPUDevices, "needs an OpenCL CPU device and no GPU"))
  func autoKeepsItsChoiceOverACPUDevice() throws {
    // On a machine whose only OpenCL device is a CPU (PoCL), auto stays on the cpu backend.
    let run = try limitfit(["fit", "--docs", "3", "--dim", "2", "--json", "-"], environment: ["LIMITFIT_DEVICE": "0"])
    #expect(run.status == 0)
    #expect(run.standardOutput.contains("\"backend\" : \"cpu\""))
    #expect(run.standardError.hasPrefix("limitfit: LIMITFIT_DEVICE=0 names "), "\(run.standardError)")
    #expect(run.standardError.contains("not a GPU; auto keeps its own choice"))
  }

  @Test func aNaNCertificateIsRefusedByVerify() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString).path
    #expect(try limitfit(["fit", "--docs", "3", "--dim", "2", "--save-embeddings", folder]).status == 0)
    var data = try Data(contentsOf: URL(fileURLWithPath: folder + "/documents.npy"))
    // The last value of the last row becomes a quiet NaN.
    data.replaceSubrange((data.count - 4)..<data.count, with: [0x00, 0x00, 0xC0, 0x7F])
    try data.write(to: URL(fileURLWithPath: folder + "/documents.npy"))
    let run = try limitfit(["verify", folder, "--pattern", "dense", "--queries", "3"])
    #expect(run.status == 1)
    #expect(run.standardError.hasSuffix("documents.npy does not match the checksum certificate.json records: it was changed or damaged since it was written\n"))
    // Without the checksum (an older certificate, or one made elsewhere), the value itself is refused.
    let metadata = URL(fileURLWithPath: folder + "/certificate.json")
    var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: metadata)) as? [String: Any])
    json["checksums"] = nil
    try JSONSerialization.data(withJSONObject: json).write(to: metadata)
    let older = try limitfit(["verify", folder, "--pattern", "dense", "--queries", "3"])
    #expect(older.status == 1)
    #expect(older.standardError == "Error: \(folder)/documents.npy: row 2 holds nan, not a finite number\n")
  }
}

/// The memory estimate against the measured peak of a real run.
@Suite struct MemoryEstimateTests {
  /// The peak resident memory of one run of `limitfit`, from wait4.
  func peakResidentBytes(_ arguments: [String]) throws -> Double {
    let executable = Bundle.main.bundleURL.appendingPathComponent("limitfit").path
    var pid: pid_t = 0
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    try #require(posix_spawn(&pid, executable, &actions, nil, argv, environ) == 0)
    var status: Int32 = 0
    var usage = rusage()
    try #require(wait4(pid, &status, 0, &usage) == pid)
    #expect(status == 0)
    return Double(usage.ru_maxrss) * 1024
  }

  @Test(.disabled(if: sanitizer != nil, "a sanitizer's shadow memory is part of the peak"))
  func theCPUEstimateIsWithinFivePercentOfThePeak() throws {
    // n = 3, d = 4·10⁶: about 1 GB, in a few seconds.
    let peak = try peakResidentBytes(["fit", "--docs", "3", "--dim", "4000000", "--backend", "cpu", "--max-iterations", "2"])
    let size = try ProblemSize.allSubsets(documents: 3, k: 2, dimension: 4_000_000)
    let estimate = CPUBackend().bytesNeeded(for: size) + size.hostBytes
    #expect(abs(estimate / peak - 1) < 0.05, "estimate \(estimate), peak \(peak)")
  }
}
