import Foundation

/// How `MinimumDimensionAnswer` answers.
public enum MinimumDimensionMethod: String, CaseIterable, Sendable {
  /// Proven bounds and a construction, the optimiser inside the interval they leave, and the
  /// optimiser's own answer beside.
  case all
  /// Proven bounds and a construction only: no fit.
  case bounds
  /// The optimiser's search alone (the paper's measure).
  case optimiser
}

/// The smallest dimension in which unit vectors represent a relevance matrix, as far as it is
/// shown: geometry's bounds and construction (`DimensionBounds`), then the optimiser's search
/// inside the interval they leave and its own search beside, a solved fit counting as a bound
/// only once its embeddings are verified exactly.
///
/// The bounds are found when the answer is made, the fits by `runOptimiser(on:seeds:hyperparameters:)`,
/// so that the bounds can be shown before the fits run.
public struct MinimumDimensionAnswer: Sendable {
  /// The matrix.
  public let qrels: LabeledQrels
  /// Which of the bounds and the optimiser answer.
  public let method: MinimumDimensionMethod
  /// The largest dimension tried.
  public let maximumDimension: Int
  /// The precision the constructions are stored and checked in.
  public let precision: Precision
  /// Geometry's bounds and constructions; `nil` with `.optimiser`.
  public let bounds: DimensionBounds?
  /// The optimiser's own search (the paper's measure); `nil` until it ran, and with `.bounds`.
  public private(set) var optimiserAlone: MinimumDimensionRun?
  /// The optimiser's search inside the bounds, below the smallest construction (`.all`); `nil`
  /// when it did not run or the interval is empty.
  public private(set) var optimiserInside: MinimumDimensionRun?
  /// The seconds the optimiser's searches took.
  public private(set) var optimiserSeconds = 0.0
  /// The smallest dimension of the optimiser's fit whose embeddings verified exactly: of the
  /// search inside the bounds, or with `.optimiser` of its own search.
  public private(set) var optimiserUpper: Int?
  /// That fit where its float32 scores solved the matrix but the exact check did not: its
  /// dimension and check. It proves no bound.
  public private(set) var unverified: (dimension: Int, verification: Verification)?

  /// The answer's bounds: geometry's, unless `method` is `.optimiser`.
  ///
  /// - Throws: `LimitFitError` when a construction would not fit in the memory free now.
  public init(of qrels: LabeledQrels, method: MinimumDimensionMethod, maximumDimension: Int, precision: Precision) throws {
    self.qrels = qrels
    self.method = method
    self.maximumDimension = maximumDimension
    self.precision = precision
    bounds = method == .optimiser
      ? nil
      : try DimensionBounds(of: qrels.qrels, maximumDimension: maximumDimension, precision: precision) {
        qrels.documentIDs[$0]
      }
  }

  /// d ≥ `lower`: the bounds' lower bound, or 1.
  public var lower: Int { bounds?.lower ?? 1 }

  /// Every construction tried, smallest first: those rejected, then the one that solved.
  public var constructions: [DimensionBounds.CheckedConstruction] {
    (bounds?.rejected ?? []) + (bounds?.upper.map { [$0] } ?? [])
  }

  /// The smallest construction solved in double precision but not as stored: it represents the
  /// matrix with real vectors (the rank), though not in `precision`.
  public var realUpper: Int? { bounds?.rejected.first { $0.exact.solved }?.construction.dimension }

  /// The smallest d shown as stored in `precision` by a construction, or by the optimiser's
  /// verified fit.
  public var storedUpper: Int? {
    method == .optimiser ? optimiserUpper : optimiserUpper ?? bounds?.upper?.construction.dimension
  }

  /// The bound on the rank: the smallest d shown, in double precision or as stored; `nil` when
  /// nothing up to `maximumDimension` was.
  public var upper: Int? { [realUpper, storedUpper].compactMap { $0 }.min() }

  /// Every dimension the optimiser fitted, ascending, seed by seed (the first search's fits
  /// where both fitted a dimension).
  public var optimiserOutcomes: [MinimumDimensionSearch.Outcome] {
    let outcomes = (optimiserAlone?.outcomes ?? []) + (optimiserInside?.outcomes ?? [])
    return Dictionary(outcomes.map { ($0.dimension, $0) }) { first, _ in first }.values
      .sorted { $0.dimension < $1.dimension }
  }

