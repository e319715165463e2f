/// The paper's fit through its measured critical-n (Weller et al. 2025):
/// critical-n ≈ −10.5322 + 4.0309 d + 0.0520 d² + 0.0037 d³.
public let paperCubic = Cubic(coefficients: [-10.5322, 4.0309, 0.0520, 0.0037])

/// What the fits of one n found, seed by seed.
public struct SizeOutcome: Codable, Equatable, Sendable {
  /// The number of documents n.
  public var documents: Int
  /// One fit per seed, in seed order.
  public var fits: [FitResult]

  /// Whether some seed solved it: n counts as solved when a solution exists.
  public var solved: Bool { fits.contains { $0.solved } }
}

/// The paper's search for the largest n whose every k-subset query a d-dimensional fit solves
/// (docs/MATHEMATICS.md §2): gallop from a start, binary search between the last success and the first
/// failure, then sweep n − 4 … n + 5 around the answer, because near the edge the outcome is
/// random rather than monotone in n.
public struct CriticalNSearch: Sendable {
  /// The embedding dimension d.
  public var dimension: Int
  /// k, the seeds, the sweep and the fits' settings.
  public var settings: SearchSettings
  /// The first n tried.
  public var start: Int

  /// The number of relevant documents per query.
  public var k: Int { settings.k }
  /// The seeds every n is fitted with; n is solved when any of them solves it.
  public var seeds: [UInt64] { settings.seeds }
  /// The sweep around the answer n (`SearchSettings.sweepRadius`).
  public var sweepRadius: Int { settings.sweepRadius }

  /// The default start: the paper's cubic at d, rounded, at least k + 1; `nil` when that is
  /// more than any fit can hold (`QrelsPattern.maximumDocuments`).
  public static func defaultStart(dimension: Int, k: Int) -> Int? {
    let cubic = paperCubic(Double(dimension)).rounded()
    guard cubic <= Double(QrelsPattern.maximumDocuments) else { return nil }
    return max(k + 1, Int(cubic))
  }

  /// Creates the search in `dimension` dimensions with `settings`; `start` defaults to
  /// `defaultStart(dimension:k:)`.
  ///
  /// - Throws: `LimitFitError` naming `.start` for a start of k or less, or where the paper's
  ///   cubic starts beyond what a fit can hold.
  public init(dimension: Int, settings: SearchSettings, start: Int? = nil) throws {
    guard let start = start ?? Self.defaultStart(dimension: dimension, k: settings.k) else {
      let cubic = Curve.abbreviated(paperCubic(Double(dimension)))
      throw LimitFitError(
        "d = \(dimension): \(.start) defaults to the paper's cubic at d, n = \(cubic), more documents than a fit can hold")
    }
    guard start > settings.k else {
      throw LimitFitError("\(.start) (\(start)) must be more than k (\(settings.k))")
    }
    self.dimension = dimension
    self.settings = settings
    self.start = start
  }

  /// The search with the paper's optimiser settings (`SearchSettings.init`).
  ///
  /// - Throws: `LimitFitError` for settings out of range (`SearchSettings`) or a bad start.
  public init(dimension: Int, k: Int, seeds: [UInt64], start: Int? = nil, sweepRadius: Int = 5) throws {
    try self.init(
      dimension: dimension, settings: SearchSettings(k: k, seeds: seeds, sweepRadius: sweepRadius), start: start)
  }

  /// The widest sweep: 1000 sizes on each side.
  public static let maximumSweepRadius = 1000

  /// One fit the search asks for.
  public struct FitRequest: Hashable, Sendable {
    public var documents: Int
    public var seed: UInt64
  }

  /// Runs the search, one fit at a time.
  ///
  /// - Parameter fit: fits n documents with one seed; called at most once per (n, seed).
  /// - Returns: the critical-n and every outcome behind it.
  public func run(fit: (_ documents: Int, _ seed: UInt64) throws -> FitResult) throws -> CriticalNResult {
    try run(fits: { requests in try requests.map { try fit($0.documents, $0.seed) } })
  }

