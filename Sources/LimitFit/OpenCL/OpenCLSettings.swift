/// How users tune the OpenCL backend: environment variables that the command line reads and
/// passes on (`init(environment:)`); `nil` leaves the choice to the backend.
public struct OpenCLSettings: Equatable, Sendable {
  /// LIMITFIT_OPENCL_STEP: the step every InfoNCE fit takes, fused or blocked.
  public var step: OpenCLStep?
  /// LIMITFIT_STEPS_PER_READ: steps between two reads of the results, 1 to 4096 (default 32;
  /// 1 reads every step).
  public var stepsPerRead: Int?
  /// LIMITFIT_ROW_GROUP: work-items per row, a power of two within the device's limits.
  public var rowGroup: Int?
  /// LIMITFIT_GRADIENT_PARTS: the parts ∇D's sum over queries is split into, 1 to 1024 (by
  /// default enough to fill the device; at most one per KWG queries of a block).
  public var gradientParts: Int?
  /// The tiled products' shapes; by default the tuning file's for the device, else its
  /// family's defaults (`TileParameters.defaults(for:)`).
  public var tiles: TileParameters?
  /// LIMITFIT_TUNING: the tuning file `limitfit tune` writes and fits read; by default
  /// tuning.json in the cache folder.
  public var tuningFile: String?
  /// LIMITFIT_CACHE: the folder of the built programs' cache (programs/) and the tuning file;
  /// by default $XDG_CACHE_HOME/limitfit or ~/.cache/limitfit. Empty: no cache.
  public var cacheFolder: String?

  static let stepVariable = "LIMITFIT_OPENCL_STEP"
  static let stepsPerReadVariable = "LIMITFIT_STEPS_PER_READ"
  static let rowGroupVariable = "LIMITFIT_ROW_GROUP"
  static let gradientPartsVariable = "LIMITFIT_GRADIENT_PARTS"
  static let tuningVariable = "LIMITFIT_TUNING"
  static let cacheVariable = "LIMITFIT_CACHE"

  /// Settings with these values; without a tuning file or cache folder, nothing is read from
  /// or written to disk.
  public init(
    step: OpenCLStep? = nil, stepsPerRead: Int? = nil, rowGroup: Int? = nil, gradientParts: Int? = nil,
    tiles: TileParameters? = nil, tuningFile: String? = nil, cacheFolder: String? = nil
  ) {
    self.step = step
    self.stepsPerRead = stepsPerRead
    self.rowGroup = rowGroup
    self.gradientParts = gradientParts
    self.tiles = tiles
    self.tuningFile = tuningFile
    self.cacheFolder = cacheFolder
  }

  /// The settings that the variables in `environment` give.
  ///
  /// - Throws: `LimitFitError` naming the variable and what it takes.
  public init(environment: [String: String]) throws {
    func value<Value>(_ name: String, expected: String, _ parse: (String) -> Value?) throws -> Value? {
      guard let text = environment[name] else { return nil }
      guard let value = parse(text) else { throw LimitFitError("\(name)=\(text): expected \(expected)") }
      return value
    }
    self.init(
      step: try value(Self.stepVariable, expected: "fused or blocked", OpenCLStep.init(rawValue:)),
      stepsPerRead: try value(Self.stepsPerReadVariable, expected: "a number of steps from 1 to 4096") {
        Int($0).flatMap { (1...4096).contains($0) ? $0 : nil }
      },
      rowGroup: try value(Self.rowGroupVariable, expected: "a power of two", Int.init),
      gradientParts: try value(Self.gradientPartsVariable, expected: "a number of parts from 1 to 1024") {
        Int($0).flatMap { (1...1024).contains($0) ? $0 : nil }
      })
    let folder = environment[Self.cacheVariable]
      ?? environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 + "/limitfit" }
      ?? environment["HOME"].flatMap { $0.isEmpty ? nil : $0 + "/.cache/limitfit" }
    cacheFolder = folder.flatMap { $0.isEmpty ? nil : $0 }
    tuningFile = environment[Self.tuningVariable].flatMap { $0.isEmpty ? nil : $0 }
      ?? cacheFolder.map { $0 + "/tuning.json" }
  }

  /// A work-group size set by the variable `name`, checked against the device's `limit`.
  ///
  /// - Throws: `LimitFitError` unless it is a power of two from 1 to `limit`.
  static func workGroupSize(_ value: Int?, named name: String, limit: Int) throws -> Int? {
    guard let value else { return nil }
    guard value > 0, value & (value - 1) == 0, value <= limit else {
      throw LimitFitError("\(name)=\(value): expected a power of two from 1 to \(limit) for this device")
    }
    return value
  }
}
