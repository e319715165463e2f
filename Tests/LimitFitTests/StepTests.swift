import Foundation
import TestSupport
import Testing
@testable import LimitFit

@Suite struct AdamTests {
  /// Adam by hand: optax.adam's update, then the row scaled to unit length.
  struct HandAdam {
    var first = 0.0
    var second = 0.0

    mutating func step(_ parameter: Double, gradient g: Double, iteration t: Int, learningRate: Double) -> Double {
      first = 0.9 * first + 0.1 * g
      second = 0.999 * second + 0.001 * g * g
      let firstEstimate = first / (1 - pow(0.9, Double(t)))
      let secondEstimate = second / (1 - pow(0.999, Double(t)))
      return parameter - learningRate * firstEstimate / (secondEstimate.squareRoot() + 1e-8)
    }
  }

  static func unitRows(_ matrix: [Double], dimension d: Int) -> [Double] {
    stride(from: 0, to: matrix.count, by: d).flatMap { start in
      let row = matrix[start..<(start + d)]
      let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
      return row.map { $0 / norm }
    }
  }

  @Test func threeStepsMatchTheHandComputedUpdate() {
    let qrels = Qrels.allSubsets(documents: 5, k: 2)
    let d = 3
    let learningRate = 0.05
    let engine = makeEngine(qrels, dimension: d, learningRate: learningRate)
    var queryMoments = [HandAdam](repeating: HandAdam(), count: qrels.queryCount * d)
    var documentMoments = [HandAdam](repeating: HandAdam(), count: qrels.documentCount * d)
    for t in 1...3 {
      let before = (queries: engine.queryMatrix(), documents: engine.documentMatrix())
      _ = engine.evaluate()
      let queryGradient = engine.queryMatrixGradient()
      let documentGradient = engine.documentGradientMatrix()
      engine.update(iteration: t)

      let expectedQueries = Self.unitRows(
        before.queries.indices.map {
          queryMoments[$0].step(before.queries[$0], gradient: queryGradient[$0], iteration: t, learningRate: learningRate)
        }, dimension: d)
      let expectedDocuments = Self.unitRows(
        before.documents.indices.map {
          documentMoments[$0].step(before.documents[$0], gradient: documentGradient[$0], iteration: t, learningRate: learningRate)
        }, dimension: d)
      for (observed, expected) in zip(engine.queryMatrix() + engine.documentMatrix(), expectedQueries + expectedDocuments) {
        #expect(abs(observed - expected) < 1e-14, "step \(t): \(observed) vs \(expected)")
      }
    }
  }

  @Test func firstStepMovesEachCoordinateByTheLearningRate() {
    // At t = 1, Adam's bias-corrected step is g / (|g| + ε): every coordinate moves by lr
    // (before renormalisation) against the sign of its gradient.
    let engine = makeEngine(Qrels.allSubsets(documents: 4, k: 2), dimension: 2, learningRate: 0.01)
    let before = engine.queryMatrix()
    _ = engine.evaluate()
    let gradient = engine.queryMatrixGradient()
    engine.update(iteration: 1)
    let moved = before.indices.map { before[$0] - 0.01 * (gradient[$0] > 0 ? 1 : -1) }
    let expected = Self.unitRows(moved, dimension: 2)
    for (observed, expected) in zip(engine.queryMatrix(), expected) {
      #expect(abs(observed - expected) < 1e-9)
    }
  }

  @Test func everyRowHasUnitLengthAfterAStep() throws {
    let qrels = Qrels.allSubsets(documents: 13, k: 2)
    let backend = CPUBackend()
    let start = Embeddings.random(queries: qrels.queryCount, documents: 13, dimension: 5, seed: 3)
    let session = try backend.makeSession(qrels: qrels, start: start, hyperparameters: Hyperparameters())
    for t in 1...5 {
      _ = try session.evaluate()
      try session.update(iteration: t)
    }
    let embeddings = try session.embeddings()
    for matrix in [embeddings.queries, embeddings.documents] {
      for start in stride(from: 0, to: matrix.count, by: 5) {
        let norm = matrix[start..<(start + 5)].reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        #expect(abs(norm - 1) < 1e-6)
      }
    }
    #expect(embeddings != start)
  }
}

