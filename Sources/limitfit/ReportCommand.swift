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
    var searches: [(place: String, summary: CriticalNSummary)] = []
    var fits: [FitKey: [(place: String, result: FitResult)]] = [:]
    for path in results {
      guard FileManager.default.fileExists(atPath: path) else {
        throw LimitFitError("--results \(path) does not exist")
      }
      let store = try ResultsStore(path: path, warn: printToStandardError)
      for (line, record) in store.records {
        switch record {
        case .criticalN(let summary): searches.append(("\(path):\(line)", summary))
        case .fit(let result): fits[result.key, default: []].append(("\(path):\(line)", result))
        }
      }
    }
    for (key, records) in fits.sorted(by: { $0.key.description < $1.key.description })
    where Set(records.map(\.result.solved)).count > 1 {
      printToStandardError("conflict: \(key): " + records.map {
        "\($0.result.solved ? "solved" : "not solved") in \($0.place)"
      }.joined(separator: ", "))
    }

    let matching = searches.filter { $0.summary.key == search.searchKey(dimension: $0.summary.dimension) }
    guard !matching.isEmpty else {
      let found = Set(searches.map { "k = \($0.summary.k), seeds \($0.summary.seeds.map(String.init).joined(separator: ","))" })
      throw LimitFitError(
        "no critical-n search in \(results.joined(separator: ", ")) matches k = \(search.k), seeds "
          + search.seedList.map(String.init).joined(separator: ",") + " and the optimiser settings"
          + (found.isEmpty ? "" : "; they hold searches with " + found.sorted().joined(separator: "; ")))
    }
    var chosen: [CriticalNSummary] = []
    for (dimension, group) in Dictionary(grouping: matching, by: \.summary.dimension).sorted(by: { $0.key < $1.key }) {
      let answers = Set(group.map { $0.summary.criticalN ?? 0 })
      // Existence: the largest answer is chosen, since a larger solved n was found.
      guard let best = group.max(by: { ($0.summary.criticalN ?? 0) < ($1.summary.criticalN ?? 0) })
      else { continue }
      if answers.count > 1 {
        printToStandardError("conflict: d = \(dimension): critical-n " + group.map {
          "\($0.summary.criticalN.map(String.init) ?? "none") (\($0.place))"
        }.joined(separator: ", ") + "; using the largest, \(best.summary.criticalN.map(String.init) ?? "none")")
      }
      chosen.append(best.summary)
    }
    try output.finish(Curve(searches: chosen), into: files)
  }
}
