/// How users tune the OpenCL backend: environment variables that the command line reads and
/// passes on (`init(environment:)`); `nil` leaves the choice to the backend.
public struct OpenCLSettings: Equatable, Sendable {
  /// LIMITFIT_OPENCL_STEP: the step every InfoNCE fit takes, fused or blocked.
  public var step: OpenCLStep?
  /// LIMITFIT_STEPS_PER_READ: steps between two reads of the results, 1 to 4096 (default 32;
  /// 1 reads every step).
  public var stepsPerRead: Int?
  /// LIMITFIT_TILE: the side of the tiled products' work-groups, a power of two within the
  /// device's limits (checked when the kernels are built).
  public var tile: Int?
  /// LIMITFIT_ROW_GROUP: work-items per row, a power of two within the device's limits.
  public var rowGroup: Int?

  static let stepVariable = "LIMITFIT_OPENCL_STEP"
  static let stepsPerReadVariable = "LIMITFIT_STEPS_PER_READ"
  static let tileVariable = "LIMITFIT_TILE"
  static let rowGroupVariable = "LIMITFIT_ROW_GROUP"

  /// Settings with these values.
  public init(step: OpenCLStep? = nil, stepsPerRead: Int? = nil, tile: Int? = nil, rowGroup: Int? = nil) {
    self.step = step
    self.stepsPerRead = stepsPerRead
    self.tile = tile
    self.rowGroup = rowGroup
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
      tile: try value(Self.tileVariable, expected: "a power of two", Int.init),
      rowGroup: try value(Self.rowGroupVariable, expected: "a power of two", Int.init))
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
