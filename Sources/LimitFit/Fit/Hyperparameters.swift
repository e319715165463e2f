/// Where a fit starts.
public enum Initialization: String, Codable, CaseIterable, Sendable {
  /// N(0, 1) entries from the seed, rows normalised.
  case random
  /// The exact construction of `CyclicWitness` rounded to float32 (all pairs, d ≥ 4).
  case witness
  /// The code `capacity` would use for n documents in d (all k-subsets, each queried by the
  /// sum of its vectors; `SumQueryCode.start`), else the witness when k = 2 and d ≥ 4.
  case construction
}

/// How a fit decides that it represents the relevance matrix.
public enum Verdict: String, Codable, CaseIterable, Sendable {
  /// Every query's worst relevant score strictly above its best irrelevant one, judged at
  /// every step.
  case exact
  /// The paper's script: top-k accuracy (ties broken by the lower document id) sampled after
  /// update 1, 51, 101, … (every `paperSampleInterval`), the fit stopping at the first sample
  /// that reaches 1.0; a fit that stops otherwise takes one more update and counts as solved
  /// when that final accuracy is 1.0, as the script's `final_accuracy` does.
  case paper

  /// The script's `log_interval`: steps between samples of the accuracy.
  public static let paperSampleInterval = 50
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
  /// How "solved" is decided.
  public var verdict: Verdict = .exact
  /// The seed of the starting embeddings.
  public var seed: UInt64 = 42

  /// The paper's settings.
  public init() {}

  private enum CodingKeys: String, CodingKey {
    case loss, margin, initialization, learningRate, temperature, maxIterations, patience, minDelta, stopWhenSolved, verdict, seed
  }

  /// Reads settings; records written before `loss`, `margin`, `initialization` and `verdict`
  /// existed are InfoNCE fits from a random start, judged exactly.
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
    verdict = try container.decodeIfPresent(Verdict.self, forKey: .verdict) ?? .exact
    seed = try container.decode(UInt64.self, forKey: .seed)
  }

  /// The smallest temperature whose step cannot overflow float32: with unit rows every
  /// gradient entry is at most 2/τ, and Adam squares it (docs/MATHEMATICS.md, §1).
  public static let smallestTemperature = 2 / Double(Float.greatestFiniteMagnitude).squareRoot()

  /// The largest temperature at which scores still move the loss: above 2²⁴ every S_ij = s/τ
  /// lies within 2⁻²⁴ of 0, its exp rounds to 1 in float32, and the loss is a constant
  /// (docs/MATHEMATICS.md, §1).
  public static let largestTemperature = 0x1p24

  /// Checks every value, throwing an error that names the first bad one.
  ///
  /// The fit runs in float32: the learning rate, the temperature and the margin must be
  /// positive and finite there too, not only as Doubles; the temperature at least
  /// `smallestTemperature`, and the margin, for a loss that takes one, at most the loss's
  /// `largestMargin` (the hinge's: 2/τ, the most by which two scores can differ;
  /// docs/MATHEMATICS.md, §1).
  public func validate() throws {
    try Self.requirePositiveFloat(learningRate, "the learning rate")
    try Self.requirePositiveFloat(temperature, "the temperature")
    guard temperature >= Self.smallestTemperature else {
      throw LimitFitError(String(
        format: "the temperature (%g) must be at least %.3g: below it Adam's squared gradient (up to 4/τ²) overflows float32",
        temperature, Self.smallestTemperature))
    }
    guard temperature <= Self.largestTemperature else {
      throw LimitFitError(String(
        format: "the temperature (%g) must be at most %.3g: above it every score/τ is within 2⁻²⁴ of 0, its exp rounds to 1 in float32, and the loss cannot change",
        temperature, Self.largestTemperature))
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
    if let largestMargin = loss.largestMargin?(temperature), margin > largestMargin {
      throw LimitFitError(String(
        format: "the margin (%g) can never be met: the %@ loss takes at most %g at τ = %g (scores of unit vectors differ by at most 2/τ), so every term would stay active and the fit could not move",
        margin, loss.rawValue, largestMargin, temperature))
    }
  }

  /// The settings of a fit's outcome (all but the seed) in which these differ from `other`,
  /// each as its name and this value ("loss hinge"), in the order they are declared.
  public func settingsDiffering(from other: Hyperparameters) -> [String] {
    var differing: [String] = []
    func compare<Value: Equatable>(_ name: String, _ path: KeyPath<Hyperparameters, Value>) {
      if self[keyPath: path] != other[keyPath: path] { differing.append("\(name) \(self[keyPath: path])") }
    }
    compare("loss", \.loss)
    compare("margin", \.margin)
    compare("initialization", \.initialization)
    compare("learning rate", \.learningRate)
    compare("temperature", \.temperature)
    compare("max iterations", \.maxIterations)
    compare("patience", \.patience)
    compare("min delta", \.minDelta)
    compare("stop when solved", \.stopWhenSolved)
    compare("verdict", \.verdict)
    return differing
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
