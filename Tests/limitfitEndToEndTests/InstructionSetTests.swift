import Foundation
import TestSupport
import Testing

/// The CPU engine's modules are the same source compiled for each instruction-set level. Code
/// that several modules emit alike (generic specialisations of shared code) is kept once by the
/// linker, and that copy must never be a wider level's: it would run on every machine. So the
/// built binary is read back: wider instructions only in the wider levels' own functions, and
/// in the clones of the capacity check's C kernels for those levels (`target_clones`: a
/// resolver picks one when the program loads).
@Suite struct InstructionSetTests {
  /// Per function group, the instructions that need AVX (VEX-encoded, `v…`) and AVX-512 (a zmm
  /// register, a mask register, registers 16–31 or a broadcast).
  static func instructionCounts() throws -> [String: (avx: Int, avx512: Int)] {
    let binary = Bundle.main.bundleURL.appendingPathComponent("limitfit").path
    let objdump = "/usr/bin/objdump"
    try #require(FileManager.default.isExecutableFile(atPath: objdump), "objdump (binutils) reads the binary back")
    let disassembly = try run(objdump, ["-d", "--no-show-raw-insn", binary]).standardOutput
    let avx512 = try Regex(#"%zmm|%k[0-7]|%[xy]mm(1[6-9]|2[0-9]|3[01])\b|\{1to"#)
    var counts: [String: (avx: Int, avx512: Int)] = [:]
    var group = "other"
    for line in disassembly.split(separator: "\n") {
      if line.hasSuffix(">:"), let start = line.firstIndex(of: "<") {
        let name = line[line.index(after: start)...]
        group = name.hasPrefix("$s15CPUEngineAVX512") || name.contains(".avx512bw.") ? "avx512"
          : name.hasPrefix("$s13CPUEngineAVX2") || name.contains(".avx2.") ? "avx2" : "other"
        continue
      }
      let fields = line.split(separator: "\t")
      guard fields.count >= 2 else { continue }
      let instruction = fields[1]
      var count = counts[group, default: (0, 0)]
      if instruction.hasPrefix("v") { count.avx += 1 }
      if instruction.contains(avx512) { count.avx512 += 1 }
      counts[group] = count
    }
    return counts
  }

  @Test(.disabled(if: sanitizer != nil, "the sanitizer's runtime, linked into the binary, has code of its own"))
  func widerInstructionsAppearOnlyInTheWiderLevelsOwnCode() throws {
    let counts = try Self.instructionCounts()
    let other = counts["other", default: (0, 0)]
    #expect(other.avx == 0 && other.avx512 == 0, "code outside CPUEngineAVX2/AVX512 uses AVX: \(other)")
    #if arch(x86_64)
      // And the levels' flags took effect.
      #expect(counts["avx2", default: (0, 0)].avx > 0)
      #expect(counts["avx2", default: (0, 0)].avx512 == 0)
      #expect(counts["avx512", default: (0, 0)].avx512 > 0)
    #endif
  }
}
