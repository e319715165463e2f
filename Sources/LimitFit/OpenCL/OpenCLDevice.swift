import Foundation
import COpenCL

/// One OpenCL device, as its platform reports it.
public struct OpenCLDevice: @unchecked Sendable {
  /// The kinds of device.
  public enum Kind: String, Sendable {
    case gpu = "GPU"
    case cpu = "CPU"
    case accelerator = "accelerator"
    case other
  }

  /// The device's position in the list of every platform's devices: what `--device` takes.
  public let index: Int
  /// The platform's position among the platforms.
  public let platformIndex: Int
  /// The platform's name and version, e.g. "Portable Computing Language (OpenCL 3.0 PoCL …)".
  public let platform: String
  public let name: String
  public let vendor: String
  public let kind: Kind
  /// OpenCL version of the device, e.g. "OpenCL 3.0 PoCL HSTR: …".
  public let version: String
  public let driverVersion: String
  public let computeUnits: Int
  /// Global memory, in bytes.
  public let globalMemory: Double
  /// The largest single buffer, in bytes (CL_DEVICE_MAX_MEM_ALLOC_SIZE).
  public let maximumAllocation: Double
  /// Local memory per work-group, in bytes.
  public let localMemory: Double
  public let maximumWorkGroupSize: Int
  /// Whether the device computes in double precision (cl_khr_fp64), which the on-device
  /// early stopping needs to decide exactly as the host does.
  public let hasDoublePrecision: Bool

  let id: cl_device_id

  /// "NVIDIA H100 80GB HBM3 (GPU, NVIDIA CUDA)".
  public var summary: String { "\(name) (\(kind.rawValue), \(platformName))" }

  private let platformName: String

  /// The device `auto` runs on among `devices`: the GPU with the most compute units, if any.
  ///
  /// Without a GPU, `auto` runs the CPU backend, which on CPUs is faster than the OpenCL
  /// kernels under PoCL (BENCHMARKS.md).
  public static func automatic(among devices: [OpenCLDevice]) -> OpenCLDevice? {
    automaticIndex(among: devices.map { ($0.kind, $0.computeUnits) }).map { devices[$0] }
  }

  /// The position of the device `auto` runs on among devices of these kinds and sizes: the GPU
  /// with the most compute units (the first of equals); `nil` without a GPU.
  static func automaticIndex(among devices: [(kind: Kind, computeUnits: Int)]) -> Int? {
    devices.indices.filter { devices[$0].kind == .gpu }.max { devices[$0].computeUnits < devices[$1].computeUnits }
  }

  /// The device at `index` among `all()`; without an index, the one `auto` picks, else the
  /// first.
  ///
  /// - Throws: `OpenCLError` when OpenCL cannot be used or there is no such device.
  public static func selected(index: Int?) throws -> OpenCLDevice {
    let devices = try all()
    guard let index else {
      guard let device = automatic(among: devices) ?? devices.first else {
        throw OpenCLError.noPlatform
      }
      return device
    }
    guard devices.indices.contains(index) else { throw OpenCLError.noDevice(index: index, count: devices.count) }
    return devices[index]
  }

  /// Every device of every OpenCL platform, in platform order.
  ///
  /// - Throws: `OpenCLError` when the library cannot be loaded or no platform exists.
  public static func all() throws -> [OpenCLDevice] {
    let library = try OpenCLLibrary.shared()
    let api = library.api
    var platformCount: cl_uint = 0
    let status = api.GetPlatformIDs.loaded(0, nil, &platformCount)
    if status == CL_PLATFORM_NOT_FOUND_KHR || (status == CL_SUCCESS && platformCount == 0) {
      throw OpenCLError.noPlatform
    }
    try check(status, "clGetPlatformIDs")
    var platforms = [cl_platform_id?](repeating: nil, count: Int(platformCount))
    try check(api.GetPlatformIDs.loaded(platformCount, &platforms, nil), "clGetPlatformIDs")

    var devices: [OpenCLDevice] = []
    for (platformIndex, platform) in platforms.enumerated() {
      let platformName = try platformString(api, platform, CL_PLATFORM_NAME)
      let platformVersion = try platformString(api, platform, CL_PLATFORM_VERSION)
      var deviceCount: cl_uint = 0
      let found = api.GetDeviceIDs.loaded(platform, cl_device_type(CL_DEVICE_TYPE_ALL), 0, nil, &deviceCount)
      if found == CL_DEVICE_NOT_FOUND { continue }
      try check(found, "clGetDeviceIDs")
      var ids = [cl_device_id?](repeating: nil, count: Int(deviceCount))
      try check(
        api.GetDeviceIDs.loaded(platform, cl_device_type(CL_DEVICE_TYPE_ALL), deviceCount, &ids, nil),
        "clGetDeviceIDs")
      for case let id? in ids {
        devices.append(try OpenCLDevice(
          api: api, id: id, index: devices.count, platformIndex: platformIndex,
          platform: "\(platformName) (\(platformVersion))", platformName: platformName))
      }
    }
    return devices
  }

