import Foundation
import LimitFit
import TestSupport
import Testing

/// Whether an OpenCL platform exists here, asked of the built tool; in CI it must.
let hasOpenCL: Bool = {
  let devices = try? limitfit(["devices"])
  return devices?.standardOutput.hasPrefix("Platform 0:") == true
}()

@Suite(.enabled(
  if: hasOpenCL || ProcessInfo.processInfo.environment["CI"] == "true",
  "skipped: limitfit devices finds no OpenCL platform"))
struct OpenCLCommandTests {
  @Test func devicesListsPoCLAndWhatAutoPicks() throws {
    let run = try limitfit(["devices"])
    #expect(run.status == 0)
    #expect(run.standardOutput.contains("[0] "))
    #expect(run.standardOutput.contains("compute units"))
    #expect(run.standardOutput.contains("max allocation"))
    // Without a GPU (PoCL only) auto says it runs the cpu backend; with one, a device is marked.
    if run.standardOutput.contains("type GPU") {
      #expect(run.standardOutput.contains("* auto picks device"))
    } else {
      #expect(run.standardOutput.contains("auto runs the cpu backend: there is no OpenCL GPU"))
    }
  }

  @Test func aDamagedProgramCacheIsRebuilt() throws {
    let cache = try temporaryFolder().path
    let arguments = ["fit", "--docs", "5", "--dim", "3", "--backend", "opencl"]
    #expect(try limitfit(arguments, environment: ["LIMITFIT_CACHE": cache]).status == 0)
    let programs = cache + "/programs"
    let name = try #require(try FileManager.default.contentsOfDirectory(atPath: programs).first { $0.hasSuffix(".bin") })
    let path = programs + "/" + name
    let whole = try Data(contentsOf: URL(fileURLWithPath: path))
    // Cut short (PoCL crashed on both), then one byte changed.
    var flipped = whole
    flipped[whole.count / 2] ^= 0x01
    for damaged in [whole.prefix(1000), whole.prefix(whole.count * 3 / 4), flipped] {
      try damaged.write(to: URL(fileURLWithPath: path))
      let run = try limitfitGuarded(arguments, environment: ["LIMITFIT_CACHE": cache])
      #expect(run.status == 0, "\(run.standardError)")
      let cached = try Data(contentsOf: URL(fileURLWithPath: path))
      #expect(cached.starts(with: Data("limitfit-program-binary-2\n".utf8)) && cached != damaged, "not cached again")
    }
    // Another entry's file, whole, under this one's name (the main program and the loss's).
    let other = try #require(try FileManager.default.contentsOfDirectory(atPath: programs).first { $0.hasSuffix(".bin") && $0 != name })
    let foreign = try Data(contentsOf: URL(fileURLWithPath: programs + "/" + other))
    try foreign.write(to: URL(fileURLWithPath: path))
    let run = try limitfitGuarded(arguments, environment: ["LIMITFIT_CACHE": cache])
    #expect(run.status == 0, "\(run.standardError)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) != foreign, "another entry's program was taken")
  }

