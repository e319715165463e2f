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
  /// print as usual.
  static func main() {
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch {
      guard exitCode(for: error) != .success else { exit(withError: error) }
      let message = fullMessage(for: error)
      if let first = message.split(separator: "\n").first {
        FileHandle.standardError.write(Data((first + "\n").utf8))
      }
      Foundation.exit(exitCode(for: error).rawValue)
    }
  }
}
