import Foundation
import Testing
@testable import LimitFit

/// The OpenCL device the tests run on: the first one, or why there is none.
enum TestDevice {
  static let backend: Result<OpenCLBackend, Error> = Result {
    guard let device = try OpenCLDevice.all().first else { throw OpenCLError.noPlatform }
    return try OpenCLBackend(device: device)
  }

  /// Whether the OpenCL tests run: always in CI (where a missing platform must fail them),
  /// elsewhere only when a platform exists.
  static var shouldRun: Bool {
    ProcessInfo.processInfo.environment["CI"] == "true" || (try? backend.get()) != nil
  }

  static var skipReason: Comment {
    switch backend {
    case .success: "OpenCL is available"
    case .failure(let error): "skipped, no OpenCL platform: \(error)"
    }
  }
}

@Suite(.enabled(if: TestDevice.shouldRun, TestDevice.skipReason))
struct OpenCLTests {
  @Test func everyKernelAndShortFitMatchesTheCPUReference() throws {
    let checks = try KernelValidation(backend: TestDevice.backend.get()).run()
    #expect(checks.count > 60)
    for check in checks {
      #expect(
        check.passed,
        "\(check.name): error \(check.relativeError) (absolute \(check.maximumAbsoluteError)) > \(check.tolerance)")
    }
  }

  @Test func aThousandFitsDoNotLeakDeviceMemory() throws {
    let backend = try TestDevice.backend.get()
    let qrels = Qrels.allSubsets(documents: 64, k: 2)
    let start = Embeddings.random(queries: qrels.queryCount, documents: 64, dimension: 16, seed: 1)
    func fit() throws {
      let session = try backend.makeSession(qrels: qrels, start: start, hyperparameters: Hyperparameters())
      _ = try session.evaluate()
    }
    // About 1 MiB of buffers per fit: a leak would add a gigabyte.
    for _ in 0..<50 { try fit() }
    let before = try residentBytes()
    for _ in 0..<1000 { try fit() }
    let growth = try residentBytes() - before
    #expect(growth < 64 << 20, "resident memory grew by \(formatBytes(Double(growth)))")
  }

  @Test func refusesARowOfScoresLargerThanTheBlockBudget() throws {
    let backend = try OpenCLBackend(device: TestDevice.backend.get().openCLDevice, scoreBlockBytes: 1000)
    let size = try ProblemSize.allSubsets(documents: 300, k: 2, dimension: 4)
    #expect(throws: OpenCLError.self) { try backend.checkCapacity(for: size) }
    do {
      try backend.checkCapacity(for: size)
    } catch {
      #expect("\(error)".hasPrefix("one row of scores for n = 300 documents needs 1.17 KiB"))
    }
    #expect(backend.blockRows(documents: 10, queries: 45) == 25)
  }

  @Test func refusesProblemsBeyondThirtyTwoBitIndices() throws {
    let size = try ProblemSize.allSubsets(documents: 100_000, k: 2, dimension: 2)
    #expect(throws: OpenCLError.capacity(
      "m = 4999950000 queries, n = 100000 documents and 9999900000 relevant pairs exceed the "
        + "OpenCL backend's 32-bit indices")) {
      try TestDevice.backend.get().checkCapacity(for: size)
    }
  }

  @Test func blocksCoverEveryQueryOnce() throws {
    let backend = try TestDevice.backend.get()
    let qrels = Qrels.allSubsets(documents: 12, k: 2)
    let start = Embeddings.random(queries: 66, documents: 12, dimension: 3, seed: 1)
    let session = try OpenCLSession(
      runtime: backend.runtime, qrels: qrels, start: start, hyperparameters: Hyperparameters(),
      blockRows: 20)
    #expect(session.blocks == [0..<20, 20..<40, 40..<60, 60..<66])
  }
}

/// The process's resident memory, from /proc/self/statm.
func residentBytes() throws -> Int {
  let fields = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8).split(separator: " ")
  return (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
}

@Suite struct BackendSelectionTests {
  @Test func autoPrefersTheGPUWithTheMostComputeUnits() throws {
    // Without a GPU, auto runs the CPU backend.
    let devices = (try? OpenCLDevice.all()) ?? []
    if devices.allSatisfy({ $0.kind != .gpu }) {
      #expect(BackendSelection.automaticDevice(among: devices) == nil)
      var notices: [String] = []
      let backend = try BackendSelection.makeBackend(.auto) { notices.append($0) }
      #expect(backend.name == "cpu")
      #expect(notices.isEmpty || devices.isEmpty)
    }
  }

  @Test func cpuIsAlwaysTheCPUBackend() throws {
    #expect(try BackendSelection.makeBackend(.cpu, deviceIndex: 3) { _ in }.name == "cpu")
  }
}
