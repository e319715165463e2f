import Dispatch
import Foundation

/// Runs fits and searches on one backend, reusing and appending the fits of a results store:
/// the store lookup, the batching, the concurrency and the progress events that every
/// command that fits shares. The searches decide which fits they need; the runner decides how
/// they run.
public final class FitRunner: Sendable {
  /// Where fits are looked up first and appended as they finish.
  public let store: ResultsStore
  /// Where new fits run.
  public let backend: any FitBackend
  private let report: @Sendable (Event) -> Void

  /// What the runner reports while it works, from the thread of the fit concerned.
  public enum Event: Sendable {
    /// A fit in progress, about every 0.1 s.
    case progress(label: String, FitProgress)
    /// A fit done: run now, or `reused` from the store.
    case finished(label: String, FitResult, reused: Bool)
  }

  /// Creates a runner.
  ///
  /// - Parameter events: receives progress and each finished fit; progress is reported only
  ///   when `reportsProgress` (it costs a clock read per step).
  public init(
    store: ResultsStore, backend: any FitBackend, reportsProgress: Bool = false,
    events: @escaping @Sendable (Event) -> Void = { _ in }
  ) {
    self.store = store
    self.backend = backend
    self.reportsProgress = reportsProgress
    report = events
  }

  private let reportsProgress: Bool

  /// The stored result of `fit`, or the fit run now and appended to the store before it is
  /// returned.
  ///
  /// - Returns: the result, and the fitted embeddings; `nil` embeddings mean the result came
  ///   from the store.
  public func run(_ fit: FreeEmbeddingFit, label: String) throws -> (result: FitResult, embeddings: Embeddings?) {
    if let stored = store.fit(for: fit.key) {
      report(.finished(label: label, stored, reused: true))
      return (stored, nil)
    }
    let report = self.report
    let (result, embeddings) = try fit.run(
      on: backend, progress: reportsProgress ? { report(.progress(label: label, $0)) } : nil)
    try store.append(.fit(result))
    report(.finished(label: label, result, reused: false))
    return (result, embeddings)
  }

  /// The results of `fits`, as `run(_:label:)` gives each, in the order given, each with
  /// whether it came from the store. The fits run at once, each on its own thread, where there
  /// are several and the backend says one cannot keep it busy; else one after another. The
  /// results are the same either way.
  public func run(_ fits: [FreeEmbeddingFit], labels: [String], concurrently: Bool? = nil) throws
    -> [(result: FitResult, reused: Bool)]
  {
    precondition(labels.count == fits.count, "\(labels.count) labels for \(fits.count) fits")
    return try run(
      sizes: fits.map(\.size), keys: fits.map(\.key), labels: labels, concurrently: concurrently,
      making: { fits[$0] })
  }

  /// `run(_:labels:concurrently:)` for fits of `sizes` that `making` builds only when each is
  /// about to run, so that a batch holds the relevance matrices of the fits in flight only
  /// (a sweep of 2000 sizes held them all: gigabytes before its first fit). A fit whose key is
  /// in the store is not built at all.
  func run(
    sizes: [ProblemSize], keys: [FitKey], labels: [String], concurrently: Bool?,
    making fit: @Sendable @escaping (Int) throws -> FreeEmbeddingFit
  ) throws -> [(result: FitResult, reused: Bool)] {
    let concurrently = concurrently
      ?? (sizes.count > 1 && sizes.allSatisfy { backend.runsFitsConcurrently(of: $0) })
    let results = BatchResults(count: sizes.count)
    let body = { @Sendable (index: Int) in
      results[index] = Result {
        if let stored = self.store.fit(for: keys[index]) {
          self.report(.finished(label: labels[index], stored, reused: true))
          return (stored, true)
        }
        let (result, embeddings) = try self.run(try fit(index), label: labels[index])
        return (result, embeddings == nil)
      }
    }
    if concurrently {
      DispatchQueue.concurrentPerform(iterations: sizes.count, execute: body)
    } else {
      for index in sizes.indices { body(index) }
    }
    return try results.values.map { try $0!.get() }
  }
}

/// One slot per fit of a batch, each written by one thread.
private final class BatchResults: @unchecked Sendable {
  private(set) var values: [Result<(result: FitResult, reused: Bool), any Error>?]
  private let lock = NSLock()

  init(count: Int) { values = Array(repeating: nil, count: count) }

  subscript(index: Int) -> Result<(result: FitResult, reused: Bool), any Error>? {
    get { lock.withLock { values[index] } }
    set { lock.withLock { values[index] = newValue } }
  }
}

