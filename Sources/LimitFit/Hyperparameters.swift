/// The settings of one fit that change its outcome. Defaults are the paper's code
/// (Weller et al. 2025, free_embedding_experiment.py).
public struct Hyperparameters: Codable, Equatable, Hashable, Sendable {
  /// Adam's learning rate.
  public var learningRate: Double = 0.01
  /// The softmax temperature τ: scores are Q Dᵀ / τ.
  public var temperature: Double = 0.1
  /// The most steps a fit takes.
  public var maxIterations: Int = 100_000
  /// Early stopping: steps without an improvement larger than `minDelta` before a fit stops.
  public var patience: Int = 1000
  /// Early stopping: the smallest decrease of the loss below its best that counts.
  public var minDelta: Double = 1e-5
  /// Stop at the first step whose scores solve the problem; `false` runs to the plateau.
  public var stopWhenSolved: Bool = true
  /// The seed of the starting embeddings.
  public var seed: UInt64 = 42

  /// The paper's settings.
  public init() {}

  /// Checks every value, throwing an error that names the first bad one.
  public func validate() throws {
    guard learningRate.isFinite && learningRate > 0 else {
      throw LimitFitError("the learning rate (\(learningRate)) must be a positive finite number")
    }
    guard temperature.isFinite && temperature > 0 else {
      throw LimitFitError("the temperature (\(temperature)) must be a positive finite number")
    }
    guard maxIterations >= 1 else {
      throw LimitFitError("the maximum number of iterations (\(maxIterations)) must be at least 1")
    }
    guard patience >= 1 else {
      throw LimitFitError("the patience (\(patience)) must be at least 1")
    }
    guard minDelta.isFinite && minDelta >= 0 else {
      throw LimitFitError("the minimum delta (\(minDelta)) must be a finite number ≥ 0")
    }
  }
}

/// Adam's constants: optax.adam's defaults.
enum Adam {
  static let beta1 = 0.9
  static let beta2 = 0.999
  static let epsilon = 1e-8
}
