import Foundation
import TestSupport
import Testing
@testable import LimitFit

func runFit(
  documents: Int, k: Int = 2, dimension: Int, configure: (inout Hyperparameters) -> Void = { _ in }
) throws -> (result: FitResult, embeddings: Embeddings) {
  var settings = Hyperparameters()
  configure(&settings)
  let backend = CPUBackend()
  let fit = try FreeEmbeddingFit(
    documents: documents, k: k, dimension: dimension, hyperparameters: settings,
    checkingCapacityOf: backend)
  return try fit.run(on: backend)
}

@Suite struct KnownGeometryTests {
  // Every top-2 pair must be an edge of the documents' convex hull (docs/MATHEMATICS.md §2).

  @Test func aTriangleSolvesThreeDocumentsInTheNPlane() throws {
    let (result, _) = try runFit(documents: 3, dimension: 2)
    #expect(result.solved)
    #expect(result.stopReason == .solved)
    #expect(result.firstSolvedIteration == result.iterations)
    #expect(result.accuracy == 1)
    #expect(result.solvedQueries == 3)
  }

  @Test(arguments: [42, 1, 2] as [UInt64])
  func fourDocumentsInThePlaneAreNeverSolved(seed: UInt64) throws {
    // A polygon's diagonals are not edges: some pair can never be the top 2.
    let (result, _) = try runFit(documents: 4, dimension: 2) { $0.seed = seed }
    #expect(!result.solved)
    #expect(result.firstSolvedIteration == nil)
    #expect(result.stopReason == .plateau)
    #expect(result.solvedQueries < 6)
  }

  @Test(arguments: Loss.allCases.filter { $0 != .infonce })
  func theOtherLossesSolveFourDocumentsInSpace(loss: Loss) throws {
    let (result, _) = try runFit(documents: 4, dimension: 3) { $0.loss = loss }
    #expect(result.solved, "\(loss)")
    #expect(result.hyperparameters.loss == loss)
  }

  @Test func aWitnessStartIsSolvedAtTheFirstStep() throws {
    let (result, _) = try runFit(documents: 40, dimension: 4) {
      $0.initialization = .witness
      $0.maxIterations = 1
    }
    #expect(result.firstSolvedIteration == 1)
  }

  @Test func aTetrahedronSolvesFourDocumentsInSpace() throws {
    let (result, _) = try runFit(documents: 4, dimension: 3)
    #expect(result.solved)
    #expect(result.solvedQueries == 6)
  }
}

@Suite struct FitDriverTests {
  @Test func theSameSeedGivesTheSameFitBitForBit() throws {
    // Large enough to run on threads.
    let fit = { (seed: UInt64) in
      try runFit(documents: 33, dimension: 8) { $0.seed = seed; $0.maxIterations = 25 }
    }
    let (first, firstEmbeddings) = try fit(5)
    let (second, secondEmbeddings) = try fit(5)
    #expect(first.finalLoss == second.finalLoss)
    #expect(first.bestLoss == second.bestLoss)
    #expect(first.accuracy == second.accuracy)
    #expect(firstEmbeddings.queries.elementsEqual(secondEmbeddings.queries) { $0.bitPattern == $1.bitPattern })
    #expect(firstEmbeddings.documents.elementsEqual(secondEmbeddings.documents) { $0.bitPattern == $1.bitPattern })

    let (_, otherEmbeddings) = try fit(6)
    #expect(otherEmbeddings != firstEmbeddings)
  }

  @Test func runToPlateauKeepsGoingAfterTheFirstSolvedStep() throws {
    let (result, _) = try runFit(documents: 3, dimension: 2) {
      $0.stopWhenSolved = false
      $0.patience = 50
    }
    #expect(result.solved)
    #expect(result.stopReason == .plateau)
    let first = try #require(result.firstSolvedIteration)
    #expect(result.iterations > first)
    #expect(result.bestLoss <= result.finalLoss)
  }

  @Test func stopsAtTheIterationLimit() throws {
    let (result, _) = try runFit(documents: 8, dimension: 2) { $0.maxIterations = 7 }
    #expect(result.iterations == 7)
    #expect(result.stopReason == .iterationLimit)
  }

  @Test func recordsTheProblemAndTheSettings() throws {
    let (result, embeddings) = try runFit(documents: 6, k: 3, dimension: 4) {
      $0.seed = 9
      $0.maxIterations = 3
      $0.learningRate = 0.02
    }
    #expect(result.documents == 6 && result.k == 3 && result.dimension == 4)
    #expect(result.queries == 20 && result.relevantPairs == 60)
    #expect(result.hyperparameters.seed == 9 && result.hyperparameters.learningRate == 0.02)
    #expect(result.backend == "cpu")
    #expect(result.iterationsPerSecond > 0 && result.wallSeconds > 0)
    #expect(embeddings.queryCount == 20 && embeddings.documentCount == 6)
  }