  private init(
    api: COpenCLFunctions, id: cl_device_id, index: Int, platformIndex: Int, platform: String,
    platformName: String
  ) throws {
    self.id = id
    self.index = index
    self.platformIndex = platformIndex
    self.platform = platform
    self.platformName = platformName
    name = try Self.deviceString(api, id, CL_DEVICE_NAME)
    vendor = try Self.deviceString(api, id, CL_DEVICE_VENDOR)
    version = try Self.deviceString(api, id, CL_DEVICE_VERSION)
    driverVersion = try Self.deviceString(api, id, CL_DRIVER_VERSION)
    let type: cl_device_type = try Self.deviceValue(api, id, CL_DEVICE_TYPE)
    kind = type & cl_device_type(CL_DEVICE_TYPE_GPU) != 0 ? .gpu
      : type & cl_device_type(CL_DEVICE_TYPE_CPU) != 0 ? .cpu
      : type & cl_device_type(CL_DEVICE_TYPE_ACCELERATOR) != 0 ? .accelerator : .other
    computeUnits = Int(try Self.deviceValue(api, id, CL_DEVICE_MAX_COMPUTE_UNITS) as cl_uint)
    globalMemory = Double(try Self.deviceValue(api, id, CL_DEVICE_GLOBAL_MEM_SIZE) as cl_ulong)
    maximumAllocation = Double(try Self.deviceValue(api, id, CL_DEVICE_MAX_MEM_ALLOC_SIZE) as cl_ulong)
    localMemory = Double(try Self.deviceValue(api, id, CL_DEVICE_LOCAL_MEM_SIZE) as cl_ulong)
    maximumWorkGroupSize = try Self.deviceValue(api, id, CL_DEVICE_MAX_WORK_GROUP_SIZE) as Int
    hasDoublePrecision = try Self.deviceString(api, id, CL_DEVICE_EXTENSIONS)
      .split(separator: " ").contains("cl_khr_fp64")
  }

  private static func platformString(
    _ api: COpenCLFunctions, _ platform: cl_platform_id?, _ parameter: Int32
  ) throws -> String {
    var size = 0
    try check(api.GetPlatformInfo.loaded(platform, cl_platform_info(parameter), 0, nil, &size), "clGetPlatformInfo")
    var bytes = [CChar](repeating: 0, count: size + 1)
    try check(api.GetPlatformInfo.loaded(platform, cl_platform_info(parameter), size, &bytes, nil), "clGetPlatformInfo")
    return trimmed(bytes)
  }

  private static func deviceString(_ api: COpenCLFunctions, _ id: cl_device_id, _ parameter: Int32)
    throws -> String
  {
    var size = 0
    try check(api.GetDeviceInfo.loaded(id, cl_device_info(parameter), 0, nil, &size), "clGetDeviceInfo")
    var bytes = [CChar](repeating: 0, count: size + 1)
    try check(api.GetDeviceInfo.loaded(id, cl_device_info(parameter), size, &bytes, nil), "clGetDeviceInfo")
    return trimmed(bytes)
  }

  private static func deviceValue<Value: FixedWidthInteger>(
    _ api: COpenCLFunctions, _ id: cl_device_id, _ parameter: Int32
  ) throws -> Value {
    var value: Value = 0
    try check(
      api.GetDeviceInfo.loaded(id, cl_device_info(parameter), MemoryLayout<Value>.size, &value, nil),
      "clGetDeviceInfo")
    return value
  }

  private static func trimmed(_ bytes: [CChar]) -> String {
    String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
      .trimmingCharacters(in: .whitespaces)
  }
}
