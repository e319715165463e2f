/// Exponential (galloping) search, with which every limit in limitfit is found: gallop through
/// probes moving away from a point where a predicate holds until one where it fails, then bisect
/// between the last point that held and that one. The predicate is assumed to hold on one side
/// of a boundary and fail on the other (near the critical-n it is only roughly so; the answer is
/// then one boundary).
enum ExponentialSearch {
  /// The boundary of `holds`, from `known`, a point where it holds (or is taken to hold
  /// without asking), through `probes`, points moving away from it in one direction.
  ///
  /// - Returns: the last point where `holds` held — adjacent to `failing` — and the first
  ///   point where it failed; `failing` is `nil` when it held at every probe.
  /// - Complexity: the probes until the first failure, then log₂ of the gap.
  static func boundary<Probes: Sequence<Int>>(
    from known: Int, through probes: Probes, _ holds: (Int) throws -> Bool
  ) rethrows -> (holding: Int, failing: Int?) {
    var holding = known
    for probe in probes {
      guard try holds(probe) else { return try bisect(holding: holding, failing: probe, holds) }
      holding = probe
    }
    return (holding, nil)
  }

  /// Bisects between a point where `holds` held and one where it failed, in either order,
  /// until they are adjacent; the middle is always rounded towards the smaller of the two.
  private static func bisect(holding: Int, failing: Int, _ holds: (Int) throws -> Bool) rethrows
    -> (holding: Int, failing: Int?)
  {
    var (holding, failing) = (holding, failing)
    while abs(failing - holding) > 1 {
      let (low, high) = (min(holding, failing), max(holding, failing))
      let middle = low + (high - low) / 2
      if try holds(middle) { holding = middle } else { failing = middle }
    }
    return (holding, failing)
  }

  /// 1, 2, 4, … doubling from `first` up to `last`, which ends the sequence.
  static func doublings(from first: Int, to last: Int) -> UnfoldSequence<Int, (Int?, Bool)> {
    sequence(first: first) { $0 < last ? ($0 > last / 2 ? last : 2 * $0) : nil }
  }
}