  /// The problem is scale-invariant: at the smallest temperature allowed the fit still moves
  /// and solves (below it, Adam's squared gradient overflowed and the fit froze, unsolved).
  @Test func theSmallestTemperatureStillSolves() throws {
    let (result, _) = try runFit(documents: 3, dimension: 2) { $0.temperature = Hyperparameters.smallestTemperature }
    #expect(result.solved)
  }

  static func changed(_ change: (inout Hyperparameters) -> Void) -> Hyperparameters {
    var settings = Hyperparameters()
    change(&settings)
    return settings
  }

  @Test(arguments: [
    (changed { $0.learningRate = 0 }, "the learning rate (0.0) must be a positive finite number"),
    (changed { $0.learningRate = -.infinity }, "the learning rate (-inf) must be a positive finite number"),
    (changed { $0.temperature = .nan }, "the temperature (nan) must be a positive finite number"),
    (changed { $0.maxIterations = 0 }, "the maximum number of iterations (0) must be at least 1"),
    (changed { $0.patience = -2 }, "the patience (-2) must be at least 1"),
    (changed { $0.margin = 0 }, "the margin (0.0) must be a positive finite number"),
    (changed { $0.minDelta = -1e-3 }, "the minimum delta (-0.001) must be a finite number ≥ 0"),
    (changed { $0.temperature = 1e-20 },
      "the temperature (1e-20) must be at least 1.08e-19: below it Adam's squared gradient (up to 4/τ²) overflows float32"),
    (changed { $0.loss = .hinge; $0.margin = 1e30 },
      "the margin (1e+30) can never be met: the hinge loss takes at most 20 at τ = 0.1 (scores of unit vectors differ by at most 2/τ), so every term would stay active and the fit could not move"),
  ])
  func refusesBadHyperparameters(settings: Hyperparameters, message: String) {
    #expect(throws: LimitFitError(message)) { try runFit(documents: 3, dimension: 2) { $0 = settings } }
  }
}

@Suite struct PaperVerdictTests {
  static func evaluation(loss: Double, found: Int, solved: Int = 0) -> StepEvaluation {
    StepEvaluation(loss: loss, solvedQueries: solved, relevantFound: found, queries: 2, relevantPairs: 4)
  }

  @Test func samplesTheEmbeddingsAfterUpdatesOneFiftyOneAndSoOn() {
    #expect([2, 52, 102, 5002].allSatisfy(FitMonitor.isPaperSample))
    #expect(![0, 1, 3, 50, 51, 53, 101].contains(where: FitMonitor.isPaperSample))
  }

  @Test func stopsAtTheFirstSampleWithFullAccuracyNotAtTheFirstExactlySolvedStep() throws {
    var settings = Hyperparameters()
    settings.verdict = .paper
    var monitor = FitMonitor(settings)
    for step in 1...51 {
      // Full accuracy and exactly solved from step 10 on, but unsampled until step 52.
      #expect(try monitor.record(Self.evaluation(loss: 1, found: step >= 10 ? 4 : 3, solved: step >= 10 ? 2 : 0)) == nil)
    }
    #expect(monitor.firstSolvedIteration == 10 && !monitor.isSolved)
    #expect(try monitor.record(Self.evaluation(loss: 1, found: 4)) == .solved)
    #expect(monitor.isSolved && monitor.iteration == 52)
  }

  @Test func aFitStoppedOtherwiseIsJudgedByItsFinalAccuracy() throws {
    var settings = Hyperparameters()
    settings.verdict = .paper
    settings.maxIterations = 3
    var monitor = FitMonitor(settings)
    _ = try monitor.record(Self.evaluation(loss: 1, found: 3))
    #expect(try monitor.record(Self.evaluation(loss: 1, found: 3)) == nil)
    #expect(try monitor.record(Self.evaluation(loss: 1, found: 4, solved: 2)) == .iterationLimit)
    #expect(!monitor.isSolved)
    monitor.recordFinal(Self.evaluation(loss: 1, found: 4))
    #expect(monitor.isSolved)
  }

  @Test func paperFitsStopOnASampleAndRecordTheirVerdict() throws {
    let (paper, _) = try runFit(documents: 8, dimension: 4) { $0.verdict = .paper }
    let (exact, _) = try runFit(documents: 8, dimension: 4)
    #expect(paper.solved && paper.stopReason == .solved && FitMonitor.isPaperSample(paper.iterations))
    #expect(paper.accuracy == 1 && paper.hyperparameters.verdict == .paper)
    // The same start and steps: the exact verdict stops at the first solved step, before.
    #expect(paper.firstSolvedIteration == exact.firstSolvedIteration)
    #expect(exact.iterations <= paper.iterations && paper.key != exact.key)
  }
}

