import CPUEngine
import CPUEngineAVX2
import CPUEngineAVX512
import Foundation

/// The instruction-set level the CPU backend's engine runs in.
///
/// The engine's source is compiled once per level (Package.swift) and the backend runs the
/// widest level the machine has, unless told otherwise. All levels compute the same bits: no
/// level fuses a multiply and an add, and every sum runs in the same order.
public enum CPULevel: String, CaseIterable, Comparable, Sendable {
  /// Any x86-64 (SSE2), and the only level on other architectures.
  case portable
  /// AVX2, FMA, BMI1/2, F16C, LZCNT, MOVBE, POPCNT (compiled for `haswell`).
  case avx2
  /// The above and AVX-512 F, BW, CD, DQ, VL (compiled for `skylake-avx512`).
  case avx512

  /// The environment variable that pins the level.
  public static let variable = "LIMITFIT_CPU_LEVEL"

  /// The levels this machine runs, from the CPU's flags as the kernel reports them
  /// (/proc/cpuinfo lists only what the operating system enables), narrowest first.
  public static let available: [CPULevel] = {
    #if arch(x86_64)
      let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
      let flagsLine = cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") } ?? ""
      return levels(supportedBy: Set(flagsLine.split(whereSeparator: \.isWhitespace).map(String.init)))
    #else
      return [.portable]
    #endif
  }()

  /// The widest level this machine runs.
  public static var best: CPULevel { available.last ?? .portable }

  /// The levels a CPU with these /proc/cpuinfo flags runs, narrowest first.
  static func levels(supportedBy flags: Set<String>) -> [CPULevel] {
    allCases.filter { $0.requiredFlags.isSubset(of: flags) }
  }

  /// The /proc/cpuinfo flags the level's code may use (`abm` is LZCNT).
  var requiredFlags: Set<String> {
    switch self {
    case .portable: []
    case .avx2: ["avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "popcnt", "xsave"]
    case .avx512: CPULevel.avx2.requiredFlags.union(["avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"])
    }
  }

  /// The level LIMITFIT_CPU_LEVEL's text names; `nil` when unset or empty.
  ///
  /// - Throws: `LimitFitError` when it names no level, or one this machine cannot run.
  public static func level(environment text: String?) throws -> CPULevel? {
    guard let text, !text.isEmpty else { return nil }
    guard let level = CPULevel(rawValue: text) else {
      throw LimitFitError(
        "\(variable)=\(text) is not a level (\(allCases.map(\.rawValue).joined(separator: ", ")))")
    }
    guard available.contains(level) else {
      throw LimitFitError(
        "\(variable)=\(text): this CPU does not run it (it runs \(available.map(\.rawValue).joined(separator: ", ")))")
    }
    return level
  }

  public static func < (lhs: CPULevel, rhs: CPULevel) -> Bool {
    allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
  }

  /// A new engine in this level's module for a fit of `qrels` from Q (m × d) and D (n × d),
  /// row-major.
  func makeEngine<T: FitScalar>(
    qrels: Qrels, dimension: Int, queries: [T], documents: [T], plan: FitPlan<T>
  ) -> any CPUFitEngine<T> {
    let relevance = RelevanceLists(
      documentCount: qrels.documentCount, offsets: qrels.offsets, relevantDocuments: qrels.relevantDocuments)
    let make = switch self {
    case .portable: CPUEngine.EngineFactory.makeEngine(relevance:dimension:queries:documents:plan:)
    case .avx2: CPUEngineAVX2.EngineFactory.makeEngine(relevance:dimension:queries:documents:plan:)
    case .avx512: CPUEngineAVX512.EngineFactory.makeEngine(relevance:dimension:queries:documents:plan:)
    } as (RelevanceLists, Int, [T], [T], FitPlan<T>) -> any CPUFitEngine<T>
    return make(relevance, dimension, queries, documents, plan)
  }

  /// The float32 score kernel of this level's module (`ScoreTile.scores`).
  var scoreTile: (UnsafePointer<Float>, Int, UnsafePointer<Float>, Int, Int, UnsafeMutablePointer<Float>, Int) -> Void {
    switch self {
    case .portable: CPUEngine.ScoreTile.scores(queries:queryCount:panels:panelCount:dimension:into:stride:)
    case .avx2: CPUEngineAVX2.ScoreTile.scores(queries:queryCount:panels:panelCount:dimension:into:stride:)
    case .avx512: CPUEngineAVX512.ScoreTile.scores(queries:queryCount:panels:panelCount:dimension:into:stride:)
    }
  }

  /// A new engine with these scalars (the tests' and the validation's reference).
  func makeEngine<T: FitScalar>(
    qrels: Qrels, dimension: Int, queries: [T], documents: [T], learningRate: T, temperature: T,
    loss: Loss = .infonce, margin: T = 1
  ) -> any CPUFitEngine<T> {
    makeEngine(
      qrels: qrels, dimension: dimension, queries: queries, documents: documents,
      plan: FitPlan(qrels: qrels, loss: loss, learningRate: learningRate, temperature: temperature, margin: margin))
  }
}
