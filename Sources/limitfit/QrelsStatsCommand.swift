import ArgumentParser
import Foundation
import LimitFit

struct QrelsStatsCommand: ParsableCommand, SettingOptions {
  static let configuration = CommandConfiguration(
    commandName: "qrels-stats",
    abstract: "Sizes and the paper's graph metrics of a qrels file or a qrel pattern."
  )

  @Argument(help: "A qrels file or a data set's folder, as --qrels takes (or use --qrels, or --pattern).")
  var file: String?

  @OptionGroup(title: "Relevance matrix")
  var source: QrelsOptions

  @Option(help: "The number of documents of a pattern.")
  var docs: Int?

  @Option(help: "Write the statistics as JSON to this file, or to standard output with '-'.")
  var json: String?

  @Flag(help: "Replace the --json file if it exists.")
  var overwrite = false

  var settingOptions: [LimitFitError.Setting: String] { QrelsOptions.settingOptions }

  func run() throws {
    var outputs = OutputPaths(inputs: source.inputs + [file].compactMap { $0 }, overwrite: overwrite)
    let output = try json.map { try JSONOutput(path: $0, in: &outputs) }
    guard let labeled = try source.load(file: file, documents: docs) else {
      throw LimitFitError("give a qrels file or --pattern")
    }
    func print(_ line: String) { JSONOutput.report(line, beside: output) }
    try SystemMemory.require(QrelsStatistics.bytesNeeded(for: labeled.qrels), for: "the statistics of \(labeled.source)")
    let statistics = QrelsStatistics(labeled.qrels)
    print(describe(labeled))
    print("queries                  \(statistics.queries)")
    print("documents                \(statistics.documents) (\(statistics.relevantDocuments) relevant to some query)")
    print(String(
      format: "relevant per query       %d to %d, mean %.3f", statistics.relevantPerQuery.minimum,
      statistics.relevantPerQuery.maximum, statistics.relevantPerQuery.mean))
    print("graph density            " + metric(
      statistics.graphDensity, work: statistics.densityPairs, limit: QrelsStatistics.maximumDensityPairs,
      of: "lists", "pairs of documents"))
    print("average query strength   " + metric(
      statistics.averageQueryStrength, work: statistics.strengthComparisons,
      limit: QrelsStatistics.maximumStrengthComparisons, of: "compares", "pairs of overlapping queries"))
    try output?.write(Stamped(QrelsStatsRecord(
      source: labeled.source, queries: statistics.queries, documents: statistics.documents,
      relevantDocuments: statistics.relevantDocuments, relevantPairs: labeled.qrels.relevantPairCount,
      relevantPerQuery: .init(
        minimum: statistics.relevantPerQuery.minimum, mean: statistics.relevantPerQuery.mean,
        maximum: statistics.relevantPerQuery.maximum),
      graphDensity: statistics.graphDensity, averageQueryStrength: statistics.averageQueryStrength,
      droppedQueries: labeled.droppedQueries, duplicatePairs: labeled.duplicatePairs)))
  }

  /// A metric's value, or why it was not computed: the work it takes beyond its limit.
  private func metric(_ value: Double?, work: Double, limit: Double, of verb: String, _ what: String) -> String {
    value.map { String(format: "%.4f", $0) }
      ?? "not computed: it \(verb) \(Curve.abbreviated(work)) \(what) (at most \(Curve.abbreviated(limit)))"
  }
}

/// The JSON `qrels-stats --json` writes.
private struct QrelsStatsRecord: Encodable {
  struct Range: Encodable {
    var minimum: Int
    var mean: Double
    var maximum: Int
  }

  var source: String
  var queries: Int
  var documents: Int
  var relevantDocuments: Int
  var relevantPairs: Int
  var relevantPerQuery: Range
  /// nil (absent) where the metric was not computed: its work is beyond the limit.
  var graphDensity: Double?
  var averageQueryStrength: Double?
  var droppedQueries: Int
  var duplicatePairs: Int
}
