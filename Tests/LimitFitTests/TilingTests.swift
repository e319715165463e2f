import Foundation
import TestSupport
import Testing
@testable import LimitFit

/// Tile shapes unlike any family's defaults: tall, wide, one output per work-item, deep.
private let unusualShapes: [TileParameters] = [
  TileParameters(
    scores: TileShape(outputRows: 64, outputColumns: 16, depth: 16, rowItems: 16, columnItems: 4),
    gradients: TileShape(outputRows: 16, outputColumns: 32, depth: 4, rowItems: 2, columnItems: 8)),
  TileParameters(
    scores: TileShape(outputRows: 8, outputColumns: 8, depth: 32, rowItems: 8, columnItems: 8),
    gradients: TileShape(outputRows: 8, outputColumns: 64, depth: 8, rowItems: 1, columnItems: 8)),
]

// Nested in OpenCLTests, so that they take turns with it.
extension OpenCLTests {
  @Suite struct TilingTests {
    /// A backend on the test device with `settings`, its own build.
    private func backend(_ settings: OpenCLSettings) throws -> OpenCLBackend {
      try OpenCLBackend(device: TestDevice.backend.get().openCLDevice, settings: settings)
    }

    @Test(arguments: unusualShapes.indices)
    func everyTileShapeComputesTheSameProducts(_ index: Int) throws {
      let backend = try backend(OpenCLSettings(tiles: unusualShapes[index]))
      #expect(backend.tiles.origin == "as given")
      let checks = try KernelValidation(backend: backend).checkKernels()
      #expect(checks.count > 50)
      for check in checks {
        #expect(check.passed, "\(unusualShapes[index]): \(check.name): error \(check.relativeError) > \(check.tolerance)")
      }
    }

    @Test func everyBlockFitsThePartialSumsBuffer() throws {
      // Rounding can split a short last block into more parts than a full one; the buffer
      // must hold the most any block takes.
      let runtime = try TestDevice.backend.get().runtime
      var generator = SplitMix64(seed: 7)
      for _ in 0..<2000 {
        let queries = Int.random(in: 1...5000, using: &generator)
        let blockRows = Int.random(in: 1...queries, using: &generator)
        let documents = Int.random(in: 1...300, using: &generator)
        let dimension = Int.random(in: 1...130, using: &generator)
        let requested = Bool.random(using: &generator) ? nil : Int.random(in: 1...40, using: &generator)
        let capacity = OpenCLSession.documentGradientParts(
          queries: queries, blockRows: blockRows, documents: documents, dimension: dimension, runtime: runtime,
          requested: requested)
        for start in stride(from: 0, to: queries, by: blockRows) {
          let rows = min(blockRows, queries - start)
          let split = OpenCLSession.documentGradientSplit(
            rows: rows, documents: documents, dimension: dimension, runtime: runtime, requested: requested)
          #expect(split.parts <= capacity && split.parts >= 1)
          #expect(split.rowsPerPart % runtime.tiles.gradients.depth == 0)
          // Every query in exactly one part: the parts cover the rows, and none is empty.
          #expect(split.parts * split.rowsPerPart >= rows && (split.parts - 1) * split.rowsPerPart < rows)
        }
      }
    }

    @Test func aSplitSumAgreesWithOnePart() throws {
      let shared = try TestDevice.backend.get()
      var settings = Hyperparameters()
      settings.maxIterations = 300
      let fit = try FreeEmbeddingFit(documents: 24, k: 2, dimension: 5, hyperparameters: settings, checkingCapacityOf: shared)
      let start = Embeddings.random(queries: fit.qrels.queryCount, documents: 24, dimension: 5, seed: 3)
      var gradients: [[Float]] = []
      var results: [FitResult] = []
      for parts in [1, 7] {
        let backend = try OpenCLBackend(
          sharingKernelsOf: shared, scoreBlockBytes: 4 * 24 * 100,  // three blocks
          settings: OpenCLSettings(step: .blocked, gradientParts: parts))
        let session = try #require(try backend.makeSession(qrels: fit.qrels, start: start, hyperparameters: settings) as? OpenCLSession)
        #expect(session.blocks.count == 3)
        _ = try session.evaluate()
        gradients.append(try session.buffers.documentGradient.read())
        results.append(try fit.run(on: backend).result)
      }
      // The partial sums round differently: the gradients agree to float32 rounding.
      let scale = gradients[0].map(abs).max() ?? 0
      #expect(zip(gradients[0], gradients[1]).allSatisfy { abs($0 - $1) <= 1e-5 * scale })
      #expect(results[0].iterations == 300 && results[1].iterations == 300)
      #expect(abs(results[0].finalLoss - results[1].finalLoss) <= 1e-4 * results[0].finalLoss)
    }

