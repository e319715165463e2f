/// The CPU reference backend in `BackendRegistry`: it always runs, at the level
/// LIMITFIT_CPU_LEVEL names or the widest this machine has.
struct CPUProvider: BackendProvider {
  var name: String { "cpu" }
  var deviceNoun: String? { nil }

  func makeBackend(device index: Int?, environment: [String: String]) throws -> any FitBackend {
    CPUBackend(level: try CPULevel.level(environment: environment[CPULevel.variable]) ?? .best)
  }

  /// Never: the CPU is where `auto` falls back, not what it looks for.
  func automaticBackend(environment: [String: String], notice: (String) -> Void) -> (any FitBackend)? { nil }
}

extension BackendRequest {
  /// The CPU reference backend.
  public static let cpu = BackendRequest(rawValue: "cpu")!
}
