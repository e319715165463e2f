import Foundation
import TestSupport
import Testing
@testable import LimitFit

/// The OpenCL device the tests run on: the first one, or why there is none.
enum TestDevice {
  static let backend: Result<OpenCLBackend, Error> = Result {
    guard let device = try OpenCLDevice.all().first else { throw OpenCLError.noPlatform }
    return try OpenCLBackend(device: device)
  }

  /// Whether the OpenCL tests run: always in CI (where a missing platform must fail them),
  /// elsewhere unless there is no OpenCL at all (a kernel that does not build fails them).
  static var shouldRun: Bool {
    guard ProcessInfo.processInfo.environment["CI"] != "true", case .failure(let error) = backend else { return true }
    switch error as? OpenCLError {
    case .libraryUnavailable, .noPlatform: return false
    default: return true
    }
  }

  static var skipReason: Comment {
    switch backend {
    case .success: "OpenCL is available"
    case .failure(let error): "skipped, no OpenCL platform: \(error)"
    }
  }
}

/// The OpenCL backend on the first device (PoCL in CI). The tests take turns, nested suites
/// included: PoCL 3.1 can abort (`pocl_release_dlhandle_cache: ref_count > 0`) when threads of
/// one process run the same kernels at once, which the CLI never does on a CPU device.
@Suite(.enabled(if: TestDevice.shouldRun, TestDevice.skipReason), .serialized)
struct OpenCLTests {
  @Test func everyKernelAndShortFitMatchesTheCPUReference() throws {
    let checks = try BackendConformance(backend: TestDevice.backend.get()).run()
    #expect(checks.count > 60)
    for check in checks {
      #expect(
        check.passed,
        "\(check.name): error \(check.relativeError) (absolute \(check.maximumAbsoluteError)) > \(check.tolerance)")
    }
  }



  @Test func refusesARowOfScoresLargerThanTheBlockBudget() throws {
    let backend = try OpenCLBackend(sharingKernelsOf: TestDevice.backend.get(), scoreBlockBytes: 1000)
    let size = try ProblemSize.allSubsets(documents: 300, k: 2, dimension: 4)
    #expect(throws: OpenCLError.self) { try backend.checkCapacity(for: size, loss: .infonce) }
    do {
      try backend.checkCapacity(for: size, loss: .infonce)
    } catch {
      #expect("\(error)".hasPrefix("one row of scores for n = 300 documents needs 1.17 KiB"))
    }
    #expect(backend.blockRows(documents: 10, queries: 45) == 25)
  }

  @Test func fusedAndBlockedStepsAgree() throws {
    let backend = try TestDevice.backend.get()
    // m, n and d that are not multiples of the work-group sizes; relevant sets of mixed sizes.
    var generator = SplitMix64(seed: 11)
    let mixed = try Qrels(
      relevant: (0..<53).map { _ in
        (0..<71).shuffled(using: &generator).prefix(Int.random(in: 1...5, using: &generator)).sorted()
      },
      documentCount: 71)
    for (qrels, d) in [(Qrels.allSubsets(documents: 41, k: 2), 19), (mixed, 3), (Qrels.allSubsets(documents: 9, k: 3), 1)] {
      let start = Embeddings.random(queries: qrels.queryCount, documents: qrels.documentCount, dimension: d, seed: 3)
      func session(blockRows: Int) throws -> OpenCLSession {
        try OpenCLSession(
          backend: backend, qrels: qrels, start: start, hyperparameters: Hyperparameters(),
          blockRows: blockRows)
      }
      let fused = try session(blockRows: 0)
      let blocked = try session(blockRows: 37)
      #expect(fused.step == .fused && blocked.step == .blocked)
      for iteration in 1...30 {
        let (a, b) = (try fused.evaluate(), try blocked.evaluate())
        #expect(abs(a.loss - b.loss) <= 1e-5 * b.loss, "step \(iteration): \(a.loss) against \(b.loss)")
        #expect(a.solvedQueries == b.solvedQueries)
        #expect(a.relevantFound == b.relevantFound)
        if iteration == 1 {
          for (x, y) in [(fused.buffers.queryGradient, blocked.buffers.queryGradient), (fused.buffers.documentGradient, blocked.buffers.documentGradient)] {
            let check = ValidationCheck("gradient", observed: try x.read(), expected: try y.read(), tolerance: 1e-4)
            #expect(check.passed, "relative error \(check.relativeError)")
          }
        }
        try fused.update(iteration: iteration)
        try blocked.update(iteration: iteration)
      }
    }
  }

  @Test func aScoreMatrixBeyondTheBudgetRunsFusedAndAgreesWithTheReference() throws {
    let qrels = Qrels.allSubsets(documents: 40, k: 2)
    // Ten rows of scores: the 780 × 40 score matrix would take 78 blocks.
    let backend = try OpenCLBackend(sharingKernelsOf: TestDevice.backend.get(), scoreBlockBytes: 1600)
    #expect(backend.step(for: qrels, dimension: 6, loss: .infonce) == .fused)
    #expect(backend.step(for: qrels, dimension: 6, loss: .hinge) == .blocked)
    let start = Embeddings.random(queries: qrels.queryCount, documents: 40, dimension: 6, seed: 5)
    let session = try backend.makeSession(qrels: qrels, start: start, hyperparameters: Hyperparameters())
    #expect((session as? OpenCLSession)?.step == .fused)
    let reference: any CPUFitEngine<Float> = CPULevel.best.makeEngine(
      qrels: qrels, dimension: 6, queries: start.queries, documents: start.documents,
      learningRate: 0.01, temperature: 0.1)
    for iteration in 1...100 {
      let (observed, expected) = (try session.evaluate(), reference.evaluate())
      #expect(abs(observed.loss - expected.loss) <= 1e-4 * expected.loss, "step \(iteration)")
      try session.update(iteration: iteration)
      reference.update(iteration: iteration)
    }
    // At n = 2000, d = 64 neither step holds the 16 GB score matrix: the blocked step takes
    // blocks within the budget, the fused step none.
    let large = try ProblemSize.allSubsets(documents: 2000, k: 2, dimension: 64)
    let scoreMatrix = 4 * Double(large.queries) * Double(large.documents)
    let defaultBackend = try TestDevice.backend.get()
    let matrices = 8 * 4 * Double(large.queries + large.documents) * 64
    #expect(defaultBackend.bytesNeeded(for: large) <= min(defaultBackend.scoreBlockBytes, scoreMatrix) + 2 * matrices)
    let fused = try OpenCLBackend(sharingKernelsOf: defaultBackend, settings: OpenCLSettings(step: .fused))
    #expect(fused.bytesNeeded(for: large) < scoreMatrix / 4)
  }

  @Test func aScoreMatrixBeyondTheBudgetRunsInBlocksWhileABlockHoldsEnoughRows() throws {
    let qrels = Qrels.allSubsets(documents: 60, k: 2)  // m = 1770
    let shared = try TestDevice.backend.get()
    for (rows, step, blocks) in [(1100, OpenCLStep.blocked, 2), (1769, .blocked, 2), (1023, .fused, 0)] {
      let backend = try OpenCLBackend(sharingKernelsOf: shared, scoreBlockBytes: Double(4 * 60 * rows))
      #expect(backend.step(for: qrels, dimension: 5, loss: .infonce) == step, "\(rows) rows")
      let start = Embeddings.random(queries: qrels.queryCount, documents: 60, dimension: 5, seed: 2)
      let session = try #require(try backend.makeSession(qrels: qrels, start: start, hyperparameters: Hyperparameters()) as? OpenCLSession)
      #expect(session.step == step && session.blocks.count == blocks, "\(rows) rows")
    }
    // Fewer queries than the minimum: blocked while a block holds them all.
    let small = Qrels.allSubsets(documents: 12, k: 2)  // m = 66
    #expect(try OpenCLBackend(sharingKernelsOf: shared, scoreBlockBytes: 4 * 12 * 66).step(for: small, dimension: 3, loss: .infonce) == .blocked)
    #expect(try OpenCLBackend(sharingKernelsOf: shared, scoreBlockBytes: 4 * 12 * 65).step(for: small, dimension: 3, loss: .infonce) == .fused)
  }

  /// Fits that stop each way: solved, plateau, iteration limit, run to plateau, and the hinge.
  static let stoppingCases: [(name: String, documents: Int, dimension: Int, settings: Hyperparameters)] = {
    var plateau = Hyperparameters()
    plateau.patience = 40
    var limit = Hyperparameters()
    limit.maxIterations = 45
    var toPlateau = Hyperparameters()
    toPlateau.stopWhenSolved = false
    toPlateau.patience = 30
    var hinge = Hyperparameters()
    hinge.loss = .hinge
    hinge.patience = 50
    return [
      ("solved", 3, 2, Hyperparameters()), ("plateau", 4, 2, plateau), ("iteration limit", 6, 3, limit),
      ("run to plateau", 3, 2, toPlateau), ("hinge", 5, 3, hinge),
    ]
  }()

  @Test(arguments: stoppingCases.indices)
  func stoppingOnTheDeviceStopsAtTheSameStepAsTheHost(index: Int) throws {
    let (name, documents, dimension, settings) = Self.stoppingCases[index]
    let device = try TestDevice.backend.get().openCLDevice
    try #require(device.hasDoublePrecision, "the device decides in double precision")
    let fit = try FreeEmbeddingFit(
      documents: documents, k: 2, dimension: dimension, hyperparameters: settings,
      checkingCapacityOf: TestDevice.backend.get())
    let shared = try TestDevice.backend.get()
    let onDevice = try fit.run(on: OpenCLBackend(sharingKernelsOf: shared, settings: OpenCLSettings(stepsPerRead: 32)))
    let onHost = try fit.run(on: OpenCLBackend(sharingKernelsOf: shared, settings: OpenCLSettings(stepsPerRead: 1)))
    #expect(onDevice.result.iterations == onHost.result.iterations, "\(name)")
    #expect(onDevice.result.stopReason == onHost.result.stopReason, "\(name)")
    #expect(onDevice.result.firstSolvedIteration == onHost.result.firstSolvedIteration, "\(name)")
    #expect(onDevice.result.finalLoss == onHost.result.finalLoss, "\(name)")
    #expect(onDevice.result.bestLoss == onHost.result.bestLoss, "\(name)")
    #expect(onDevice.embeddings == onHost.embeddings, "\(name): the parameters of the stopping step")
  }

  @Test func fitsOnTheDeviceAtOnceGiveWhatTheyGiveOneByOne() throws {
    let backend = try TestDevice.backend.get()
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
    defer { try? FileManager.default.removeItem(at: folder) }
    var settings = Hyperparameters()
    settings.patience = 100
    let fits = try (3...8).map {
      try FreeEmbeddingFit(documents: $0, k: 2, dimension: 3, hyperparameters: settings, checkingCapacityOf: backend)
    }
    let runs = try [true, false].map { concurrently in
      let store = try ResultsStore(path: folder.appendingPathComponent("\(concurrently).jsonl").path) { Issue.record("\($0)") }
      let runner = FitRunner(store: store, backend: backend)
      return try runner.run(fits, labels: fits.map { "n = \($0.size.documents)" }, concurrently: concurrently)
        .map(\.result.outcome)
    }
    #expect(runs[0] == runs[1])
  }

  @Test func theSigmoidLossReadsEveryStep() throws {
    let backend = try TestDevice.backend.get()
    var settings = Hyperparameters()
    settings.loss = .sigmoid
    let qrels = Qrels.allSubsets(documents: 5, k: 2)
    let start = Embeddings.random(queries: 10, documents: 5, dimension: 2, seed: 1)
    let sigmoid = try backend.makeSession(qrels: qrels, start: start, hyperparameters: settings)
    let infoNCE = try backend.makeSession(qrels: qrels, start: start, hyperparameters: Hyperparameters())
    #expect((sigmoid as? OpenCLSession)?.stepsPerRead == 1)
    #expect((infoNCE as? OpenCLSession)?.stepsPerRead == backend.stepsPerRead)
  }

  @Test func refusesProblemsBeyondThirtyTwoBitIndices() throws {
    let size = try ProblemSize.allSubsets(documents: 100_000, k: 2, dimension: 2)
    #expect(throws: OpenCLError.capacity(
      "m = 4999950000 queries, n = 100000 documents and 9999900000 relevant pairs exceed the "
        + "OpenCL backend's 32-bit indices")) {
      try TestDevice.backend.get().checkCapacity(for: size, loss: .infonce)
    }
  }

  @Test func blocksCoverEveryQueryOnce() throws {
    let backend = try TestDevice.backend.get()
    let qrels = Qrels.allSubsets(documents: 12, k: 2)
    let start = Embeddings.random(queries: 66, documents: 12, dimension: 3, seed: 1)
    let session = try OpenCLSession(
      backend: backend, qrels: qrels, start: start, hyperparameters: Hyperparameters(),
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
  /// A backend is a plug-in: outside its own folder, the library's code names the OpenCL
  /// backend on one line, the registry's (comments aside).
  @Test func theLibraryNamesTheOpenCLBackendOnlyInTheRegistry() throws {
    let library = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("Sources/LimitFit")
    let files = try #require(FileManager.default.enumerator(at: library, includingPropertiesForKeys: nil))
      .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" && !$0.path.contains("/OpenCL/") }
    #expect(files.count > 50)
    var naming: [String] = []
    for file in files {
      for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") {
        let code = line.trimmingCharacters(in: .whitespaces)
        if !code.hasPrefix("//") && code.contains("OpenCL") { naming.append(file.lastPathComponent + ": " + code) }
      }
    }
    #expect(naming == ["BackendSelection.swift: public static let providers: [any BackendProvider] = [OpenCLProvider(), CPUProvider()]"])
  }

  @Test func autoPrefersTheGPUWithTheMostComputeUnits() throws {
    let devices: [(kind: OpenCLDevice.Kind, computeUnits: Int)] = [
      (.cpu, 64), (.gpu, 20), (.accelerator, 100), (.gpu, 132), (.gpu, 132), (.other, 1),
    ]
    #expect(OpenCLDevice.automaticIndex(among: devices) == 3)
    #expect(OpenCLDevice.automaticIndex(among: [(.gpu, 1)]) == 0)
    #expect(OpenCLDevice.automaticIndex(among: [(.cpu, 64), (.accelerator, 8)]) == nil)
    #expect(OpenCLDevice.automaticIndex(among: []) == nil)
  }

  @Test(.enabled(if: ((try? OpenCLDevice.all()) ?? []).allSatisfy { $0.kind != .gpu }, "this machine has an OpenCL GPU"))
  func autoRunsTheCPUBackendWithoutAGPU() throws {
    let devices = (try? OpenCLDevice.all()) ?? []
    var notices: [String] = []
    let backend = try BackendSelection.makeBackend(.auto) { notices.append($0) }
    #expect(backend.name == "cpu")
    #expect(notices.isEmpty || devices.isEmpty)
  }

  @Test func cpuIsAlwaysTheCPUBackend() throws {
    #expect(try BackendSelection.makeBackend(.cpu, device: 3) { _ in }.name == "cpu")
  }
}

