/// The OpenCL backend in `BackendRegistry`: on the device `--device` or LIMITFIT_DEVICE
/// names, tuned by the OpenCL variables (`OpenCLSettings`); `auto` takes it on a GPU only.
struct OpenCLProvider: BackendProvider {
  var name: String { "opencl" }
  var deviceNoun: String? { "an OpenCL device" }

  /// On device `index`, else LIMITFIT_DEVICE's, else the one `auto` picks (else the first).
  func makeBackend(device index: Int?, environment: [String: String]) throws -> any FitBackend {
    let (settings, preferred) = try Self.read(environment)
    return try OpenCLBackend(device: OpenCLDevice.selected(index: index ?? preferred), settings: settings)
  }

  /// The GPU LIMITFIT_DEVICE names, else the GPU with the most compute units; nil without a
  /// GPU, or with a notice where OpenCL fails.
  func automaticBackend(environment: [String: String], notice: (String) -> Void) throws -> (any FitBackend)? {
    let (settings, preferred) = try Self.read(environment)
    do {
      let devices = try OpenCLDevice.all()
      if let preferred {
        if devices.indices.contains(preferred), devices[preferred].kind == .gpu {
          return try OpenCLBackend(device: devices[preferred], settings: settings)
        }
        let named = devices.indices.contains(preferred)
          ? "\(devices[preferred].name), not a GPU" : "no device (there are \(devices.count))"
        notice("limitfit: \(BackendSelection.deviceVariable)=\(preferred) names \(named); auto keeps its own choice")
      }
      return try OpenCLDevice.automatic(among: devices).map { try OpenCLBackend(device: $0, settings: settings) }
    } catch {
      notice("limitfit: \(error); using the cpu backend")
      return nil
    }
  }

  /// The OpenCL variables in `environment`, and the device LIMITFIT_DEVICE names.
  private static func read(_ environment: [String: String]) throws -> (OpenCLSettings, preferred: Int?) {
    (
      try OpenCLSettings(environment: environment),
      try BackendSelection.deviceIndex(environment: environment[BackendSelection.deviceVariable])
    )
  }
}

extension BackendRequest {
  /// An OpenCL device; fails when OpenCL cannot be used.
  public static let opencl = BackendRequest(rawValue: "opencl")!
}
