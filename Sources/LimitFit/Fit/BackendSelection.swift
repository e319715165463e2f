import Foundation

/// The backend a command asks for.
public enum BackendRequest: String, CaseIterable, Sendable {
  /// An OpenCL GPU when there is one, else the CPU backend; falls back to the CPU backend,
  /// with a notice, when OpenCL is missing or fails to build.
  case auto
  /// The CPU reference backend.
  case cpu
  /// An OpenCL device; fails when OpenCL cannot be used.
  case opencl
}

/// Chooses and creates backends.
public enum BackendSelection {
  /// The environment variable that gives `--device` its default.
  public static let deviceVariable = "LIMITFIT_DEVICE"

  /// The device `auto` runs on among `devices`: the GPU with the most compute units, if any.
  ///
  /// Without a GPU, `auto` runs the CPU backend, which on CPUs is faster than the OpenCL
  /// kernels under PoCL (BENCHMARKS.md).
  public static func automaticDevice(among devices: [OpenCLDevice]) -> OpenCLDevice? {
    automaticIndex(among: devices.map { ($0.kind, $0.computeUnits) }).map { devices[$0] }
  }

  /// The position of the device `auto` runs on among devices of these kinds and sizes: the GPU
  /// with the most compute units (the first of equals); `nil` without a GPU.
  static func automaticIndex(among devices: [(kind: OpenCLDevice.Kind, computeUnits: Int)]) -> Int? {
    devices.indices.filter { devices[$0].kind == .gpu }.max { devices[$0].computeUnits < devices[$1].computeUnits }
  }

  /// The device index that the text of LIMITFIT_DEVICE names; `nil` when unset or empty.
  ///
  /// - Throws: `LimitFitError` when it is not a non-negative integer.
  public static func deviceIndex(environment text: String?) throws -> Int? {
    guard let text, !text.isEmpty else { return nil }
    guard let index = Int(text), index >= 0 else {
      throw LimitFitError("\(deviceVariable)=\(text) is not a device index (0, 1, …)")
    }
    return index
  }

  /// Creates the backend for `request`.
  ///
  /// - Parameters:
  ///   - deviceIndex: the OpenCL device asked for explicitly (see `limitfit devices`); implies
  ///     OpenCL.
  ///   - preferredDeviceIndex: the device of LIMITFIT_DEVICE: the OpenCL device whenever OpenCL
  ///     runs; `auto` takes it only where it is a GPU, and keeps its own choice otherwise.
  ///   - openCLSettings: the OpenCL backend's tuning, where it runs.
  ///   - cpuLevel: the instruction-set level of the CPU backend, where it runs.
  ///   - notice: receives one line when `auto` falls back to the CPU backend or passes over
  ///     the preferred device.
  /// - Throws: `OpenCLError` when OpenCL was asked for (`opencl`, or a device index) and
  ///   cannot be used.
  public static func makeBackend(
    _ request: BackendRequest, deviceIndex: Int? = nil, preferredDeviceIndex: Int? = nil,
    openCLSettings: OpenCLSettings = OpenCLSettings(), cpuLevel: CPULevel = .best, notice: (String) -> Void
  ) throws -> any FitBackend {
    switch (request, deviceIndex) {
    case (.cpu, _):
      return CPUBackend(level: cpuLevel)
    case (.opencl, _), (.auto, .some):
      return try OpenCLBackend(device: device(at: deviceIndex ?? preferredDeviceIndex), settings: openCLSettings)
    case (.auto, nil):
      do {
        let devices = try OpenCLDevice.all()
        if let preferred = preferredDeviceIndex {
          if devices.indices.contains(preferred), devices[preferred].kind == .gpu {
            return try OpenCLBackend(device: devices[preferred], settings: openCLSettings)
          }
          let named = devices.indices.contains(preferred)
            ? "\(devices[preferred].name), not a GPU" : "no device (there are \(devices.count))"
          notice("limitfit: \(deviceVariable)=\(preferred) names \(named); auto keeps its own choice")
        }
        guard let gpu = automaticDevice(among: devices) else { return CPUBackend(level: cpuLevel) }
        return try OpenCLBackend(device: gpu, settings: openCLSettings)
      } catch {
        notice("limitfit: \(error); using the cpu backend")
        return CPUBackend(level: cpuLevel)
      }
    }
  }

  /// The device at `index`, or the one `auto` picks (else the first) when `index` is nil.
  private static func device(at index: Int?) throws -> OpenCLDevice {
    let devices = try OpenCLDevice.all()
    guard let index else {
      guard let device = automaticDevice(among: devices) ?? devices.first else {
        throw OpenCLError.noPlatform
      }
      return device
    }
    guard devices.indices.contains(index) else {
      throw OpenCLError.noDevice(index: index, count: devices.count)
    }
    return devices[index]
  }
}