// Suites nested in OpenCLTests, so that they take turns with it.
extension OpenCLTests {
  @Suite struct KernelSignatureTests {
    @Test func theProgramAgreesWithTheDeclarations() throws {
      let runtime = try TestDevice.backend.get().runtime
      #expect(try runtime.signatureMismatches() == [])
      // The main program's kernels (record_step only with double precision), then one loss
      // kernel for every loss.
      let kernels = runtime.builtKernels
      #expect(kernels.filter { $0.kernel != .rowLosses }.count >= OpenCLRuntime.Kernel.allCases.count - 2)
      #expect(kernels.filter { $0.kernel == .rowLosses }.map(\.name) == Loss.allCases.map { "row_losses (\($0))" }.sorted())
    }

    @Test func aLaunchWithTheWrongArgumentsIsRefused() throws {
      let kernel = OpenCLRuntime.Kernel.reduceRows
      let float = OpenCLRuntime.Argument.buffer(OpaquePointer(bitPattern: 8)!, element: "float")
      let int = OpenCLRuntime.Argument.buffer(OpaquePointer(bitPattern: 8)!, element: "int")
      let uint = OpenCLRuntime.Argument.buffer(OpaquePointer(bitPattern: 8)!, element: "uint")
      func refused(_ arguments: KeyValuePairs<String, OpenCLRuntime.Argument>, _ message: String) {
        #expect(throws: OpenCLError.signature("reduce_rows " + message)) { try kernel.bind(arguments) }
      }
      refused(["m": .int(1)], "argument row_loss not given")
      refused(["m": .float(1), "row_loss": float, "row_solved": int, "row_found": int, "row_bias_gradient": float, "totals": uint],
        "argument 0 (int m) given a float")
      refused(["m": .int(1), "row_loss": int, "row_solved": int, "row_found": int, "row_bias_gradient": float, "totals": uint],
        "argument 1 (__global float *row_loss) given a buffer of int")
      refused(["rows": .int(1), "row_loss": float, "row_solved": int, "row_found": int, "row_bias_gradient": float, "totals": uint],
        "has no argument named rows")
      refused(["m": .int(1), "m": .int(2)], "argument m given twice")
      let bound = try kernel.bind(["totals": uint, "row_found": int, "row_solved": int, "m": .int(4), "row_bias_gradient": float, "row_loss": float])
      #expect(bound.map(\.description) == ["an int", "a buffer of float", "a buffer of int", "a buffer of int", "a buffer of float", "a buffer of uint"])
    }