@Suite struct HyperparameterCodingTests {
  @Test func recordsWithoutALossAreInfoNCEFits() throws {
    let old = #"{"learningRate":0.01,"maxIterations":100000,"minDelta":1e-05,"patience":1000,"seed":42,"stopWhenSolved":true,"temperature":0.1}"#
    let settings = try JSONDecoder().decode(Hyperparameters.self, from: Data(old.utf8))
    #expect(settings == Hyperparameters())
  }

  @Test func roundTrips() throws {
    var settings = Hyperparameters()
    settings.loss = .hinge
    settings.margin = 2.5
    settings.initialization = .witness
    settings.verdict = .paper
    let data = try JSONEncoder().encode(settings)
    #expect(try JSONDecoder().decode(Hyperparameters.self, from: data) == settings)
  }

  @Test(arguments: Loss.allCases)
  func aLossIsWrittenAndReadByItsName(loss: Loss) throws {
    let data = try JSONEncoder().encode(loss)
    #expect(String(decoding: data, as: UTF8.self) == "\"\(loss.rawValue)\"")
    #expect(try JSONDecoder().decode(Loss.self, from: data) == loss)
    #expect(Loss.allCases.filter { $0 == loss }.count == 1)
  }

  @Test func anUnknownLossIsRefused() {
    #expect(Loss(rawValue: "cosine") == nil)
    let record = #"{"loss":"cosine","learningRate":0.01,"maxIterations":100000,"minDelta":1e-05,"patience":1000,"seed":42,"stopWhenSolved":true,"temperature":0.1}"#
    #expect(throws: DecodingError.self) { try JSONDecoder().decode(Hyperparameters.self, from: Data(record.utf8)) }
  }

  /// Two queries over four documents, relevant {0, 1} and {2}: P = 3, m·n = 8, and the
  /// (relevant, irrelevant) pairs 2·2 + 1·3 = 7; with no relevant pair the hinge still averages
  /// over at least one.
  @Test func eachLossAveragesOverItsTerms() {
    let offsets = [0, 2, 3]
    #expect(Loss.infonce.terms(4, offsets) == 3)
    #expect(Loss.sigmoid.terms(4, offsets) == 8)
    #expect(Loss.hinge.terms(4, offsets) == 7)
    #expect(Loss.hinge.terms(4, [0, 0]) == 1)
  }
}

@Suite struct EarlyStoppingTests {
  @Test func stopsAfterPatienceStepsWithoutARealImprovement() {
    var rule = EarlyStopping(patience: 3, minDelta: 0.1)
    for loss in [1.0, 0.95, 0.92, 0.91] {  // improvements of at most 0.09 do not count
      rule.record(loss)
    }
    #expect(rule.isExhausted)
    #expect(rule.bestLoss == 1.0 && rule.lowestLoss == 0.91)
  }

  @Test func aRealImprovementResetsTheCount() {
    var rule = EarlyStopping(patience: 3, minDelta: 0.1)
    for loss in [1.0, 0.95, 0.92, 0.85, 0.84, 0.83] { rule.record(loss) }
    #expect(!rule.isExhausted)
    #expect(rule.stepsWithoutImprovement == 2)
    rule.record(0.8)
    #expect(rule.isExhausted)
  }
}

@Suite struct InitialisationTests {
  @Test func splitMix64MatchesTheReferenceSequence() {
    // Vigna's splitmix64.c from state 0.
    var generator = SplitMix64(seed: 0)
    #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
    #expect(generator.next() == 0x6E78_9E6A_A1B9_65F4)
  }

  @Test func randomEmbeddingsHaveUnitRowsAndDependOnTheSeed() {
    let start = Embeddings.random(queries: 50, documents: 20, dimension: 7, seed: 42)
    #expect(start.queryCount == 50 && start.documentCount == 20)
    for matrix in [start.queries, start.documents] {
      for row in stride(from: 0, to: matrix.count, by: 7) {
        let norm = matrix[row..<(row + 7)].reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        #expect(abs(norm - 1) < 1e-6)
      }
    }
    #expect(start == Embeddings.random(queries: 50, documents: 20, dimension: 7, seed: 42))
    #expect(start != Embeddings.random(queries: 50, documents: 20, dimension: 7, seed: 43))
  }

  @Test func normalDeviatesHaveMeanZeroAndUnitVariance() {
    var normals = NormalGenerator(seed: 1)
    let samples = (0..<100_000).map { _ in normals.next() }
    let mean = samples.reduce(0, +) / Double(samples.count)
    let variance = samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(samples.count)
    #expect(abs(mean) < 0.02)
    #expect(abs(variance - 1) < 0.02)
  }
}
