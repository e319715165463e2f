import ArgumentParser
import Foundation
import LimitFit

@main
struct LimitFitCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "limitfit",
    abstract: "How much can a d-dimensional single-vector embedding represent?",
    discussion: """
      Fits free embeddings (query and document vectors optimised directly with Adam and \
      full-batch InfoNCE) to relevance matrices, after Weller et al., "On the Theoretical \
      Limitations of Embedding-Based Retrieval" (arXiv 2508.21038).
      """,
    version: limitfitVersion + (limitfitCommit.map { " (\($0))" } ?? ""),
    subcommands: [
      FitCommand.self, CriticalNCommand.self, CurveCommand.self, ReportCommand.self, ExportCommand.self,
      MinDimCommand.self, CapacityCommand.self, QrelsStatsCommand.self, VerifyCommand.self, EvalCommand.self,
      WitnessCommand.self,
      DevicesCommand.self, ValidateCommand.self, BenchCommand.self, TuneCommand.self,
    ]
  )

  /// The exit status of a negative answer — `verify`: not solved; `min-dim`: no dimension up to
  /// --max-dim; `fit --require-solved`: not solved — told apart from an error (1) and a usage
  /// error (64).
  static let negativeAnswer = ExitCode(2)

  /// Runs the command line. A failure prints one line on standard error, "Error: " and what
  /// is wrong (not the usage, which --help shows), and exits non-zero; help and the version
  /// print as usual. A library error names each setting by the running command's option for
  /// it (`SettingOptions`).
  static func main() {
    // Swift decodes the arguments as UTF-8 and repairs what is not, which would name another
    // file (a byte 0xFF becomes U+FFFD): such an argument is refused before anything reads it.
    for index in 1..<Int(CommandLine.argc) {
      guard let argument = CommandLine.unsafeArgv[index], String(validatingCString: argument) == nil else { continue }
      FileHandle.standardError.write(Data(
        "Error: argument \(index) holds bytes that are not UTF-8; limitfit cannot name such a file exactly (rename it)\n".utf8))
      Foundation.exit(1)
    }
    var parsed: (any ParsableCommand)?
    do {
      var command = try parseAsRoot()
      parsed = command
      try command.run()
    } catch {
      guard exitCode(for: error) != .success else { exit(withError: error) }
      let message = switch error {
      case let error as LimitFitError:
        // One line whatever the values in it hold: a newline in a path is written as \n.
        "Error: " + error.description(naming: { (parsed as? SettingOptions)?.settingOptions[$0] ?? $0.name })
          .replacingOccurrences(of: "\n", with: "\\n")
      case OpenCLError.noDevice(_, let count) where count > 0:
        fullMessage(for: error) + " (see limitfit devices)"
      default:
        fullMessage(for: error)
      }
      if let first = message.split(separator: "\n").first {
        FileHandle.standardError.write(Data((first + "\n").utf8))
      }
      Foundation.exit(exitCode(for: error).rawValue)
    }
  }
}

/// A command some of whose options give settings the library's errors name
/// (`LimitFitError.Setting`): such an error names the option instead.
protocol SettingOptions {
  /// The option that gives each setting this command takes.
  var settingOptions: [LimitFitError.Setting: String] { get }
}
