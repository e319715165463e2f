/// The shape of one family of register-blocked tiled products (Kernels/tiles.cl): a work-group
/// computes `outputRows` × `outputColumns` outputs with `rowItems` × `columnItems` work-items,
/// each holding (outputRows / rowItems) × (outputColumns / columnItems) of them in registers,
/// and walks the depth `depth` at a time through local memory. The JSON names are CLBlast's
/// (MWG, NWG, KWG, MDIMC, NDIMC).
public struct TileShape: Codable, Hashable, Sendable, CustomStringConvertible {
  public var outputRows: Int
  public var outputColumns: Int
  public var depth: Int
  public var rowItems: Int
  public var columnItems: Int

  enum CodingKeys: String, CodingKey {
    case outputRows = "mwg", outputColumns = "nwg", depth = "kwg", rowItems = "mdimc", columnItems = "ndimc"
  }

  /// A shape with these sizes (checked by `problem(on:)`, not here).
  public init(outputRows: Int, outputColumns: Int, depth: Int, rowItems: Int, columnItems: Int) {
    self.outputRows = outputRows
    self.outputColumns = outputColumns
    self.depth = depth
    self.rowItems = rowItems
    self.columnItems = columnItems
  }

  /// Work-items per work-group.
  public var workItems: Int { rowItems * columnItems }
  /// Outputs each work-item holds in registers.
  public var outputsPerItem: Int { outputRows / max(rowItems, 1) * (outputColumns / max(columnItems, 1)) }
  /// The `__local` bytes of the two staged tiles (each row padded by one float).
  public var localBytes: Int { 4 * depth * (outputRows + 1 + outputColumns + 1) }

  /// "64×64 outputs (4×4 per work-item), depth 16".
  public var description: String {
    "\(outputRows)×\(outputColumns) outputs (\(outputRows / max(rowItems, 1))×\(outputColumns / max(columnItems, 1)) "
      + "per work-item), depth \(depth)"
  }

  /// What makes the shape unusable on `device`, or `nil` when it is usable: every size a power
  /// of two, the outputs a multiple of the work-items, at most 64 outputs per work-item, the
  /// work-group and local memory within the device's limits.
  func problem(maximumWorkGroupSize: Int, localMemory: Double) -> String? {
    let sizes = [outputRows, outputColumns, depth, rowItems, columnItems]
    guard sizes.allSatisfy({ $0 > 0 && $0 <= 1024 && $0 & ($0 - 1) == 0 }) else {
      return "every size must be a power of two from 1 to 1024"
    }
    guard outputRows % rowItems == 0, outputColumns % columnItems == 0 else {
      return "the outputs (\(outputRows)×\(outputColumns)) must be multiples of the work-items (\(rowItems)×\(columnItems))"
    }
    guard outputsPerItem <= 64 else { return "\(outputsPerItem) outputs per work-item; at most 64 fit in registers" }
    guard workItems <= maximumWorkGroupSize else {
      return "\(workItems) work-items per work-group; the device takes at most \(maximumWorkGroupSize)"
    }
    guard Double(localBytes) <= localMemory else {
      return "\(localBytes) bytes of local memory; the device has \(Int(localMemory))"
    }
    return nil
  }
}

/// The tile shapes of the three products of a step: the score matrix S = Q Dᵀ, and the two
/// gradients ∇Q = G D and ∇D = Gᵀ Q (one shape: their outputs are d columns wide).
public struct TileParameters: Codable, Hashable, Sendable, CustomStringConvertible {
  public var scores: TileShape
  public var gradients: TileShape

  public init(scores: TileShape, gradients: TileShape) {
    self.scores = scores
    self.gradients = gradients
  }

  public var description: String { "scores \(scores); gradients \(gradients)" }

  /// The `-D` definitions the kernels read (SCORES_MWG, …, GRADIENTS_NDIMC).
  var definitions: [String: String] {
    var result: [String: String] = [:]
    for (family, shape) in [("SCORES", scores), ("GRADIENTS", gradients)] {
      result["\(family)_MWG"] = "\(shape.outputRows)"
      result["\(family)_NWG"] = "\(shape.outputColumns)"
      result["\(family)_KWG"] = "\(shape.depth)"
      result["\(family)_MDIMC"] = "\(shape.rowItems)"
      result["\(family)_NDIMC"] = "\(shape.columnItems)"
    }
    return result
  }

  /// What makes the parameters unusable on `device`, or `nil`.
  func problem(on device: OpenCLDevice) -> String? {
    for (name, shape) in [("scores", scores), ("gradients", gradients)] {
      if let problem = shape.problem(maximumWorkGroupSize: device.maximumWorkGroupSize, localMemory: device.localMemory) {
        return "\(name) tiles \(shape): \(problem)"
      }
    }
    return nil
  }

  /// The untuned parameters for `device`'s family, and the family's name. GPUs take 64-wide
  /// score tiles of 4×4 outputs per work-item from 256 work-items (NVIDIA, AMD) or 32-wide ones
  /// from 64 (Intel and others); the gradients' tiles are 32 columns wide, since d is often
  /// small. CPU devices (PoCL) take 32-wide tiles of 64 work-items. Where the device cannot run
  /// them, 16-wide tiles of 4×4 work-items.
  public static func defaults(for device: OpenCLDevice) -> (parameters: TileParameters, family: String) {
    let vendor = device.vendor.lowercased() + " " + device.name.lowercased()
    let family: String
    let parameters: TileParameters
    switch device.kind {
    case .gpu where vendor.contains("nvidia") || vendor.contains("advanced micro devices") || vendor.contains("amd"):
      family = vendor.contains("nvidia") ? "NVIDIA GPUs" : "AMD GPUs"
      parameters = TileParameters(
        scores: TileShape(outputRows: 64, outputColumns: 64, depth: 16, rowItems: 16, columnItems: 16),
        gradients: TileShape(outputRows: 64, outputColumns: 32, depth: 16, rowItems: 16, columnItems: 8))
    case .gpu:
      family = "other GPUs"
      parameters = TileParameters(
        scores: TileShape(outputRows: 32, outputColumns: 32, depth: 16, rowItems: 8, columnItems: 8),
        gradients: TileShape(outputRows: 32, outputColumns: 16, depth: 16, rowItems: 8, columnItems: 4))
    default:
      family = "CPU devices"
      parameters = TileParameters(
        scores: TileShape(outputRows: 32, outputColumns: 32, depth: 8, rowItems: 8, columnItems: 8),
        gradients: TileShape(outputRows: 32, outputColumns: 16, depth: 8, rowItems: 8, columnItems: 4))
    }
    if parameters.problem(on: device) == nil { return (parameters, family) }
    let small = TileShape(outputRows: 16, outputColumns: 16, depth: 8, rowItems: 4, columnItems: 4)
    return (TileParameters(scores: small, gradients: small), "small devices")
  }
}
