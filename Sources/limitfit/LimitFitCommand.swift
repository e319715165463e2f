import ArgumentParser

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
    version: toolVersion,
    subcommands: [FitCommand.self, DevicesCommand.self, ValidateCommand.self]
  )
}

/// The version recorded with every result.
let toolVersion = "0.1.0"