  /// Runs the search, asking for fits in batches that do not depend on each other: the seeds
  /// of one n, and the whole sweep. A batch's fits may run at once; the answer is the same as
  /// one at a time, since no fit depends on another of its batch.
  ///
  /// - Parameter fits: fits each request and returns the results in request order; every
  ///   (n, seed) is asked for at most once.
  public func run(fits: (_ batch: [FitRequest]) throws -> [FitResult]) throws -> CriticalNResult {
    var outcomes: [Int: SizeOutcome] = [:]
    var path: [Int] = []
    /// Fits every n of `sizes` not fitted yet, with every seed, in one batch.
    func fit(_ sizes: [Int]) throws {
      let new = sizes.filter { outcomes[$0] == nil }
      let requests = new.flatMap { n in seeds.map { FitRequest(documents: n, seed: $0) } }
      guard !requests.isEmpty else { return }
      let results = try fits(requests)
      precondition(results.count == requests.count, "\(results.count) results for \(requests.count) fits")
      for (index, n) in new.enumerated() {
        outcomes[n] = SizeOutcome(
          documents: n, fits: Array(results[(index * seeds.count)..<((index + 1) * seeds.count)]))
        path.append(n)
      }
    }
    func solved(_ n: Int) throws -> Bool {
      try fit([n])
      return outcomes[n]!.solved
    }

    // 1 and 2. Gallop from the start by ± 1, 2, 4, … until the outcome changes, then bisect.
    let lastSuccess: Int?
    if try solved(start) {
      // start + 1, + 2, + 4, …; past Int.max no size can be fitted (the backends refuse sizes
      // long before), so the sequence ends there.
      let upwards = sequence(state: 1) { step -> Int? in
        let (n, overflow) = start.addingReportingOverflow(step)
        let (next, doubled) = step.multipliedReportingOverflow(by: 2)
        step = doubled ? Int.max : next
        return overflow ? nil : n
      }
      let (last, failing) = try ExponentialSearch.boundary(from: start, through: upwards, solved)
      guard failing != nil else { throw LimitFitError("the search passed n = \(last) still solving") }
      lastSuccess = last
    } else {
      // start − 1, − 2, − 4, … down to n = k + 1, the smallest problem, which ends it; if even
      // that fails, nothing is solved.
      let smallest = k + 1
      let downwards = sequence(state: start > smallest ? 1 : 0) { step -> Int? in
        guard step > 0 else { return nil }
        let n = max(start - step, smallest)
        step = n == smallest ? 0 : 2 * step
        return n
      }
      lastSuccess = try ExponentialSearch.boundary(from: start, through: downwards) { try !solved($0) }.failing
    }

    // 3. The sweep around the answer, for the plot.
    if let critical = lastSuccess, sweepRadius > 0 {
      let upper = critical.addingReportingOverflow(sweepRadius)
      try fit(((critical - sweepRadius + 1)...(upper.overflow ? Int.max : upper.partialValue)).filter { $0 > k })
    }
    return CriticalNResult(
      dimension: dimension, k: k, seeds: seeds, start: start, sweepRadius: sweepRadius, searchAnswer: lastSuccess,
      searchPath: path, outcomes: outcomes.values.sorted { $0.documents < $1.documents })
  }
}

/// The answer of a critical-n search, with its evidence.
public struct CriticalNResult: Codable, Equatable, Sendable {
  public var dimension: Int
  public var k: Int
  public var seeds: [UInt64]
  public var start: Int
  /// The sweep's radius R (n − R + 1 … n + R around the answer).
  public var sweepRadius: Int = 5
  /// Where the gallop and the bisection stopped: a solved n whose n + 1 was not solved (the
  /// paper's script's answer); `nil` when not even n = k + 1 was solved.
  public var searchAnswer: Int?
  /// The n of the gallop, binary search and sweep, in the order first fitted.
  public var searchPath: [Int]
  /// Every n fitted, ascending.
  public var outcomes: [SizeOutcome]

