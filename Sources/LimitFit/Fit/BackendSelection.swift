import Foundation

/// A kind of backend, as `--backend` names it, and how to make one. Each backend's folder
/// holds its provider; `BackendRegistry` lists them.
public protocol BackendProvider: Sendable {
  /// Its name on the command line and in records: "cpu", "opencl".
  var name: String { get }
  /// What `--device I` selects among, in words ("an OpenCL device"); nil where it has no
  /// devices to choose from.
  var deviceNoun: String? { get }
  /// The backend on device `index` (by default the provider's own choice), set up by the
  /// variables in `environment`.
  ///
  /// - Throws: when the backend cannot run here, or a variable is malformed.
  func makeBackend(device index: Int?, environment: [String: String]) throws -> any FitBackend
  /// The backend `auto` takes from this provider where it beats the CPU reference (a GPU);
  /// nil, after one line to `notice` where something failed, where it has none.
  ///
  /// - Throws: only for a malformed variable in `environment`: a typo is not a fallback.
  func automaticBackend(environment: [String: String], notice: (String) -> Void) throws -> (any FitBackend)?
}

/// Every backend limitfit runs on.
public enum BackendRegistry {
  /// The providers in the order `auto` tries them; the last, the CPU reference, always runs
  /// and is where `auto` falls back.
  public static let providers: [any BackendProvider] = [OpenCLProvider(), CPUProvider()]

  /// The provider called `name`, if any.
  public static func provider(named name: String) -> (any BackendProvider)? {
    providers.first { $0.name == name }
  }
}

/// The backend a command asks for: `auto`, or a registered backend by name.
public struct BackendRequest: RawRepresentable, CaseIterable, Hashable, Sendable {
  public let rawValue: String

  /// `auto`, or the name of a registered backend; nil for any other name.
  public init?(rawValue: String) {
    guard rawValue == "auto" || BackendRegistry.provider(named: rawValue) != nil else { return nil }
    self.rawValue = rawValue
  }

  /// The first backend of the registry that has something better than the CPU reference (an
  /// OpenCL GPU), else the CPU reference; falls back, with a notice, where one fails.
  public static let auto = BackendRequest(rawValue: "auto")!

  public static var allCases: [BackendRequest] {
    [.auto] + BackendRegistry.providers.map(\.name).sorted().compactMap(BackendRequest.init(rawValue:))
  }
}

/// Chooses and creates backends.
public enum BackendSelection {
  /// The environment variable that gives `--device` its default.
  public static let deviceVariable = "LIMITFIT_DEVICE"

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

  /// Creates the backend for `request`, set up by the variables in `environment` (each
  /// backend reads its own, only where it runs).
  ///
  /// - Parameters:
  ///   - device: the device asked for explicitly; under `auto`, it selects the first backend
  ///     that has devices.
  ///   - notice: receives one line when `auto` falls back or passes over a preferred device.
  /// - Throws: when the backend asked for by name (or by a device) cannot be used, or a
  ///   variable is malformed. A backend without devices ignores `device`.
  public static func makeBackend(
    _ request: BackendRequest, device: Int? = nil, environment: [String: String] = [:],
    notice: (String) -> Void
  ) throws -> any FitBackend {
    let providers = BackendRegistry.providers
    if let provider = BackendRegistry.provider(named: request.rawValue) {
      return try provider.makeBackend(device: provider.deviceNoun == nil ? nil : device, environment: environment)
    }
    if let device, let provider = providers.first(where: { $0.deviceNoun != nil }) {
      return try provider.makeBackend(device: device, environment: environment)
    }
    for provider in providers.dropLast() {
      if let backend = try provider.automaticBackend(environment: environment, notice: notice) { return backend }
    }
    return try providers[providers.count - 1].makeBackend(device: nil, environment: environment)
  }
}