  @Test func threeDocumentsInThePlaneAreSolvedOnOpenCL() throws {
    let run = try limitfit(["fit", "--docs", "3", "--dim", "2", "--backend", "opencl", "--json", "-"])
    #expect(run.status == 0)
    let result = try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any]
    #expect(result?["solved"] as? Bool == true)
    #expect(result?["backend"] as? String == "opencl")
  }

  @Test func validatePassesOnTheDevice() throws {
    let run = try limitfit(["validate", "--backend", "opencl"])
    #expect(run.status == 0, "\(run.standardOutput)")
    #expect(run.standardOutput.hasPrefix("Validating "))
    #expect(run.standardOutput.contains("max abs err     rel err   tolerance    worst at    over tol  result"))
    #expect(run.standardOutput.contains("kernel signatures: every argument as declared"))
    #expect(run.standardOutput.contains("\ntiles ("))
    #expect(run.standardOutput.contains("d=128"))
    // The backend's own checks, then the suite in each of its configurations.
    #expect(run.standardOutput.contains("scores S = QDᵀ/τ, n=45 k=2 d=64"))
    #expect(run.standardOutput.contains("whole fit: first 200 losses, n=45 k=2 d=64 (blocked, 1 block of 990 rows"))
    #expect(run.standardOutput.contains("∇D in 3 parts"))
    #expect(run.standardOutput.contains("whole fit: first 200 losses, n=45 k=2 d=64 (fused)"))
    #expect(run.standardOutput.contains("whole fit: n=4 d=2 is not solved (fused)"))
    #expect(run.standardOutput.hasSuffix(" passed, 0 failed\n"))
    #expect(!run.standardOutput.contains("FAIL"))
  }

  @Test func benchMeasuresEveryBackend() throws {
    let run = try limitfit(["bench", "--docs", "12", "--dim", "3", "--seconds", "0", "--repeats", "1", "--json"])
    #expect(run.status == 0, "\(run.standardError)")
    let lines = run.standardOutput.split(separator: "\n")
    let backends = try lines.map { line in
      let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
      #expect((object?["iterationsPerSecond"] as? Double ?? 0) > 0)
      #expect(object?["queries"] as? Int == 66)
      if object?["backend"] as? String == "opencl" {
        let plan = object?["plan"] as? [String: Any]
        #expect(plan?["step"] as? String == "blocked")
        #expect((plan?["settings"] as? String)?.hasPrefix("tiles (") == true)
      }
      return object?["backend"] as? String
    }
    #expect(backends == ["cpu", "opencl"])
  }

  @Test func tuneRefusesAFileItCannotReadOrWriteBeforeTuning() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let garbage = try writeFile("tuning.json", "not json")
    for (arguments, environment, expected) in [
      (["tune", "--output", "/proc/limitfit/tuning.json"], [:], "Error: --output /proc/limitfit/tuning.json: cannot write in /proc"),
      (["tune", "--output", garbage], [:], "Error: \(garbage): not a tuning file limitfit wrote"),
      (["tune"], ["LIMITFIT_TUNING": folder.path], "Error: the tuning file \(folder.path): not a regular file; it is never replaced"),
      (["fit", "--docs", "3", "--dim", "2", "--backend", "opencl"], ["LIMITFIT_TUNING": garbage], "Error: \(garbage): not a tuning file"),
    ] {
      let run = try limitfit(arguments, environment: environment)
      #expect(run.status == 1)
      #expect(run.standardError.hasPrefix(expected), "\(run.standardError)")
      #expect(run.standardError.split(separator: "\n").count == 1)
      #expect(run.standardOutput.isEmpty)
    }
  }

  @Test func aMissingDeviceIsOneLine() throws {
    for arguments in [["fit", "--docs", "3", "--dim", "2", "--device", "99"], ["validate", "--device", "99"]] {
      let run = try limitfit(arguments)
      #expect(run.status != 0)
      #expect(run.standardError.hasPrefix("Error: OpenCL device 99 does not exist: the devices are 0 to "))
      // The library names no command; the command line points at the one that lists them.
      #expect(run.standardError.hasSuffix(" (see limitfit devices)\n"))
      #expect(run.standardError.split(separator: "\n").count == 1)
    }
  }

  @Test(arguments: [
    ("LIMITFIT_STEPS_PER_READ", "0", "a number of steps from 1 to 4096"),
    ("LIMITFIT_OPENCL_STEP", "tiled", "fused or blocked"),
    ("LIMITFIT_GRADIENT_PARTS", "0", "a number of parts from 1 to 1024"),
    ("LIMITFIT_ROW_GROUP", "1000000", "a power of two from 1 to "),
  ])
  func aBadTuningVariableIsOneLine(name: String, value: String, expected: String) throws {
    let run = try limitfit(["fit", "--docs", "3", "--dim", "2", "--backend", "opencl"], environment: [name: value])
    #expect(run.status != 0)
    #expect(run.standardError.hasPrefix("Error: \(name)=\(value): expected \(expected)"), "\(run.standardError)")
    #expect(run.standardError.split(separator: "\n").count == 1)
  }

  @Test func aBadDeviceVariableIsOneLine() throws {
    let run = try limitfit(["fit", "--docs", "3", "--dim", "2", "--backend", "opencl"], environment: ["LIMITFIT_DEVICE": "gpu"])
    #expect(run.status != 0)
    #expect(run.standardError == "Error: LIMITFIT_DEVICE=gpu is not a device index (0, 1, …)\n")
  }
}