  /// Seconds spent in fits that solved, and in fits that did not — those run until the loss
  /// stops improving, and are most of a search's time — as their records give them.
  public var fitSeconds: (solving: Double, failing: Double) {
    outcomes.flatMap(\.fits).reduce((0.0, 0.0)) { total, fit in
      fit.solved ? (total.0 + fit.wallSeconds, total.1) : (total.0, total.1 + fit.wallSeconds)
    }
  }

  /// The critical-n (docs/MATHEMATICS.md §2): the largest n some seed solved among every n
  /// fitted — the gallop, the bisection and the sweep; at least `searchAnswer`. `nil` when no
  /// n was solved.
  public var criticalN: Int? { outcomes.filter(\.solved).map(\.documents).max() }

  /// The fitted n above the search's answer that some seed solved anyway: the edge is not
  /// sharp.
  public var solvedAbove: [Int] {
    guard let searchAnswer else { return [] }
    return outcomes.filter { $0.documents > searchAnswer && $0.solved }.map(\.documents)
  }
}

/// A search as stored in a results file: its settings and its answer; its fits are stored
/// beside it as fit records.
public struct CriticalNSummary: Codable, Equatable, Sendable {
  /// Throws `DecodingError.dataCorrupted` where a value lies outside what any search writes
  /// (dimensions and numbers of documents are 32-bit: a fit holds no more), so that a damaged
  /// or hand-made record is refused rather than plotted or merged.
  func checkRanges() throws {
    let largest = Int(Int32.max)
    func require(_ holds: Bool, _ what: String) throws {
      guard holds else { throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: what)) }
    }
    try require((1...largest).contains(dimension), "the dimension \(dimension) is not within 1 … \(largest)")
    try require((1...largest).contains(k), "k = \(k) is not within 1 … \(largest)")
    try require(tested.count == solved.count, "\(tested.count) sizes tested but \(solved.count) verdicts")
    for n in [start] + [criticalN, searchAnswer].compactMap({ $0 }) + tested + (criticalNBySeed ?? []).compactMap({ $0 }) {
      try require((0...largest).contains(n), "a number of documents, \(n), is not within 0 … \(largest)")
    }
  }

  /// The summary of `result`, whose fits used `hyperparameters` (with each seed).
  public init(
    _ result: CriticalNResult, hyperparameters: Hyperparameters, wallSeconds: Double,
    backend: any FitBackend
  ) {
    dimension = result.dimension
    k = result.k
    seeds = result.seeds
    start = result.start
    self.hyperparameters = hyperparameters
    sweepRadius = result.sweepRadius
    criticalN = result.criticalN
    searchAnswer = result.searchAnswer
    criticalNBySeed = result.seeds.indices.map { seed in
      result.outcomes.filter { $0.fits.indices.contains(seed) && $0.fits[seed].solved }.map(\.documents).max()
    }
    tested = result.outcomes.map(\.documents)
    solved = result.outcomes.map(\.solved)
    self.wallSeconds = wallSeconds
    self.backend = backend.name
    device = backend.device
  }

  public var dimension: Int
  public var k: Int
  public var seeds: [UInt64]
  public var start: Int
  /// The settings every fit used, but for the seed.
  public var hyperparameters: Hyperparameters
  /// The sweep's radius; `nil` in records older than the field (which swept n − 4 … n + 5).
  public var sweepRadius: Int?
  /// The largest n some seed solved among every n fitted (docs/MATHEMATICS.md §2).
  public var criticalN: Int?
  /// Where the gallop and the bisection stopped (the paper's script's answer); at most
  /// `criticalN`.
  public var searchAnswer: Int?
  /// Per seed, the largest n of the search's fits (gallop, bisection, sweep) that seed solved
  /// (`nil`: none): the spread behind `criticalN`, their largest. `nil` in records older than
  /// the field.
  public var criticalNBySeed: [Int?]?
  /// Every n fitted and whether some seed solved it, ascending.
  public var tested: [Int]
  public var solved: [Bool]
  public var wallSeconds: Double
  public var backend: String
  public var device: String
  public var toolVersion: String = limitfitVersion
  /// The git commit of the build (`limitfitCommit`); `nil` in older records and in builds
  /// outside a git checkout.
  public var gitCommit: String? = limitfitCommit
  /// When the record was made (ISO 8601, UTC); `nil` in records older than the field.
  public var finishedAt: String? = RecordStamp.now()
  /// The machine that ran the search; `nil` in records older than the field.
  public var host: String? = RecordStamp.thisHost

  /// The record as this version writes it. Records older than `searchAnswer` stored the
  /// search's answer as `criticalN`: it moves to `searchAnswer`, and `criticalN` becomes the
  /// largest n solved, as `tested` and `solved` record it.
  public mutating func upgrade() {
    if searchAnswer == nil { searchAnswer = criticalN }
    criticalN = zip(tested, solved).filter(\.1).map(\.0).max()
  }

  /// What makes two searches the same search.
  public var key: SearchKey {
    SearchKey(dimension: dimension, k: k, seeds: seeds, hyperparameters: hyperparameters)
  }
}