extension FitRunner {
  /// The critical-n search in `dimension` dimensions (docs/MATHEMATICS.md §2), each batch of
  /// its fits run by `run(_:labels:)`; its summary is appended to the store.
  ///
  /// - Parameters:
  ///   - settings: k, the seeds, every fit's settings (the seed is each seed in turn) and the
  ///     sweep.
  ///   - start: the first n; by default the paper's cubic at d.
  /// - Returns: the search's answer and evidence, its stored summary, and how many fits came
  ///   from the store.
  public func criticalN(dimension: Int, settings: SearchSettings, start: Int? = nil) throws
    -> (result: CriticalNResult, summary: CriticalNSummary, reused: Int)
  {
    let clock = ContinuousClock()
    let began = clock.now
    let search = try CriticalNSearch(dimension: dimension, settings: settings, start: start)
    let (k, hyperparameters) = (settings.k, settings.hyperparameters)
    var reused = 0
    let backend = self.backend
    let result = try search.run(fits: { requests in
      let sizes = try requests.map { try ProblemSize.allSubsets(documents: $0.documents, k: k, dimension: dimension) }
      let labels = requests.map { "d = \(dimension), n = \($0.documents), seed \($0.seed)" }
      let settings = requests.map { request in
        var settings = hyperparameters
        settings.seed = request.seed
        return settings
      }
      let keys = requests.indices.map { index in
        FitKey(documents: requests[index].documents, dimension: dimension, k: k, hyperparameters: settings[index])
      }
      let results = try run(sizes: sizes, keys: keys, labels: labels, concurrently: nil) { index in
        try FreeEmbeddingFit(
          documents: requests[index].documents, k: k, dimension: dimension, hyperparameters: settings[index],
          checkingCapacityOf: backend)
      }
      reused += results.filter(\.reused).count
      return results.map(\.result)
    })
    let summary = CriticalNSummary(
      result, hyperparameters: hyperparameters, wallSeconds: (clock.now - began).seconds,
      backend: backend)
    try store.append(.criticalN(summary))
    return (result, summary, reused)
  }

  /// Throws unless the first fit of the critical-n search in `dimension` dimensions can run on
  /// the backend: what a curve checks for its largest dimension before fitting anything.
  public func checkCriticalNStart(dimension: Int, settings: SearchSettings, start: Int? = nil) throws {
    let search = try CriticalNSearch(dimension: dimension, settings: settings, start: start)
    _ = try FreeEmbeddingFit(
      documents: search.start, k: settings.k, dimension: dimension, hyperparameters: settings.hyperparameters,
      checkingCapacityOf: backend)
  }

  /// The smallest dimension at which a fit solves `qrels` (`MinimumDimensionSearch`).
  public func minimumDimension(
    of qrels: LabeledQrels, minimumDimension: Int = 1, maximumDimension: Int, seeds: [UInt64],
    hyperparameters: Hyperparameters
  ) throws -> MinimumDimensionRun {
    let search = try MinimumDimensionSearch(
      minimumDimension: minimumDimension, maximumDimension: maximumDimension, seeds: seeds)
    var solvedNow: [Int: (FitResult, Embeddings)] = [:]
    let (minimum, outcomes) = try search.run { dimension, seed in
      let fit = try MinimumDimensionRun.fit(
        of: qrels, dimension: dimension, seed: seed, hyperparameters: hyperparameters, backend: backend)
      let (result, embeddings) = try run(fit, label: "d = \(dimension), seed \(seed)")
      if result.solved, let embeddings { solvedNow[dimension] = (result, embeddings) }
      return result
    }
    return MinimumDimensionRun(
      qrels: qrels, hyperparameters: hyperparameters, minimumDimension: minimum, outcomes: outcomes,
      solvedNow: solvedNow)
  }

  /// The embeddings of the fit that solved `run`'s matrix at its smallest dimension: kept from
  /// the search, or fitted again when its result came from the store.
  ///
  /// - Throws: the fit's errors, or `LimitFitError` when nothing was solved or the refit does
  ///   not solve the matrix again.
  public func certificate(of run: MinimumDimensionRun) throws -> (result: FitResult, embeddings: Embeddings) {
    guard let minimum = run.minimumDimension else {
      throw LimitFitError("no dimension solved the matrix; there is no certificate")
    }
    var solving = run.solvedNow[minimum]
    let seed = run.outcomes.first { $0.dimension == minimum }?.fits.last(where: \.solved)?.hyperparameters.seed
    if solving == nil, let seed {
      solving = try MinimumDimensionRun.fit(
        of: run.qrels, dimension: minimum, seed: seed, hyperparameters: run.hyperparameters, backend: backend
      ).run(on: backend)
    }
    guard let (result, embeddings) = solving, result.solved else {
      throw LimitFitError("the refit at d = \(minimum) did not solve the matrix again; no certificate written")
    }
    return (result, embeddings)
  }
}

/// What a minimum-dimension search found, and the embeddings of the fits it ran that solved.
public struct MinimumDimensionRun: Sendable {
  /// The matrix searched.
  public let qrels: LabeledQrels
  /// Every fit's settings but the seed.
  public let hyperparameters: Hyperparameters
  /// The smallest dimension solved; `nil` when not even the largest tried was.
  public let minimumDimension: Int?
  /// Every dimension fitted, ascending, seed by seed.
  public let outcomes: [MinimumDimensionSearch.Outcome]
  /// The solved fits run in this search (not those from the store), by dimension.
  let solvedNow: [Int: (FitResult, Embeddings)]

  /// The fit of `qrels` in `dimension` dimensions with `seed`.
  static func fit(
    of qrels: LabeledQrels, dimension: Int, seed: UInt64, hyperparameters: Hyperparameters,
    backend: any FitBackend
  ) throws -> FreeEmbeddingFit {
    var settings = hyperparameters
    settings.seed = seed
    return try FreeEmbeddingFit(
      qrels: qrels, dimension: dimension, hyperparameters: settings, checkingCapacityOf: backend)
  }
}