    @Test func argumentsAreBoundByNameNotByPosition() throws {
      // n and d given in the other order still land where the kernel declares them.
      let buffer = OpenCLRuntime.Argument.buffer(OpaquePointer(bitPattern: 8)!, element: "float")
      let bound = try OpenCLRuntime.Kernel.scores.bind([
        "d": .int(3), "n": .int(7), "rows": .int(5), "row0": .int(0), "inverse_temperature": .float(10),
        "Q": buffer, "D": buffer, "S": buffer,
      ])
      guard case .int(let rows) = bound[0], case .int(let n) = bound[1], case .int(let d) = bound[2] else {
        Issue.record("the first three arguments are not ints: \(bound)")
        return
      }
      #expect(rows == 5 && n == 7 && d == 3, "rows \(rows), n \(n), d \(d)")
    }
  }

  /// The device memory a runtime holds, counted while no other test allocates on it.
  @Suite struct DeviceMemoryTests {
    @Test func aThousandFitsDoNotLeakDeviceMemory() throws {
      // The OpenCL tests take turns: only this test allocates on the runtime meanwhile.
      let backend = try TestDevice.backend.get()
      let qrels = Qrels.allSubsets(documents: 64, k: 2)
      let start = Embeddings.random(queries: qrels.queryCount, documents: 64, dimension: 16, seed: 1)
      func fit() throws {
        let session = try backend.makeSession(qrels: qrels, start: start, hyperparameters: Hyperparameters())
        _ = try session.evaluate()
      }
      // About 1 MiB of device buffers per fit: every one must be released with its session.
      let before = backend.runtime.allocatedBytes
      do {
        let session = try backend.makeSession(qrels: qrels, start: start, hyperparameters: Hyperparameters())
        #expect(backend.runtime.allocatedBytes > before + 4 * 64 * 16)
        _ = try session.evaluate()
      }
      for _ in 0..<1000 { try fit() }
      #expect(backend.runtime.allocatedBytes == before)
      // And the host side of the sessions does not grow either (a gigabyte if it leaked).
      for _ in 0..<50 { try fit() }
      let resident = try residentBytes()
      for _ in 0..<1000 { try fit() }
      let growth = try residentBytes() - resident
      #expect(
        growth < 64 << 20 || sanitizer != nil,
        "resident memory grew by \(formatBytes(Double(growth)))")
    }