/// What a critical-n search runs with, but for its dimension and start: k, the seeds, every
/// fit's optimiser settings and the sweep, checked once, here.
public struct SearchSettings: Sendable {
  /// The number of relevant documents per query.
  public let k: Int
  /// The seeds every n is fitted with; n is solved when any of them solves it.
  public let seeds: [UInt64]
  /// Every fit's settings; the seed is each of `seeds` in turn.
  public let hyperparameters: Hyperparameters
  /// The sweep around the answer n, for the plot and the seeds' spread: n − R + 1 … n + R
  /// (the paper's R = 5: n − 4 … n + 5); 0 fits nothing more. It never changes the answer.
  public let sweepRadius: Int

  /// The paper's: k = 2, one seed (42), its optimiser and its sweep.
  public static let paper = SearchSettings(
    checked: 2, seeds: [Hyperparameters().seed], hyperparameters: Hyperparameters(), sweepRadius: 5)

  /// Checks and keeps the settings.
  ///
  /// - Throws: `LimitFitError` for an optimiser setting out of range
  ///   (`Hyperparameters.validate()`), then naming `.k` or `.sweepRadius` out of range, or
  ///   without seeds.
  public init(k: Int, seeds: [UInt64], hyperparameters: Hyperparameters = Hyperparameters(), sweepRadius: Int = 5) throws {
    try hyperparameters.validate()
    guard (1...ProblemSize.maximumK).contains(k) else {
      throw LimitFitError("\(.k) (\(k)) must be between 1 and \(ProblemSize.maximumK)")
    }
    guard !seeds.isEmpty else { throw LimitFitError("the search needs at least one seed") }
    guard (0...CriticalNSearch.maximumSweepRadius).contains(sweepRadius) else {
      throw LimitFitError("\(.sweepRadius) (\(sweepRadius)) must be between 0 and \(CriticalNSearch.maximumSweepRadius)")
    }
    self.init(checked: k, seeds: seeds, hyperparameters: hyperparameters, sweepRadius: sweepRadius)
  }

  private init(checked k: Int, seeds: [UInt64], hyperparameters: Hyperparameters, sweepRadius: Int) {
    self.k = k
    self.seeds = seeds
    self.hyperparameters = hyperparameters
    self.sweepRadius = sweepRadius
  }

  /// The key of the search with these settings in `dimension` dimensions.
  public func key(dimension: Int) -> SearchKey {
    SearchKey(dimension: dimension, k: k, seeds: seeds, hyperparameters: hyperparameters)
  }
}

/// Everything that decides a search's answer.
public struct SearchKey: Hashable, Sendable {
  public var dimension: Int
  public var k: Int
  public var seeds: [UInt64]
  /// The settings, with the seed zeroed: the seeds are listed above.
  public var hyperparameters: Hyperparameters

  public init(dimension: Int, k: Int, seeds: [UInt64], hyperparameters: Hyperparameters) {
    var settings = hyperparameters
    settings.seed = 0
    self.dimension = dimension
    self.k = k
    self.seeds = seeds
    self.hyperparameters = settings
  }
}
