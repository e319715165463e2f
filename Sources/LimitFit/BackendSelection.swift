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
    devices.filter { $0.kind == .gpu }.max { $0.computeUnits < $1.computeUnits }
  }

  /// The device index from `--device`, or else from LIMITFIT_DEVICE.
  public static func deviceIndex(option: Int?) throws -> Int? {
    if let option { return option }
    guard let text = ProcessInfo.processInfo.environment[deviceVariable], !text.isEmpty else {
      return nil
    }
    guard let index = Int(text), index >= 0 else {
      throw LimitFitError("\(deviceVariable)=\(text) is not a device index (0, 1, …)")
    }
    return index
  }

  /// Creates the backend for `request`.
  ///
  /// - Parameters:
  ///   - deviceIndex: the OpenCL device to use (see `limitfit devices`); implies OpenCL.
  ///   - notice: receives one line when `auto` falls back to the CPU backend.
  /// - Throws: `OpenCLError` when OpenCL was asked for (`opencl`, or a device index) and
  ///   cannot be used.
  public static func makeBackend(
    _ request: BackendRequest, deviceIndex: Int? = nil, notice: (String) -> Void
  ) throws -> any FitBackend {
    switch (request, deviceIndex) {
    case (.cpu, _):
      return CPUBackend()
    case (.opencl, _), (.auto, .some):
      return try OpenCLBackend(device: device(at: deviceIndex))
    case (.auto, nil):
      do {
        guard let gpu = automaticDevice(among: try OpenCLDevice.all()) else { return CPUBackend() }
        return try OpenCLBackend(device: gpu)
      } catch {
        notice("limitfit: \(error); using the cpu backend")
        return CPUBackend()
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