  /// Runs the optimiser's own search up to `maximumDimension`, and with `.all` its search inside
  /// the bounds, then verifies exactly the embeddings of the fit that decides the bound.
  ///
  /// - Throws: the runner's errors, or `LimitFitError` when a solved fit refitted from the
  ///   store does not solve the matrix again.
  public mutating func runOptimiser(on runner: FitRunner, seeds: [UInt64], hyperparameters: Hyperparameters) throws {
    precondition(method != .bounds, "the bounds alone run no fit")
    let clock = ContinuousClock()
    let began = clock.now
    let alone = try runner.minimumDimension(
      of: qrels, maximumDimension: maximumDimension, seeds: seeds, hyperparameters: hyperparameters)
    let highest = (realUpper ?? bounds?.upper?.construction.dimension).map { $0 - 1 } ?? maximumDimension
    let inside = method == .all && lower <= highest
      ? try runner.minimumDimension(
        of: qrels, minimumDimension: lower, maximumDimension: highest, seeds: seeds, hyperparameters: hyperparameters)
      : nil
    optimiserSeconds = (clock.now - began).seconds
    (optimiserAlone, optimiserInside) = (alone, inside)
    // A fit is solved by its float32 scores; it proves a dimension only once its embeddings are
    // verified exactly.
    guard let deciding = method == .optimiser ? alone : inside, let dimension = deciding.minimumDimension else { return }
    let (_, embeddings) = try runner.certificate(of: deciding)
    let verification = Verification(
      checking: embeddings, against: qrels.qrels, queryRows: Array(0..<qrels.qrels.queryCount),
      documentRows: Array(0..<qrels.qrels.documentCount))
    if verification.solved {
      optimiserUpper = dimension
    } else {
      unverified = (dimension, verification)
    }
  }

  /// The answer as a JSON record.
  public var record: MinimumDimensionRecord { MinimumDimensionRecord(self) }
}

/// A minimum-dimension answer as `min-dim --json` writes it.
public struct MinimumDimensionRecord: Encodable, Sendable {
  /// A construction tried for the upper bound.
  public struct Tried: Encodable, Sendable {
    public var dimension: Int
    public var construction: String
    public var exactMinimumMargin: Double
    public var storedMinimumMargin: Double
    /// Solved in double precision: it proves rank_rop(A) ≤ dimension.
    public var solvedExactly: Bool
    /// Solved also as stored in the record's precision: an upper bound there.
    public var solvedAsStored: Bool
  }

  /// The qrels' path (with the files read from a folder), or the pattern.
  public var source: String
  public var queries: Int
  public var documents: Int
  public var precision: String
  public var method: String
  /// d ≥ lowerBound, for lowerReason (nil: every matrix needs a dimension, or no bounds ran).
  public var lowerBound: Int
  public var lowerReason: String?
  public var constructions: [Tried]
  /// The smallest d the optimiser alone solved (the paper's measure); nil when it did not run
  /// or solved none.
  public var optimiserAlone: Int?
  /// The smallest d shown to represent the matrix (the rank bound): in double precision or as
  /// stored; nil when none was.
  public var upperBound: Int?
  /// The smallest d shown as stored in `precision`, or by the optimiser's float32 fit.
  public var storedUpperBound: Int?

  init(_ answer: MinimumDimensionAnswer) {
    source = answer.qrels.source
    (queries, documents) = (answer.qrels.qrels.queryCount, answer.qrels.qrels.documentCount)
    precision = answer.precision.rawValue
    method = answer.method.rawValue
    lowerBound = answer.lower
    lowerReason = answer.bounds?.lowerReason
    constructions = answer.constructions.map {
      Tried(
        dimension: $0.construction.dimension, construction: $0.construction.summary,
        exactMinimumMargin: $0.exact.minimumMargin, storedMinimumMargin: $0.stored.minimumMargin,
        solvedExactly: $0.exact.solved, solvedAsStored: $0.solved)
    }
    optimiserAlone = answer.optimiserAlone?.minimumDimension
    upperBound = answer.upper
    storedUpperBound = answer.storedUpper
  }
}
