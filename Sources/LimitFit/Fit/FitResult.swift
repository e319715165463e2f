/// Why a fit stopped.
public enum StopReason: String, Codable, Sendable {
  /// Every query was solved, and the fit stops when solved.
  case solved
  /// The loss stopped improving (early stopping).
  case plateau
  /// The fit reached the maximum number of iterations.
  case iterationLimit = "iteration-limit"
}

/// The record of one fit: what was fitted, how, and what came of it.
public struct FitResult: Codable, Equatable, Sendable {
  /// The number of documents n.
  public var documents: Int
  /// The embedding dimension d.
  public var dimension: Int
  /// k of the all-k-subsets problem; `nil` for other relevance matrices.
  public var k: Int?
  /// The content digest of any other relevance matrix (`LabeledQrels.digest`).
  public var qrelsDigest: String?
  /// The number of queries m.
  public var queries: Int
  /// The number of relevant pairs P.
  public var relevantPairs: Int
  /// The settings of the fit, its seed among them.
  public var hyperparameters: Hyperparameters
  /// The steps evaluated.
  public var iterations: Int
  /// The first step whose scores solved every query, if any did.
  public var firstSolvedIteration: Int?
  /// The loss at the last step.
  public var finalLoss: Double
  /// The lowest loss at any step.
  public var bestLoss: Double
  /// The paper's top-k accuracy at the last step.
  public var accuracy: Double
  /// The queries solved at the last step.
  public var solvedQueries: Int
  /// Whether the fit represents the matrix, by its verdict (`Hyperparameters.verdict`): some
  /// step solved every query exactly, or the paper's sampled top-k accuracy reached 1.0.
  public var solved: Bool
  /// Why the fit stopped.
  public var stopReason: StopReason
  /// Seconds from the start of the fit to its end, set-up included.
  public var wallSeconds: Double
  /// Steps per second of the optimisation loop.
  public var iterationsPerSecond: Double
  /// The backend that ran the fit.
  public var backend: String
  /// The device that ran the fit.
  public var device: String
  /// The version of limitfit that ran the fit.
  public var toolVersion: String = limitfitVersion
  /// The git commit of the build (`limitfitCommit`); `nil` in older records and in builds
  /// outside a git checkout.
  public var gitCommit: String? = limitfitCommit
  /// When the record was made (ISO 8601, UTC); `nil` in records older than the field.
  public var finishedAt: String? = RecordStamp.now()
  /// The machine that ran the fit; `nil` in records older than the field.
  public var host: String? = RecordStamp.thisHost

  /// A record with every field given (the tool's version is this build's).
  public init(
    documents: Int, dimension: Int, k: Int?, qrelsDigest: String? = nil, queries: Int, relevantPairs: Int,
    hyperparameters: Hyperparameters, iterations: Int, firstSolvedIteration: Int?, finalLoss: Double,
    bestLoss: Double, accuracy: Double, solvedQueries: Int, solved: Bool, stopReason: StopReason,
    wallSeconds: Double, iterationsPerSecond: Double, backend: String, device: String
  ) {
    self.documents = documents
    self.dimension = dimension
    self.k = k
    self.qrelsDigest = qrelsDigest
    self.queries = queries
    self.relevantPairs = relevantPairs
    self.hyperparameters = hyperparameters
    self.iterations = iterations
    self.firstSolvedIteration = firstSolvedIteration
    self.finalLoss = finalLoss
    self.bestLoss = bestLoss
    self.accuracy = accuracy
    self.solvedQueries = solvedQueries
    self.solved = solved
    self.stopReason = stopReason
    self.wallSeconds = wallSeconds
    self.iterationsPerSecond = iterationsPerSecond
    self.backend = backend
    self.device = device
  }

  /// The parameters that decide this fit's outcome.
  public var key: FitKey {
    FitKey(
      documents: documents, dimension: dimension, k: k, qrelsDigest: qrelsDigest,
      hyperparameters: hyperparameters)
  }
}

/// Everything that decides a fit's outcome: a stored fit with the same key is reused instead of
/// being computed again. The backend is not part of it: backends agree up to rounding.
public struct FitKey: Hashable, Sendable, CustomStringConvertible {
  public var documents: Int
  public var dimension: Int
  public var k: Int?
  public var qrelsDigest: String?
  public var hyperparameters: Hyperparameters

  public init(documents: Int, dimension: Int, k: Int?, qrelsDigest: String? = nil, hyperparameters: Hyperparameters) {
    self.documents = documents
    self.dimension = dimension
    self.k = k
    self.qrelsDigest = qrelsDigest
    self.hyperparameters = hyperparameters
  }

  public var description: String {
    "n = \(documents), d = \(dimension)" + (k.map { ", k = \($0)" } ?? "")
      + (qrelsDigest.map { ", qrels \($0)" } ?? "") + ", seed \(hyperparameters.seed)"
  }
}
