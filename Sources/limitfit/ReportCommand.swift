import ArgumentParser
import Foundation
import LimitFit

struct ReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "The curve, its cubic and extrapolations from existing results files, without fitting.",
    discussion: """
      Merges the critical-n searches of one or more results files (for example the shards of a \
      job array) that match the given k, seeds and optimiser settings, and writes the same \
      table and files as 'limitfit curve'. Records that disagree about the same parameters are \
      listed as conflicts, with the rule used to settle them.
      """
  )

  @Option(parsing: .upToNextOption, help: "Results files (JSON Lines) to merge.")
  var results: [String]

  @OptionGroup(title: "Search")
  var search: SearchOptions

  @OptionGroup(title: "Output")
  var output: CurveOutputOptions

  func run() throws {
    try search.check()
    guard !results.isEmpty else { throw LimitFitError("--results needs at least one file") }
    let files = try output.files()
    let stores = try results.map { path in
      guard FileManager.default.fileExists(atPath: path) else {
        throw LimitFitError("--results \(path) does not exist")
      }
      return try ResultsStore(path: path, warn: printToStandardError)
    }
    let merge = try SearchMerge(stores) { search.searchKey(dimension: $0) }
    merge.conflicts.forEach(printToStandardError)
    try output.finish(Curve(searches: merge.searches), into: files)
  }
}
