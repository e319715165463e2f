import RealModule

/// The training objective of a fit, on the scores S = Q Dᵀ / τ.
public enum Loss: String, Codable, CaseIterable, Sendable {
  /// The paper's: softmax cross-entropy of each relevant document against all documents,
  /// averaged over the P relevant pairs.
  case infonce
  /// Binary cross-entropy of σ(S_ij + b) against A_ij for every query and document, with one
  /// learned bias b, averaged over the m·n pairs.
  case sigmoid
  /// max(0, γ − (S_ir − S_il)) for every relevant r and irrelevant l of each query, averaged
  /// over those pairs; γ is `margin`.
  case hinge

  /// The loss's code in the kernels (`loss_kind`), passed to them as LOSS_<NAME> definitions.
  var kernelCode: Int {
    switch self {
    case .infonce: 0
    case .sigmoid: 1
    case .hinge: 2
    }
  }

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

/// Where a fit starts.
public enum Initialization: String, Codable, CaseIterable, Sendable {
  /// N(0, 1) entries from the seed, rows normalised.
  case random
  /// The exact construction of `CyclicWitness` rounded to float32 (all pairs, d ≥ 4).
  case witness
}

/// The settings of one fit that change its outcome. Defaults are the paper's code
/// (Weller et al. 2025, free_embedding_experiment.py).
public struct Hyperparameters: Codable, Equatable, Hashable, Sendable {
  /// The training objective.
  public var loss: Loss = .infonce
  /// The hinge loss's margin γ, in units of S = Q Dᵀ / τ (1 is 0.1 in cosine at τ = 0.1).
  public var margin: Double = 1
  /// Where the fit starts.
  public var initialization: Initialization = .random
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

  private enum CodingKeys: String, CodingKey {
    case loss, margin, initialization, learningRate, temperature, maxIterations, patience, minDelta, stopWhenSolved, seed
  }

  /// Reads settings; records written before `loss`, `margin` and `initialization` existed are
  /// InfoNCE fits from a random start.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    loss = try container.decodeIfPresent(Loss.self, forKey: .loss) ?? .infonce
    margin = try container.decodeIfPresent(Double.self, forKey: .margin) ?? 1
    initialization = try container.decodeIfPresent(Initialization.self, forKey: .initialization) ?? .random
    learningRate = try container.decode(Double.self, forKey: .learningRate)
    temperature = try container.decode(Double.self, forKey: .temperature)
    maxIterations = try container.decode(Int.self, forKey: .maxIterations)
    patience = try container.decode(Int.self, forKey: .patience)
    minDelta = try container.decode(Double.self, forKey: .minDelta)
    stopWhenSolved = try container.decode(Bool.self, forKey: .stopWhenSolved)
    seed = try container.decode(UInt64.self, forKey: .seed)
  }

  /// Checks every value, throwing an error that names the first bad one.
  ///
  /// The fit runs in float32: the learning rate, the temperature, its inverse and the margin
  /// must be positive and finite there too, not only as Doubles.
  public func validate() throws {
    try Self.requirePositiveFloat(learningRate, "the learning rate")
    try Self.requirePositiveFloat(temperature, "the temperature")
    guard (1 / Float(temperature)).isFinite else {
      throw LimitFitError("the temperature (\(temperature)) is too small: 1/τ overflows float32")
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
    try Self.requirePositiveFloat(margin, "the margin")
  }

  /// Throws unless `value` is positive and finite, both as a Double and rounded to float32.
  private static func requirePositiveFloat(_ value: Double, _ name: String) throws {
    guard value.isFinite && value > 0 else {
      throw LimitFitError("\(name) (\(value)) must be a positive finite number")
    }
    let rounded = Float(value)
    guard rounded.isFinite && rounded > 0 else {
      throw LimitFitError(
        "\(name) (\(value)) \(rounded > 0 ? "overflows" : "rounds to zero in") float32, the precision fits run in")
    }
  }
}

/// Adam, as optax.adam: its constants (the defaults), one host step and the bias corrections.
enum Adam {
  static let beta1 = 0.9
  static let beta2 = 0.999
  static let epsilon = 1e-8

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
