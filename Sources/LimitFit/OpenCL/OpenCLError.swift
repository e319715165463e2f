import COpenCL

/// Why OpenCL could not be used, in words a user can act on.
public enum OpenCLError: Error, CustomStringConvertible, Equatable, Sendable {
  /// The OpenCL library could not be loaded.
  case libraryUnavailable(path: String, reason: String)
  /// The loader found no platform (error -1001 or an empty list).
  case noPlatform
  /// An OpenCL call returned an error code.
  case call(String, Int32)
  /// The kernels did not compile; the build log's first lines.
  case build(device: String, log: String)
  /// A kernel launch or the built program disagrees with the kernel's declared parameters.
  case signature(String)
  /// `--device` named a device that does not exist.
  case noDevice(index: Int, count: Int)
  /// The problem does not fit the device.
  case capacity(String)

  public var description: String {
    switch self {
    case .libraryUnavailable(let path, let reason):
      return "OpenCL is not available: cannot load \(path) (\(reason)); install an OpenCL "
        + "loader (Debian: ocl-icd-libopencl1) or point \(OpenCLLibrary.pathVariable) at one"
    case .noPlatform:
      return "no OpenCL platform found (error -1001, CL_PLATFORM_NOT_FOUND_KHR): no driver is "
        + "registered in /etc/OpenCL/vendors or the folder OCL_ICD_VENDORS names; install one "
        + "(pocl-opencl-icd for CPUs, or the GPU vendor's OpenCL driver)"
    case .call(let name, let code):
      return "\(name) failed: \(Self.name(of: code)) (\(code))"
    case .build(let device, let log):
      return "the OpenCL kernels did not build on \(device): \(log)"
    case .noDevice(let index, let count):
      return count == 0
        ? "OpenCL device \(index): there is no OpenCL device"
        : "OpenCL device \(index) does not exist: the devices are 0 to \(count - 1)"
    case .capacity(let message):
      return message
    case .signature(let message):
      return "kernel signature: \(message)"
    }
  }

  /// The name of an OpenCL error code, as in cl.h.
  static func name(of code: Int32) -> String {
    let names: [Int32: String] = [
      CL_DEVICE_NOT_FOUND: "CL_DEVICE_NOT_FOUND",
      CL_DEVICE_NOT_AVAILABLE: "CL_DEVICE_NOT_AVAILABLE",
      CL_COMPILER_NOT_AVAILABLE: "CL_COMPILER_NOT_AVAILABLE",
      CL_MEM_OBJECT_ALLOCATION_FAILURE: "CL_MEM_OBJECT_ALLOCATION_FAILURE",
      CL_OUT_OF_RESOURCES: "CL_OUT_OF_RESOURCES",
      CL_OUT_OF_HOST_MEMORY: "CL_OUT_OF_HOST_MEMORY",
      CL_BUILD_PROGRAM_FAILURE: "CL_BUILD_PROGRAM_FAILURE",
      CL_INVALID_VALUE: "CL_INVALID_VALUE",
      CL_INVALID_PLATFORM: "CL_INVALID_PLATFORM",
      CL_INVALID_DEVICE: "CL_INVALID_DEVICE",
      CL_INVALID_CONTEXT: "CL_INVALID_CONTEXT",
      CL_INVALID_COMMAND_QUEUE: "CL_INVALID_COMMAND_QUEUE",
      CL_INVALID_MEM_OBJECT: "CL_INVALID_MEM_OBJECT",
      CL_INVALID_BUILD_OPTIONS: "CL_INVALID_BUILD_OPTIONS",
      CL_INVALID_PROGRAM_EXECUTABLE: "CL_INVALID_PROGRAM_EXECUTABLE",
      CL_INVALID_KERNEL_NAME: "CL_INVALID_KERNEL_NAME",
      CL_INVALID_KERNEL: "CL_INVALID_KERNEL",
      CL_INVALID_ARG_INDEX: "CL_INVALID_ARG_INDEX",
      CL_INVALID_ARG_VALUE: "CL_INVALID_ARG_VALUE",
      CL_INVALID_ARG_SIZE: "CL_INVALID_ARG_SIZE",
      CL_INVALID_KERNEL_ARGS: "CL_INVALID_KERNEL_ARGS",
      CL_INVALID_WORK_DIMENSION: "CL_INVALID_WORK_DIMENSION",
      CL_INVALID_WORK_GROUP_SIZE: "CL_INVALID_WORK_GROUP_SIZE",
      CL_INVALID_WORK_ITEM_SIZE: "CL_INVALID_WORK_ITEM_SIZE",
      CL_INVALID_GLOBAL_OFFSET: "CL_INVALID_GLOBAL_OFFSET",
      CL_INVALID_BUFFER_SIZE: "CL_INVALID_BUFFER_SIZE",
      CL_INVALID_GLOBAL_WORK_SIZE: "CL_INVALID_GLOBAL_WORK_SIZE",
      CL_PLATFORM_NOT_FOUND_KHR: "CL_PLATFORM_NOT_FOUND_KHR",
    ]
    return names[code] ?? "OpenCL error"
  }
}