@Suite struct FallbackTests {
  /// Ways to hide OpenCL: no library at all, or a loader with no platform registered.
  static let hidden: [(name: String, environment: [String: String], reason: String)] = [
    ("no library", ["LIMITFIT_OPENCL_LIBRARY": "/nonexistent/libOpenCL.so.1"],
     "OpenCL is not available: cannot load /nonexistent/libOpenCL.so.1"),
    ("no platform", ["OCL_ICD_VENDORS": emptyFolder()],
     "no OpenCL platform found (error -1001, CL_PLATFORM_NOT_FOUND_KHR)"),
  ]

  static func emptyFolder() -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("limitfit-no-vendors")
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder.path
  }

  @Test(arguments: hidden.indices)
  func autoFallsBackToTheCPUWithANotice(index: Int) throws {
    let (name, environment, reason) = Self.hidden[index]
    let run = try limitfit(["fit", "--docs", "3", "--dim", "2"], environment: environment)
    #expect(run.status == 0, "\(name)")
    #expect(run.standardOutput.hasPrefix("solved: n = 3"), "\(name)")
    #expect(run.standardOutput.contains("on cpu"), "\(name)")
    #expect(run.standardError.hasPrefix("limitfit: " + reason), "\(name): \(run.standardError)")
    #expect(run.standardError.hasSuffix("; using the cpu backend\n"), "\(name)")
    #expect(run.standardError.split(separator: "\n").count == 1, "\(name)")
  }

  @Test(arguments: hidden.indices)
  func explicitOpenCLFailsWithOneLine(index: Int) throws {
    let (name, environment, reason) = Self.hidden[index]
    for arguments in [["fit", "--docs", "3", "--dim", "2", "--backend", "opencl"], ["validate"]] {
      let run = try limitfit(arguments, environment: environment)
      #expect(run.status == 1, "\(name): \(arguments)")
      #expect(run.standardOutput.isEmpty)
      #expect(run.standardError.hasPrefix("Error: " + reason), "\(name): \(run.standardError)")
      #expect(run.standardError.split(separator: "\n").count == 1, "\(name)")
    }
  }

  @Test(arguments: hidden.indices)
  func devicesSaysWhyThereIsNone(index: Int) throws {
    let (name, environment, reason) = Self.hidden[index]
    let run = try limitfit(["devices"], environment: environment)
    #expect(run.status == 0, "\(name)")
    #expect(run.standardOutput.hasPrefix("No OpenCL device: " + reason), "\(name)")
    #expect(run.standardOutput.contains("auto runs the cpu backend"))
  }

  @Test func deviceDoesNotApplyToTheCPUBackend() throws {
    let run = try limitfit(["fit", "--docs", "3", "--dim", "2", "--backend", "cpu", "--device", "0"])
    #expect(run.status == 1)
    #expect(run.standardError == "Error: --device 0 selects an OpenCL device; it does not apply to --backend cpu\n")
  }

  @Test func validateRunsTheConformanceSuiteOnTheCPUBackend() throws {
    let run = try limitfit(["validate", "--backend", "cpu"])
    #expect(run.status == 0, "\(run.standardOutput)")
    #expect(run.standardOutput.hasPrefix("Validating cpu on CPU ("))
    // Every instruction-set level this machine runs, each against the reference.
    for level in CPULevel.available {
      #expect(run.standardOutput.contains("n=45 k=2 d=64 (\(level.rawValue))"), "\(level)")
    }
    #expect(run.standardOutput.contains("hinge mixed |R| n=23 d=5"))
    #expect(run.standardOutput.hasSuffix(" passed, 0 failed\n"))
    #expect(!run.standardOutput.contains("FAIL"))
  }
}
