import ArgumentParser
import Foundation
import LimitFit

struct ValidateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "validate",
    abstract: "Check a backend against the CPU reference: the conformance suite.",
    discussion: """
      Runs the conformance suite: seeded random problems of awkward sizes (d = 1, 2, 3, 17, 64, \
      65, 128; sizes that are not multiples of the tile sizes; relevant sets of mixed sizes; \
      every loss) in every configuration the backend runs (OpenCL: the blocked step in one \
      block and in many with ∇D's sum in parts, the fused step; CPU: every instruction-set \
      level), each step and the first 200 losses of whole fits against the CPU reference in \
      double precision, after the backend's own checks (OpenCL: argument signatures, each \
      kernel block by block, guard regions). Prints, per check, the largest absolute error, the \
      error relative to the values' scale, the tolerance and PASS or FAIL. Exits non-zero if \
      any check fails.
      """
  )

  @Option(help: "The backend to check against the CPU reference: opencl or cpu.")
  var backend: BackendRequest = .opencl

  @Option(help: "The OpenCL device (see 'limitfit devices'); default: $\(BackendSelection.deviceVariable), else auto's choice.")
  var device: Int?

  func run() throws {
    let backend = try selectBackend(backend, device: device)
    print("Validating \(backend.name) on \(backend.device)")
    if !backend.settings.isEmpty { print(backend.settings) }
    print(row("check", "max abs err", "rel err", "tolerance", "worst at", "over tol", "result"))
    let checks = try BackendConformance(backend: backend).run { check in
      print(row(
        check.name, scientific(check.maximumAbsoluteError), scientific(check.relativeError),
        scientific(check.tolerance), "\(check.worstIndex)", String(format: "%.1f%%", 100 * check.errorRate),
        check.passed ? "PASS" : "FAIL"))
    }
    let failed = checks.filter { !$0.passed }.count
    print("\(checks.count - failed) passed, \(failed) failed")
    if failed > 0 { throw ExitCode.failure }
  }

  private func row(_ name: String, _ numbers: String..., result: String) -> String {
    name + String(repeating: " ", count: max(1, 64 - name.count))
      + numbers.map { $0.leftPadded(to: 12) }.joined() + "  " + result
  }

  private func row(
    _ name: String, _ absolute: String, _ relative: String, _ tolerance: String, _ worst: String,
    _ rate: String, _ result: String
  ) -> String {
    row(name, absolute, relative, tolerance, worst, rate, result: result)
  }

  private func scientific(_ value: Double) -> String { String(format: "%.2e", value) }
}
