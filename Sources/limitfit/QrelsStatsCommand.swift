import ArgumentParser
import Foundation
import LimitFit

struct QrelsStatsCommand: ParsableCommand {
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

  func run() throws {
    guard let labeled = try source.load(file: file, documents: docs) else {
      throw LimitFitError("give a qrels file or --pattern")
    }
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
  }

  /// A metric's value, or why it was not computed: the work it takes beyond its limit.
  private func metric(_ value: Double?, work: Double, limit: Double, of verb: String, _ what: String) -> String {
    value.map { String(format: "%.4f", $0) }
      ?? "not computed: it \(verb) \(Curve.abbreviated(work)) \(what) (at most \(Curve.abbreviated(limit)))"
  }
}