    /// The estimate against the bytes a session's buffers take, guard regions included: blocked
    /// and fused, one read per step and several.
    @Test(arguments: [(12, 3, 0.0), (40, 6, 1600), (31, 17, 0.0)])
    func theEstimateIsWhatASessionAllocates(documents: Int, dimension: Int, scoreBlockBytes: Double) throws {
      let shared = try TestDevice.backend.get()
      for stepsPerRead in [1, 32] {
        let backend = try OpenCLBackend(
          sharingKernelsOf: shared, scoreBlockBytes: scoreBlockBytes == 0 ? nil : scoreBlockBytes,
          settings: OpenCLSettings(stepsPerRead: stepsPerRead))
        let qrels = Qrels.allSubsets(documents: documents, k: 2)
        let size = try ProblemSize(qrels: qrels, dimension: dimension)
        let start = Embeddings.random(queries: qrels.queryCount, documents: documents, dimension: dimension, seed: 3)
        let before = backend.runtime.allocatedBytes
        let session = try backend.makeSession(qrels: qrels, start: start, hyperparameters: Hyperparameters())
        #expect(
          Double(backend.runtime.allocatedBytes - before) == backend.bytesNeeded(for: size),
          "n = \(documents), d = \(dimension), \((session as? OpenCLSession)?.step.rawValue ?? "?"), \(stepsPerRead) steps per read")
      }
    }
  }
}

