import ArgumentParser
import Foundation
import LimitFit

struct ValidateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "validate",
    abstract: "Check every OpenCL kernel and short whole fits against the CPU reference.",
    discussion: """
      Runs seeded random problems of awkward sizes (d = 1, 2, 3, 17, 64, 65, 128; sizes that \
      are not multiples of the tile sizes; several query blocks; ∇D's sum split into parts) \
      with the device's tile shapes (tuned, or its family's defaults) on the OpenCL device and on \
      the CPU backend, and prints, per check, the largest absolute error, the error relative \
      to the values' scale, the tolerance and PASS or FAIL. Exits non-zero if any check fails.
      """
  )

  @Option(help: "The backend to check against the CPU reference: opencl.")
  var backend: BackendRequest = .opencl

  @Option(help: "The OpenCL device (see 'limitfit devices'); default: $\(BackendSelection.deviceVariable), else auto's choice.")
  var device: Int?

  func run() throws {
    guard backend == .opencl else {
      throw LimitFitError("validate checks the opencl backend against the cpu reference; --backend \(backend.rawValue) has nothing to check")
    }
    let backend = try selectBackend(.opencl, device: device)
    guard let openCL = backend as? OpenCLBackend else {
      preconditionFailure("the opencl request made a \(backend.name) backend")
    }
    print("Validating \(openCL.device)")
    print("tiles (\(openCL.tiles.origin)): \(openCL.tiles.parameters)")
    print(row("check", "max abs err", "rel err", "tolerance", "worst at", "over tol", "result"))
    let checks = try KernelValidation(backend: openCL).run { check in
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