    @Test func builtProgramsAreCachedOnDisk() throws {
      let folder = try temporaryFolder()
      defer { try? FileManager.default.removeItem(at: folder) }
      let settings = OpenCLSettings(cacheFolder: folder.path)
      let first = try backend(settings)
      #expect(!first.runtime.programFromCache)
      let programs = folder.appendingPathComponent("programs")
      let files = try FileManager.default.contentsOfDirectory(atPath: programs.path)
      #expect(files.count == 1)
      let second = try backend(settings)
      #expect(second.runtime.programFromCache)
      // Validation compares the kernels' declared arguments through a build from source.
      let signature = try KernelValidation(backend: second).checkSignatures()
      #expect(signature.name.hasPrefix("kernel signatures: every argument as declared") && signature.passed)
      var short = Hyperparameters()
      short.maxIterations = 50
      let fit = try FreeEmbeddingFit(documents: 6, k: 2, dimension: 3, hyperparameters: short, checkingCapacityOf: first)
      let reference = try fit.run(on: first).embeddings
      #expect(try fit.run(on: second).embeddings == reference)

      // The fit added its loss's program; other options (tiles) are another main program; a
      // damaged binary is rebuilt from source.
      let cached = try FileManager.default.contentsOfDirectory(atPath: programs.path).count
      #expect(cached == 2)
      _ = try backend(OpenCLSettings(tiles: unusualShapes[0], cacheFolder: folder.path))
      #expect(try FileManager.default.contentsOfDirectory(atPath: programs.path).count == cached + 1)
      try Data("not a program".utf8).write(to: programs.appendingPathComponent(files[0]))
      let rebuilt = try backend(settings)
      #expect(!rebuilt.runtime.programFromCache)
      #expect(try fit.run(on: rebuilt).embeddings == reference)
      #expect(try backend(settings).runtime.programFromCache)
    }

