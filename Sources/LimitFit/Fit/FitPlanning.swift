import FitCore

extension FitPlan {
  /// The plan of a fit of `qrels` with these scalars.
  init(qrels: Qrels, loss: Loss, learningRate: T, temperature: T, margin: T) {
    self.init(
      loss: loss, lossTerms: loss.terms(qrels.documentCount, qrels.offsets), learningRate: learningRate,
      temperature: temperature, margin: margin)
  }

  /// The plan of a fit of `qrels` with `hyperparameters`, each value rounded to `T`.
  init(qrels: Qrels, hyperparameters: Hyperparameters) {
    self.init(
      qrels: qrels, loss: hyperparameters.loss, learningRate: T(hyperparameters.learningRate),
      temperature: T(hyperparameters.temperature), margin: T(hyperparameters.margin))
  }
}
