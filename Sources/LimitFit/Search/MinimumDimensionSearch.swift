/// The smallest dimension d at which a free-embedding fit solves a relevance matrix: gallop
/// d = 1, 2, 4, 8, … (from the smallest dimension tried, capped at the largest) until a fit
/// solves it, then binary search between the last failure and the first success. d counts as
/// solved when any seed solves it.
public struct MinimumDimensionSearch: Sendable {
  /// The smallest dimension tried: every smaller one is taken as unsolved.
  public var minimumDimension: Int
  /// The largest dimension tried.
  public var maximumDimension: Int
  /// The seeds every d is fitted with.
  public var seeds: [UInt64]

  public init(minimumDimension: Int = 1, maximumDimension: Int, seeds: [UInt64]) throws {
    guard maximumDimension >= 1 else {
      throw LimitFitError("the largest dimension (\(maximumDimension)) must be at least 1")
    }
    guard (1...maximumDimension).contains(minimumDimension) else {
      throw LimitFitError("the smallest dimension (\(minimumDimension)) must be between 1 and the largest, \(maximumDimension)")
    }
    guard !seeds.isEmpty else { throw LimitFitError("the search needs at least one seed") }
    self.minimumDimension = minimumDimension
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
    // the distance from the smallest d (the one below it is taken as unsolved, never fitted),
    // then bisecting.
    let below = minimumDimension - 1
    let probes = ExponentialSearch.doublings(from: 1, to: maximumDimension - below).lazy.map { below + $0 }
    let firstSuccess = try ExponentialSearch.boundary(from: below, through: probes) { try !solved($0) }.failing
    return (firstSuccess, outcomes.values.sorted { $0.dimension < $1.dimension })
  }
}
