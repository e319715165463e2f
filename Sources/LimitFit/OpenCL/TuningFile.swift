import Foundation

/// The tile parameters `limitfit tune` chose, per device: a JSON file that later runs read
/// (OpenCLSettings.tuningFile). Entries are keyed by the device's name and driver version, so
/// that a driver update falls back to the defaults until the device is tuned again.
public struct TuningFile: Codable, Sendable {
  /// The tuning of one device.
  public struct Entry: Codable, Sendable {
    public var device: String
    public var driver: String
    public var parameters: TileParameters
    /// When it was tuned (ISO 8601), and by which limitfit (named as in every record).
    public var tuned: String
    public var toolVersion: String
    /// What was timed: each product's chosen and default shapes at each size.
    public var measurements: [TuningMeasurement]
  }

  /// Entries by `key(for:)`.
  public var devices: [String: Entry] = [:]
  /// What the file is (`formatName`); nil in files written before it was recorded.
  public var format: String? = TuningFile.formatName

  /// The format this build writes and reads.
  static let formatName = "limitfit tuning 1"

  public init() {}

  /// "NVIDIA H200 | 580.159.04": the device's name and driver version.
  public static func key(for device: OpenCLDevice) -> String { "\(device.name) | \(device.driverVersion)" }

  /// The file at `path`, or an empty one where none exists.
  ///
  /// - Throws: `LimitFitError` naming the file when it exists but cannot be read as one.
  public static func load(path: String) throws -> TuningFile {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return TuningFile() }
    guard !isFolder.boolValue else { throw LimitFitError("\(path): cannot be read as the tuning file (a folder)") }
    let data = Data(try TextFile.read(path).utf8)
    let file: TuningFile
    do {
      file = try JSONDecoder().decode(TuningFile.self, from: data)
    } catch {
      let reason = (try? JSONSerialization.jsonObject(with: data)).flatMap { fractionalCount(in: $0, at: "") }
        .map { "\($0.path): \($0.value) is not a whole number" } ?? describe(error)
      throw LimitFitError(
        "\(path): not a tuning file limitfit wrote (\(reason)); remove it, or name another file with LIMITFIT_TUNING")
    }
    if let format = file.format, format != formatName {
      throw LimitFitError(
        "\(path): a \"\(format)\", not a \"\(formatName)\" this build reads; remove it, or name another file with LIMITFIT_TUNING")
    }
    return file
  }

  /// Writes the file to `path` (creating its folder), replacing what was there atomically.
  public func save(path: String) throws {
    let url = URL(fileURLWithPath: path)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    do {
      try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try encoder.encode(self).write(to: url, options: .atomic)
    } catch {
      throw LimitFitError("\(path): cannot write the tuning file (\(error.localizedDescription))")
    }
  }
}

/// One timing of `limitfit tune`: a product at a size with a candidate shape.
public struct TuningMeasurement: Codable, Sendable {
  /// "scores" or "gradients".
  public var family: String
  public var shape: TileShape
  public var documents: Int
  public var dimension: Int
  /// Query rows of the timed block.
  public var rows: Int
  /// Median seconds of one launch of the family's kernels, and the float32 rate it means.
  public var seconds: Double
  public var gigaflops: Double
}

/// The first number with a fraction where the tuning file holds a count (a tile size, a
/// problem size), with its path: Foundation's decoder calls that "not valid JSON".
private func fractionalCount(in value: Any, at path: String) -> (path: String, value: Double)? {
  let counts: Set<String> = ["mwg", "nwg", "kwg", "mdimc", "ndimc", "documents", "dimension", "rows"]
  if let object = value as? [String: Any] {
    for (key, child) in object.sorted(by: { $0.key < $1.key }) {
      let childPath = path.isEmpty ? key : "\(path).\(key)"
      if counts.contains(key), let number = child as? Double, number.rounded() != number { return (childPath, number) }
      if let found = fractionalCount(in: child, at: childPath) { return found }
    }
  } else if let array = value as? [Any] {
    for (index, child) in array.enumerated() {
      if let found = fractionalCount(in: child, at: "\(path)[\(index)]") { return found }
    }
  }
  return nil
}

/// A decoding error in one line.
private func describe(_ error: Error) -> String {
  switch error {
  case DecodingError.keyNotFound(let key, _): "no \"\(key.stringValue)\""
  case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
    DecodingError.dataCorrupted(let context):
    (context.codingPath.isEmpty ? "" : context.codingPath.map(\.stringValue).joined(separator: ".") + ": ")
      + context.debugDescription
  default: error.localizedDescription
  }
}

extension OpenCLSettings {
  /// The tile parameters for `device`, and where they come from: as set, the tuning file's
  /// entry for the device, or the device family's defaults.
  ///
  /// - Throws: `LimitFitError` when the tuning file cannot be read, or its parameters (or the
  ///   ones set) cannot run on the device.
  func tileParameters(for device: OpenCLDevice) throws -> (parameters: TileParameters, origin: String) {
    let chosen: (parameters: TileParameters, origin: String)
    if let tiles {
      chosen = (tiles, "as given")
    } else if let tuningFile, let entry = try TuningFile.load(path: tuningFile).devices[TuningFile.key(for: device)] {
      chosen = (entry.parameters, "tuned \(entry.tuned.prefix(10)), \(tuningFile)")
    } else {
      let defaults = TileParameters.defaults(for: device)
      return (defaults.parameters, "defaults for \(defaults.family)")
    }
    if let problem = chosen.parameters.problem(on: device) {
      throw LimitFitError("tile parameters \(chosen.origin): \(problem) on \(device.name)")
    }
    return chosen
  }
}