    @Test func theTuningFileChoosesTheTilesForItsDevice() throws {
      let device = try TestDevice.backend.get().openCLDevice
      let folder = try temporaryFolder()
      defer { try? FileManager.default.removeItem(at: folder) }
      let path = folder.appendingPathComponent("sub/tuning.json").path
      #expect(try TuningFile.load(path: path).devices.isEmpty)
      let defaults = try OpenCLSettings(tuningFile: path).tileParameters(for: device)
      #expect(defaults.parameters == TileParameters.defaults(for: device).parameters)
      #expect(defaults.origin.hasPrefix("defaults for "))

      var file = TuningFile()
      file.devices[TuningFile.key(for: device)] = TuningFile.Entry(
        device: device.name, driver: device.driverVersion, parameters: unusualShapes[1], tuned: "2026-11-29T00:00:00Z",
        toolVersion: limitfitVersion, measurements: [])
      file.devices["another device | 1.0"] = file.devices[TuningFile.key(for: device)]
      try file.save(path: path)
      let tuned = try OpenCLSettings(tuningFile: path).tileParameters(for: device)
      #expect(tuned.parameters == unusualShapes[1])
      #expect(tuned.origin == "tuned 2026-11-29, \(path)")
      #expect(try TuningFile.load(path: path).devices.count == 2)
      // Given tiles win over the file.
      #expect(try OpenCLSettings(tiles: unusualShapes[0], tuningFile: path).tileParameters(for: device).parameters == unusualShapes[0])

      // Parameters the device cannot run, and files that are not tuning files: one line each.
      var impossible = unusualShapes[1]
      impossible.scores.rowItems = 3
      file.devices[TuningFile.key(for: device)]?.parameters = impossible
      try file.save(path: path)
      #expect(throws: LimitFitError("tile parameters tuned 2026-11-29, \(path): scores tiles \(impossible.scores): every size must be a power of two from 1 to 1024 on \(device.name)")) {
        try OpenCLSettings(tuningFile: path).tileParameters(for: device)
      }
      for (text, reason) in [("[1, 2]", "Expected to decode Dictionary<String, Any> but found an array instead."), ("{}", "no \"devices\"")] {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: LimitFitError("\(path): not a tuning file limitfit wrote (\(reason)); remove it, or name another file with LIMITFIT_TUNING")) {
          try OpenCLSettings(tuningFile: path).tileParameters(for: device)
        }
      }
      #expect(throws: LimitFitError("\(folder.path): cannot be read as the tuning file (a folder)")) {
        try TuningFile.load(path: folder.path)
      }
    }

    @Test func shapesTheDeviceCannotRunAreNamed() throws {
      func problem(_ shape: TileShape) -> String? { shape.problem(maximumWorkGroupSize: 256, localMemory: 48 * 1024) }
      #expect(problem(TileShape(outputRows: 64, outputColumns: 64, depth: 16, rowItems: 16, columnItems: 16)) == nil)
      #expect(problem(TileShape(outputRows: 64, outputColumns: 64, depth: 16, rowItems: 32, columnItems: 16))
        == "512 work-items per work-group; the device takes at most 256")
      #expect(problem(TileShape(outputRows: 16, outputColumns: 64, depth: 16, rowItems: 32, columnItems: 8))
        == "the outputs (16×64) must be multiples of the work-items (32×8)")
      #expect(problem(TileShape(outputRows: 128, outputColumns: 128, depth: 16, rowItems: 8, columnItems: 8))
        == "256 outputs per work-item; at most 64 fit in registers")
      #expect(TileShape(outputRows: 256, outputColumns: 256, depth: 32, rowItems: 32, columnItems: 32)
        .problem(maximumWorkGroupSize: 1024, localMemory: 48 * 1024) == "65792 bytes of local memory; the device has 49152")
      for bad in [0, -16, 24, Int.max, 2048] {
        #expect(problem(TileShape(outputRows: bad, outputColumns: 16, depth: 16, rowItems: 4, columnItems: 4))
          == "every size must be a power of two from 1 to 1024")
      }
    }

    @Test func theTunerChoosesACheckedShapeAndRecordsItsTimes() throws {
      let device = try TestDevice.backend.get().openCLDevice
      var tuner = KernelTuner(device: device, settings: OpenCLSettings(), sizes: [(24, 5)])
      let defaults = TileParameters.defaults(for: device).parameters
      let other = TileShape(outputRows: 16, outputColumns: 16, depth: 8, rowItems: 4, columnItems: 4)
      tuner.candidates = [.scores: [defaults.scores, other], .gradients: [defaults.gradients]]
      var lines: [String] = []
      let entry = try tuner.run { lines.append($0) }
      #expect(lines.count == 3)
      #expect(lines[0].hasPrefix("scores \(defaults.scores): (24, 5) "))
      #expect(lines[0].hasSuffix("; 1.00× the first candidate's time"))
      #expect([defaults.scores, other].contains(entry.parameters.scores))
      #expect(entry.parameters.gradients == defaults.gradients)
      #expect(entry.measurements.count == 3)
      #expect(entry.measurements.allSatisfy { $0.seconds > 0 && $0.gigaflops > 0 && $0.rows == 276 })
      #expect(entry.device == device.name && entry.driver == device.driverVersion)
    }

    @Test func theDefaultCandidatesAreRunnableAndDistinct() throws {
      let device = try TestDevice.backend.get().openCLDevice
      for family in KernelTuner.Family.allCases {
        let shapes = KernelTuner.candidates(family, for: device)
        #expect(shapes.count >= 3)
        #expect(shapes.first == family.shape(of: TileParameters.defaults(for: device).parameters))
        #expect(Set(shapes).count == shapes.count)
        #expect(shapes.allSatisfy {
          $0.problem(maximumWorkGroupSize: device.maximumWorkGroupSize, localMemory: device.localMemory) == nil
        })
      }
    }
  }
}