extension RowVerdict {
  func matches(solved: Bool, relevantFound: Int, maximumScore: T) -> Bool {
    self.solved == solved && self.relevantFound == relevantFound && self.maximumScore == maximumScore
  }
}

@Suite struct VerdictTests {
  static func verdict(_ scores: [Float], relevant: [Int32]) -> RowVerdict<Float> {
    scores.withUnsafeBufferPointer { scores in
      relevant.withUnsafeBufferPointer { relevant in
        RowVerdict(scores: scores.baseAddress!, count: scores.count, relevant: relevant)
      }
    }
  }

  @Test func separatedScoresAreSolved() {
    let verdict = Self.verdict([0.9, 0.8, 0.1], relevant: [0, 1])
    #expect(verdict .matches(solved: true, relevantFound: 2, maximumScore: 0.9))
  }

  @Test func aTieBetweenRelevantAndIrrelevantIsNotSolved() {
    // The stable sort puts document 1 before document 2, so top-2 accuracy is perfect,
    // but the tie means a retriever could return either: not solved.
    #expect(Self.verdict([0.9, 0.5, 0.5], relevant: [0, 1]) .matches(solved: false, relevantFound: 2, maximumScore: 0.9))
    #expect(Self.verdict([0.5, 0.5, 0.9], relevant: [1, 2]) .matches(solved: false, relevantFound: 1, maximumScore: 0.9))
  }

  @Test func anIrrelevantDocumentAboveIsNotSolved() {
    #expect(Self.verdict([0.1, 0.7, 0.6, 0.8], relevant: [1, 2]) .matches(solved: false, relevantFound: 1, maximumScore: 0.8))
    #expect(Self.verdict([0.1, 0.7, 0.6, 0.8], relevant: [0, 3]) .matches(solved: false, relevantFound: 1, maximumScore: 0.8))
  }

  @Test func everyDocumentRelevantIsSolved() {
    #expect(Self.verdict([0.3, -0.2], relevant: [0, 1]).solved)
  }

  @Test func agreesWithSortingOnRandomRows() {
    var generator = SplitMix64(seed: 11)
    for trial in 0..<300 {
      let n = Int.random(in: 2...40, using: &generator)
      let k = Int.random(in: 1...min(5, n), using: &generator)
      // Few distinct values, so that ties are common.
      let scores = (0..<n).map { _ in Float(Int.random(in: 0...6, using: &generator)) / 4 }
      let relevant = Array((0..<n).shuffled(using: &generator).prefix(k)).sorted().map(Int32.init)
      let ranking = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
      let found = ranking.prefix(k).filter { relevant.contains(Int32($0)) }.count
      let worstRelevant = relevant.map { scores[Int($0)] }.min()!
      let bestIrrelevant = scores.indices.filter { !relevant.contains(Int32($0)) }.map { scores[$0] }.max() ?? -.infinity
      let verdict = Self.verdict(scores, relevant: relevant)
      #expect(verdict.relevantFound == found, "trial \(trial)")
      #expect(verdict.solved == (worstRelevant > bestIrrelevant), "trial \(trial)")
      #expect(verdict.maximumScore == scores.max())
    }
  }

  @Test func engineCountsATieAsUnsolved() throws {
    // Documents e1, e2, −e2; the query for {0, 1} points at e1: scores 1, 0, 0 tie.
    let qrels = try Qrels(relevant: [[0, 1], [0, 2]], documentCount: 3)
    let engine: any CPUFitEngine<Float> = CPULevel.best.makeEngine(
      qrels: qrels, dimension: 2, queries: [1, 0, 0.6, -0.8], documents: [1, 0, 0, 1, 0, -1],
      learningRate: 0.01, temperature: 0.1)
    let evaluation = engine.evaluate()
    #expect(evaluation.solvedQueries == 1)
    #expect(!evaluation.isSolved)
    #expect(evaluation.relevantFound == 4)  // the stable sort ranks document 1 second
  }
}
