/// The smallest dimension d at which a free-embedding fit solves a relevance matrix: gallop
/// d = 1, 2, 4, 8, … (capped at the maximum) until a fit solves it, then binary search between
/// the last failure and the first success. d counts as solved when any seed solves it.
public struct MinimumDimensionSearch: Sendable {
  /// The largest dimension tried.
  public var maximumDimension: Int
  /// The seeds every d is fitted with.
  public var seeds: [UInt64]

  public init(maximumDimension: Int, seeds: [UInt64]) throws {
    guard maximumDimension >= 1 else {
      throw LimitFitError("the largest dimension (\(maximumDimension)) must be at least 1")
    }
    guard !seeds.isEmpty else { throw LimitFitError("the search needs at least one seed") }
    self.maximumDimension = maximumDimension
    self.seeds = seeds
  }

  /// What the fits in one dimension found, seed by seed.
  public struct Outcome: Sendable {
    public var dimension: Int
    public var fits: [FitResult]
    public var solved: Bool { fits.contains { $0.solved } }
  }

  /// Runs the search.
  ///
  /// - Parameter fit: fits the matrix in d dimensions with one seed; called at most once per
  ///   (d, seed), and not for later seeds of a d that an earlier seed solved.
  /// - Returns: the smallest d found solved (`nil` if not even the maximum was), and every
  ///   outcome, by ascending d.
  public func run(fit: (_ dimension: Int, _ seed: UInt64) throws -> FitResult) throws
    -> (minimumDimension: Int?, outcomes: [Outcome])
  {
    var outcomes: [Int: Outcome] = [:]
    func solved(_ d: Int) throws -> Bool {
      if let known = outcomes[d] { return known.solved }
      var fits: [FitResult] = []
      for seed in seeds {
        fits.append(try fit(d, seed))
        if fits.last?.solved == true { break }
      }
      outcomes[d] = Outcome(dimension: d, fits: fits)
      return outcomes[d]?.solved ?? false
    }

    // Unsolved up to some d, solved from there on: the boundary of "not solved", doubling
    // from d = 1 (d = 0 is taken as unsolved, never fitted), then bisecting.
    let firstSuccess = try Gallop.boundary(
      from: 0, through: Gallop.doublings(from: 1, to: maximumDimension)) { try !solved($0) }.failing
    return (firstSuccess, outcomes.values.sorted { $0.dimension < $1.dimension })
  }
}
