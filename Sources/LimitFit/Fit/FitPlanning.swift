import FitCore

extension Loss {
  /// What the loss is averaged over: P (InfoNCE), m·n (sigmoid), or the (relevant,
  /// irrelevant) pairs Σ|R_i|(n − |R_i|) (hinge; at least 1).
  func terms(of qrels: Qrels) -> Int {
    switch self {
    case .infonce: return qrels.relevantPairCount
    case .sigmoid: return qrels.queryCount * qrels.documentCount
    case .hinge:
      return max(1, (0..<qrels.queryCount).reduce(0) { total, query in
        let relevant = qrels.offsets[query + 1] - qrels.offsets[query]
        return total + relevant * (qrels.documentCount - relevant)
      })
    }
  }
}

extension FitPlan {
  /// The plan of a fit of `qrels` with these scalars.
  init(qrels: Qrels, loss: Loss, learningRate: T, temperature: T, margin: T) {
    self.init(
      loss: loss, lossTerms: loss.terms(of: qrels), learningRate: learningRate,
      temperature: temperature, margin: margin)
  }

  /// The plan of a fit of `qrels` with `hyperparameters`, each value rounded to `T`.
  init(qrels: Qrels, hyperparameters: Hyperparameters) {
    self.init(
      qrels: qrels, loss: hyperparameters.loss, learningRate: T(hyperparameters.learningRate),
      temperature: T(hyperparameters.temperature), margin: T(hyperparameters.margin))
  }
}
