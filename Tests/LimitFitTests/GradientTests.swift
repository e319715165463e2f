import Foundation
import TestSupport
import Testing
@testable import LimitFit

/// A small problem in double precision, from a seeded start.
func makeEngine(
  _ qrels: Qrels, dimension d: Int, seed: UInt64 = 7, learningRate: Double = 0.01,
  temperature: Double = 0.1, loss: Loss = .infonce, margin: Double = 1
) -> any CPUFitEngine<Double> {
  let start = Embeddings.random(
    queries: qrels.queryCount, documents: qrels.documentCount, dimension: d, seed: seed)
  return CPULevel.best.makeEngine(
    qrels: qrels, dimension: d, queries: start.queries.map(Double.init),
    documents: start.documents.map(Double.init), learningRate: learningRate,
    temperature: temperature, loss: loss, margin: margin)
}

/// Problems of several shapes: all k-subsets, and relevant sets of mixed sizes.
let gradientProblems: [(name: String, qrels: Qrels, dimension: Int)] = [
  ("n=5 k=2 d=3", Qrels.allSubsets(documents: 5, k: 2), 3),
  ("n=6 k=1 d=2", Qrels.allSubsets(documents: 6, k: 1), 2),
  ("n=7 k=3 d=4", Qrels.allSubsets(documents: 7, k: 3), 4),
  ("n=11 k=2 d=9", Qrels.allSubsets(documents: 11, k: 2), 9),
  ("n=6 k=5 d=1", Qrels.allSubsets(documents: 6, k: 5), 1),
  ("mixed sizes d=5", try! Qrels(relevant: [[0], [1, 4, 9], [2, 3], [0, 5, 6, 7, 8, 9]], documentCount: 10), 5),
]

@Suite struct GradientTests {
  /// The loss by the textbook formula, in double precision, from the full score matrix.
  static func naiveLoss(_ engine: any CPUFitEngine<Double>, _ qrels: Qrels, temperature: Double) -> Double {
    let q = engine.queryMatrix()
    let dm = engine.documentMatrix()
    let d = engine.dimension
    var total = 0.0
    for i in 0..<qrels.queryCount {
      let scores = (0..<qrels.documentCount).map { j in
        (0..<d).reduce(0.0) { $0 + q[i * d + $1] * dm[j * d + $1] } / temperature
      }
      let logSumExp = log(scores.reduce(0.0) { $0 + exp($1) })
      for j in qrels.relevant(to: i) { total += logSumExp - scores[Int(j)] }
    }
    return total / Double(qrels.relevantPairCount)
  }

  @Test(arguments: gradientProblems.indices)
  func lossMatchesTheTextbookFormula(problem: Int) {
    let (name, qrels, d) = gradientProblems[problem]
    let engine = makeEngine(qrels, dimension: d)
    let loss = engine.evaluate().loss
    let expected = Self.naiveLoss(engine, qrels, temperature: 0.1)
    #expect(abs(loss - expected) <= 1e-12 * abs(expected), "\(name): \(loss) vs \(expected)")
  }

  @Test(arguments: gradientProblems.indices, Loss.allCases)
  func gradientsMatchCentralDifferences(problem: Int, loss: Loss) {
    let (name, qrels, _) = gradientProblems[problem]
    // A margin of 3 keeps many hinge pairs active, so that the check covers them; the hinge is
    // not differentiable where a pair is exactly at the margin, which random starts avoid.
    let engine = makeEngine(qrels, dimension: gradientProblems[problem].dimension, loss: loss, margin: 3)
    if loss.learnsBias { engine.biasState[0] = -2 }
    _ = engine.evaluate()
    let biasGradient = engine.biasState[1]
    let analytic = (
      queries: engine.queryMatrixGradient(),
      documents: transposed(engine.documentGradientMatrix(), rows: qrels.documentCount))

    let step = 1e-6
    func centralDifference(_ parameter: UnsafeMutablePointer<Double>) -> Double {
      let saved = parameter.pointee
      parameter.pointee = saved + step
      let above = engine.evaluate().loss
      parameter.pointee = saved - step
      let below = engine.evaluate().loss
      parameter.pointee = saved
      return (above - below) / (2 * step)
    }
    var worst = 0.0
    var checked: [(UnsafeMutablePointer<Double>, [Double])] = [
      (engine.queries.base, analytic.queries), (engine.documentsTransposed.base, analytic.documents),
    ]
    if loss.learnsBias { checked.append((engine.biasState.base, [biasGradient])) }
    for (parameters, gradient) in checked {
      for index in gradient.indices {
        let numeric = centralDifference(parameters + index)
        let error = abs(numeric - gradient[index]) / max(1e-3, abs(numeric))
        worst = max(worst, error)
      }
    }
    #expect(worst < 1e-6, "\(name), \(loss): worst relative error \(worst)")
  }
}


/// A rows × columns row-major matrix, transposed (as the engine stores D).
private func transposed(_ matrix: [Double], rows: Int) -> [Double] {
  let columns = matrix.count / rows
  return matrix.indices.map { matrix[($0 % rows) * columns + $0 / rows] }
}
