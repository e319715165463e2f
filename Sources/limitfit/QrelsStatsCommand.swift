import ArgumentParser
import Foundation
import LimitFit

struct QrelsStatsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "qrels-stats",
    abstract: "Sizes and the paper's graph metrics of a qrels file or a qrel pattern."
  )

  @Argument(help: "A qrels file (or use --qrels, or --pattern).")
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
    if let density = statistics.graphDensity {
      print(String(format: "graph density            %.4f", density))
    } else {
      print(String(
        format: "graph density            not computed: it lists %.3g pairs of documents (at most %.3g)",
        statistics.densityPairs, QrelsStatistics.maximumDensityPairs))
    }
    if let strength = statistics.averageQueryStrength {
      print(String(format: "average query strength   %.4f", strength))
    } else {
      print(String(
        format: "average query strength   not computed: it compares %.3g pairs of overlapping queries (at most %.3g)",
        statistics.strengthComparisons, QrelsStatistics.maximumStrengthComparisons))
    }
  }
}
