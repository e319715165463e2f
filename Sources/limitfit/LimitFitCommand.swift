import ArgumentParser
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
    version: limitfitVersion,
    subcommands: [
      FitCommand.self, CriticalNCommand.self, CurveCommand.self, ReportCommand.self,
      MinDimCommand.self, QrelsStatsCommand.self, VerifyCommand.self, WitnessCommand.self,
      WitnessLimitCommand.self,
      DevicesCommand.self, ValidateCommand.self, BenchCommand.self,
    ]
  )
}

