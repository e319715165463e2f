import Foundation
import Testing
@testable import LimitFit

@Suite struct CPULevelTests {
  static let avx2Flags: Set<String> = ["sse2", "avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "popcnt", "xsave"]
  static let avx512Flags = avx2Flags.union(["avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"])

  @Test func levelsFollowTheCPUFlags() {
    #expect(CPULevel.levels(supportedBy: []) == [.portable])
    #expect(CPULevel.levels(supportedBy: Self.avx2Flags) == [.portable, .avx2])
    #expect(CPULevel.levels(supportedBy: Self.avx2Flags.subtracting(["fma"])) == [.portable])
    #expect(CPULevel.levels(supportedBy: Self.avx512Flags) == [.portable, .avx2, .avx512])
    #expect(CPULevel.levels(supportedBy: Self.avx512Flags.subtracting(["avx512vl"])) == [.portable, .avx2])
    // AVX-512 without the AVX2 level's other instructions is not the AVX-512 level.
    #expect(CPULevel.levels(supportedBy: Self.avx512Flags.subtracting(["bmi2"])) == [.portable])
  }

  @Test func thisMachineRunsThePortableLevelAndPicksItsWidest() {
    #expect(CPULevel.available.first == .portable)
    #expect(CPULevel.available == CPULevel.available.sorted())
    #expect(CPULevel.best == CPULevel.available.last)
    #expect(CPUBackend().level == CPULevel.best)
  }

  @Test func theEnvironmentPinsALevelThisMachineRuns() throws {
    #expect(try CPULevel.level(environment: nil) == nil)
    #expect(try CPULevel.level(environment: "") == nil)
    #expect(try CPULevel.level(environment: "portable") == .portable)
    #expect(throws: LimitFitError("LIMITFIT_CPU_LEVEL=sse4 is not a level (portable, avx2, avx512)")) {
      try CPULevel.level(environment: "sse4")
    }
    for level in CPULevel.allCases where !CPULevel.available.contains(level) {
      #expect(throws: LimitFitError.self) { try CPULevel.level(environment: level.rawValue) }
    }
  }

  /// 30 steps of each loss at `level` and at the portable level, from the same start: the
  /// same evaluations and the same embeddings, bit for bit. n = 37 leaves a remainder after
  /// every 8-wide loop; m · n · d is large enough for the threaded path.
  @Test(
    .enabled(if: CPULevel.available.count > 1, "this machine runs only the portable level"),
    arguments: CPULevel.available.filter { $0 != .portable }, Loss.allCases)
  func everyLevelComputesThePortableLevelsBits(level: CPULevel, loss: Loss) {
    let qrels = Qrels.allSubsets(documents: 37, k: 2)
    let d = 5
    let start = Embeddings.random(queries: qrels.queryCount, documents: 37, dimension: d, seed: 3)
    let engines = [CPULevel.portable, level].map { level -> any CPUFitEngine<Float> in
      level.makeEngine(
        qrels: qrels, dimension: d, queries: start.queries, documents: start.documents,
        learningRate: 0.05, temperature: 0.1, loss: loss, margin: 0.5)
    }
    for iteration in 1...30 {
      let evaluations = engines.map { $0.evaluate() }
      #expect(evaluations[0] == evaluations[1], "\(level), \(loss), step \(iteration)")
      for engine in engines { engine.update(iteration: iteration) }
    }
    let bits = engines.map { ($0.queryMatrix() + $0.documentMatrix()).map(\.bitPattern) }
    #expect(bits[0] == bits[1], "\(level), \(loss)")
  }
}
