import ArgumentParser
import Foundation
import LimitFit

struct ReportCommand: ParsableCommand, SettingOptions {
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

  @Option(help: "The dimensions the curve must hold, as curve's --dims: report names any that the files lack (a lost shard) and writes nothing.")
  var dims: String?

  @OptionGroup(title: "Search")
  var search: SearchOptions

  @OptionGroup(title: "Output")
  var output: CurveOutputOptions

  var settingOptions: [LimitFitError.Setting: String] { SearchOptions.settingOptions }

  func validate() throws {
    guard !results.isEmpty else { throw LimitFitError("--results needs at least one file") }
  }

  func run() throws {
    let settings = try search.settings()
    let wanted = try dims.map(DimensionList.init(parsing:))
    var outputs = OutputPaths(inputs: results, overwrite: output.overwrite)
    let files = try output.files(in: &outputs)
    let stores = try results.map { path in
      guard FileManager.default.fileExists(atPath: path) else {
        throw LimitFitError("--results \(path) does not exist")
      }
      return try ResultsStore(path: path, warn: printToStandardError)
    }
    let merge = try SearchMerge(stores, matching: settings)
    merge.conflicts.forEach(printToStandardError)
    var searches = merge.searches
    if let dims, let wanted {
      let missing = wanted.missing(from: Set(searches.map(\.dimension)))
      guard missing.count == 0 else {
        let listed = missing.first.map(String.init).joined(separator: ", ") + (missing.count > missing.first.count ? ", …" : "")
        throw LimitFitError(
          "--dims \(dims): the results hold no matching search for \(missing.count) of them: d = \(listed)")
      }
      searches = searches.filter { wanted.contains($0.dimension) }
    }
    try output.finish(output.curve(of: searches), into: files)
  }
}
