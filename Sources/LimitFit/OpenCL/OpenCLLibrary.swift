import COpenCL
import Foundation

/// The OpenCL entry points, loaded at run time from libOpenCL.so.1 (or the library that
/// LIMITFIT_OPENCL_LIBRARY names), once per process.
final class OpenCLLibrary: @unchecked Sendable {
  /// The environment variable that names the OpenCL library to load.
  static let pathVariable = "LIMITFIT_OPENCL_LIBRARY"

  let api: COpenCLFunctions

  private init(api: COpenCLFunctions) { self.api = api }

  private static let loaded: Result<OpenCLLibrary, OpenCLError> = {
    let path = ProcessInfo.processInfo.environment[pathVariable] ?? "libOpenCL.so.1"
    guard !path.isEmpty else {
      return .failure(.libraryUnavailable(path: "\"\"", reason: "\(pathVariable) is set but empty; name the library or unset it"))
    }
    var api = COpenCLFunctions()
    var reason = [CChar](repeating: 0, count: 512)
    guard copencl_load(path, &api, &reason, reason.count) == 0 else {
      let text = String(decoding: reason.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
      return .failure(.libraryUnavailable(path: path, reason: text))
    }
    return .success(OpenCLLibrary(api: api))
  }()

  /// The loaded library, or why it could not be loaded.
  static func shared() throws -> OpenCLLibrary { try loaded.get() }
}

/// Throws unless an OpenCL call returned CL_SUCCESS.
@inline(__always)
func check(_ code: cl_int, _ call: @autoclosure () -> String) throws {
  if code != CL_SUCCESS { throw OpenCLError.call(call(), code) }
}

extension Optional {
  /// The loaded entry point; every field is filled, or loading failed.
  var loaded: Wrapped {
    guard let function = self else { preconditionFailure("an OpenCL entry point was not loaded") }
    return function
  }
}
