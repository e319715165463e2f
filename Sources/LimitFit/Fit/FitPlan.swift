import RealModule

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

extension Adam {
  /// One Adam step on one parameter, the host's arithmetic (the CPU backend's, and the OpenCL
  /// backend's scalar sigmoid bias): m ← β1 m + (1 − β1) g, v ← β2 v + (1 − β2) g², then
  /// p ← p − (lr / c1) · m / (sqrt(v · (1 / c2)) + ε), with `stepSize` = lr / c1 and
  /// `secondScale` = 1 / c2 computed once per step.
  @inline(__always)
  static func step<T: BinaryFloatingPoint>(
    _ parameter: inout T, gradient g: T, moments first: inout T, _ second: inout T,
    stepSize: T, secondScale: T
  ) {
    first = T(beta1) * first + (1 - T(beta1)) * g
    second = T(beta2) * second + (1 - T(beta2)) * g * g
    parameter -= stepSize * first / ((second * secondScale).squareRoot() + T(epsilon))
  }

  /// The bias corrections of step t: 1 − β1^t and 1 − β2^t, in `T`.
  static func corrections<T: BinaryFloatingPoint & Real>(iteration: Int) -> (first: T, second: T) {
    let t = T(iteration)
    return (1 - T.pow(T(beta1), t), 1 - T.pow(T(beta2), t))
  }
}
