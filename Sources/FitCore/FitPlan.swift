/// What a backend needs of one fit's settings, derived once, in the same way for both
/// backends: the loss and what it is averaged over, and the step's scalars in the precision
/// `T` that runs (float32 for fits, double for the reference checks).
package struct FitPlan<T: BinaryFloatingPoint>: Sendable where T: Sendable {
  /// The training objective.
  package let loss: Loss
  /// What the loss is averaged over (`Loss.terms`).
  package let lossTerms: Int
  /// Adam's learning rate.
  package let learningRate: T
  /// 1/τ, rounded from τ in `T`: scores are Q Dᵀ · (1/τ).
  package let inverseTemperature: T
  /// The margin γ of a loss that takes one (`Loss.largestMargin`).
  package let margin: T

  /// The plan of a fit whose loss averages over `lossTerms` terms, with these scalars.
  package init(loss: Loss, lossTerms: Int, learningRate: T, temperature: T, margin: T) {
    self.loss = loss
    self.lossTerms = lossTerms
    self.learningRate = learningRate
    inverseTemperature = 1 / temperature
    self.margin = margin
  }
}