@Suite struct OpenCLSettingsTests {
  @Test func theEnvironmentGivesTheSettings() throws {
    #expect(try OpenCLSettings(environment: [:]) == OpenCLSettings())
    let settings = try OpenCLSettings(environment: [
      "LIMITFIT_OPENCL_STEP": "fused", "LIMITFIT_STEPS_PER_READ": "8", "LIMITFIT_GRADIENT_PARTS": "3",
      "LIMITFIT_ROW_GROUP": "32", "LIMITFIT_OTHER": "x", "HOME": "/home/a",
    ])
    #expect(
      settings
        == OpenCLSettings(
          step: .fused, stepsPerRead: 8, rowGroup: 32, gradientParts: 3, tuningFile: "/home/a/.cache/limitfit/tuning.json",
          cacheFolder: "/home/a/.cache/limitfit"))
    // XDG's cache folder before HOME's; LIMITFIT_CACHE before both; LIMITFIT_TUNING for the file.
    let xdg = try OpenCLSettings(environment: ["HOME": "/home/a", "XDG_CACHE_HOME": "/c"])
    #expect(xdg.cacheFolder == "/c/limitfit" && xdg.tuningFile == "/c/limitfit/tuning.json")
    let chosen = try OpenCLSettings(environment: ["HOME": "/home/a", "LIMITFIT_CACHE": "/x", "LIMITFIT_TUNING": "/t.json"])
    #expect(chosen.cacheFolder == "/x" && chosen.tuningFile == "/t.json")
    let off = try OpenCLSettings(environment: ["HOME": "/home/a", "LIMITFIT_CACHE": ""])
    #expect(off.cacheFolder == nil && off.tuningFile == nil)
    #expect(throws: LimitFitError("LIMITFIT_STEPS_PER_READ=4097: expected a number of steps from 1 to 4096")) {
      try OpenCLSettings(environment: ["LIMITFIT_STEPS_PER_READ": "4097"])
    }
    #expect(throws: LimitFitError("LIMITFIT_ROW_GROUP=abc: expected a power of two")) {
      try OpenCLSettings(environment: ["LIMITFIT_ROW_GROUP": "abc"])
    }
    for bad in ["0", "1025", "-1", "x"] {
      #expect(throws: LimitFitError("LIMITFIT_GRADIENT_PARTS=\(bad): expected a number of parts from 1 to 1024")) {
        try OpenCLSettings(environment: ["LIMITFIT_GRADIENT_PARTS": bad])
      }
    }
  }

  @Test func workGroupSizesArePowersOfTwoWithinTheDevicesLimit() throws {
    #expect(try OpenCLSettings.workGroupSize(nil, named: "T", limit: 16) == nil)
    #expect(try OpenCLSettings.workGroupSize(8, named: "T", limit: 16) == 8)
    for bad in [0, -4, 3, 32] {
      #expect(throws: LimitFitError("T=\(bad): expected a power of two from 1 to 16 for this device")) {
        try OpenCLSettings.workGroupSize(bad, named: "T", limit: 16)
      }
    }
  }
}

/// The program cache's envelope: a damaged file, or another entry's, never reaches the driver.
@Suite struct ProgramCacheTests {
  @Test func anyDamageToACachedBinaryIsCaught() throws {
    let binary = Data((0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
    let key: UInt64 = 0x1234_5678_9abc_def0
    let file = ProgramCache.envelope(binary, key: key)
    #expect(ProgramCache.binary(inEnvelope: file, key: key) == binary)
    #expect(ProgramCache.binary(inEnvelope: file.prefix(1000), key: key) == nil)
    #expect(ProgramCache.binary(inEnvelope: file + Data([0]), key: key) == nil)
    var flipped = file
    flipped[file.count - 100] ^= 0x10
    #expect(ProgramCache.binary(inEnvelope: flipped, key: key) == nil)
    // Another entry's file, whole, copied under this entry's name.
    #expect(ProgramCache.binary(inEnvelope: file, key: key + 1) == nil)
    // A binary cached before the envelope, or any other file.
    #expect(ProgramCache.binary(inEnvelope: binary, key: key) == nil)
    #expect(ProgramCache.binary(inEnvelope: Data(), key: key) == nil)
  }
}
