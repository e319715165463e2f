/// What a backend needs of one fit's settings, derived once, in the same way for both
/// backends: the loss and what it is averaged over, and the step's scalars in the precision
/// `T` that runs (float32 for fits, double for the reference checks).
struct FitPlan<T: BinaryFloatingPoint> {
  /// The training objective.
  let loss: Loss
  /// What the loss is averaged over (`Loss.terms(of:)`).
  let lossTerms: Int
  /// Adam's learning rate.
  let learningRate: T
  /// 1/τ, rounded from τ in `T`: scores are Q Dᵀ · (1/τ).
  let inverseTemperature: T
  /// The hinge loss's margin γ.
  let margin: T

  /// The plan of a fit of `qrels` with these scalars.
  init(qrels: Qrels, loss: Loss, learningRate: T, temperature: T, margin: T) {
    self.loss = loss
    lossTerms = loss.terms(of: qrels)
    self.learningRate = learningRate
    inverseTemperature = 1 / temperature
    self.margin = margin
  }

  /// The plan of a fit of `qrels` with `hyperparameters`, each value rounded to `T`.
  init(qrels: Qrels, hyperparameters: Hyperparameters) {
    self.init(
      qrels: qrels, loss: hyperparameters.loss, learningRate: T(hyperparameters.learningRate),
      temperature: T(hyperparameters.temperature), margin: T(hyperparameters.margin))
  }
}
