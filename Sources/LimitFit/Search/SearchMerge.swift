/// The critical-n searches of several results files — the shards of a job array, or runs on
/// several machines — merged into one search per dimension, with the records that disagree.
public struct SearchMerge: Sendable {
  /// One search per dimension, ascending.
  public var searches: [CriticalNSummary]
  /// One line per disagreement: two verdicts of the same fit, or two answers for the same
  /// dimension, with the places (`file:line`) and the rule used.
  public var conflicts: [String]

  /// Merges the searches in `stores` made with `settings` (the sweep aside, which never changes
  /// an answer).
  ///
  /// Rules: two records of the same fit that disagree are reported, not settled (the fits
  /// are not used here); for a dimension with several answers, the largest critical-n is
  /// chosen, since some search found it solved (existence), and the others are reported.
  ///
  /// - Throws: `LimitFitError` when no search matches, naming the settings the files hold.
  public init(_ stores: [ResultsStore], matching settings: SearchSettings) throws {
    var found: [(place: String, summary: CriticalNSummary)] = []
    var fits: [FitKey: [(place: String, result: FitResult)]] = [:]
    for store in stores {
      for (line, record) in store.records {
        switch record {
        case .criticalN(let summary): found.append(("\(store.path):\(line)", summary))
        case .fit(let result): fits[result.key, default: []].append(("\(store.path):\(line)", result))
        }
      }
    }
    conflicts = fits.sorted { $0.key.description < $1.key.description }
      .filter { Set($0.value.map(\.result.solved)).count > 1 }
      .map { key, records in
        "conflict: \(key): " + records.map {
          "\($0.result.solved ? "solved" : "not solved") in \($0.place)"
        }.joined(separator: ", ")
      }
    let matching = found.filter { $0.summary.key == settings.key(dimension: $0.summary.dimension) }
    guard !matching.isEmpty else {
      let wanted = settings
      let held = Set(found.map {
        (["k = \($0.summary.k), seeds \($0.summary.seeds.map(String.init).joined(separator: ","))"]
          + $0.summary.hyperparameters.settingsDiffering(from: wanted.hyperparameters)).joined(separator: ", ")
      })
      throw LimitFitError(
        "no critical-n search in \(stores.map(\.path).joined(separator: ", ")) matches k = \(wanted.k), seeds "
          + wanted.seeds.map(String.init).joined(separator: ",") + " and the optimiser settings"
          + (held.isEmpty ? "" : "; they hold searches with " + held.sorted().joined(separator: "; ")))
    }
    searches = []
    for (dimension, group) in Dictionary(grouping: matching, by: \.summary.dimension).sorted(by: { $0.key < $1.key }) {
      guard let best = group.max(by: { ($0.summary.criticalN ?? 0) < ($1.summary.criticalN ?? 0) }) else { continue }
      if Set(group.map { $0.summary.criticalN ?? 0 }).count > 1 {
        conflicts.append("conflict: d = \(dimension): critical-n " + group.map {
          "\($0.summary.criticalN.map(String.init) ?? "none") (\($0.place))"
        }.joined(separator: ", ") + "; using the largest, \(best.summary.criticalN.map(String.init) ?? "none")")
      }
      searches.append(best.summary)
    }
  }
}
