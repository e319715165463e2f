import COpenCL
import Foundation

/// Built programs on disk, so that a machine compiles the kernels once, not in every process:
/// the device's program binary, in `folder`/programs/, under a name that hashes everything the
/// binary depends on — the device, its driver and OpenCL version, the kernels' source and the
/// build options. A binary the driver refuses, or a missing or unwritable folder, only means
/// building from source.
///
/// A driver cannot be trusted with a damaged binary (PoCL crashes on a truncated one), so each
/// file holds the binary in an envelope — a magic, the entry's key (the hash its name holds),
/// the binary's size and its checksum — checked before the bytes reach OpenCL; a file that
/// fails the check, whole but another entry's included, is removed and the program rebuilt.
struct ProgramCache {
  /// The binary's path.
  let path: String
  /// The hash of everything the binary depends on; the file's name, and in its envelope.
  let key: UInt64

  /// The entry for `source` built for `device` with `options`.
  init(folder: String, device: OpenCLDevice, options: String, source: String) {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for part in [device.name, device.vendor, device.driverVersion, device.version, device.platform, options, source] {
      for byte in part.utf8 + [0] {
        hash ^= UInt64(byte)
        hash = hash &* 0x100_0000_01b3
      }
    }
    key = hash
    path = folder + "/programs/" + String(hash, radix: 16) + ".bin"
  }

  /// The cached program, built from its binary for `device` with the build `options`; `nil`
  /// when there is none or the driver refuses it.
  func program(api: COpenCLFunctions, context: cl_context, device: cl_device_id?, options: String) -> cl_program? {
    guard let file = FileManager.default.contents(atPath: path) else { return nil }
    guard let binary = Self.binary(inEnvelope: file, key: key) else {
      unlink(path)
      return nil
    }
    var status: cl_int = CL_SUCCESS
    var binaryStatus: cl_int = CL_SUCCESS
    var id = device
    var length = binary.count
    let program: cl_program? = binary.withUnsafeBytes { bytes in
      var pointer: UnsafePointer<UInt8>? = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
      return api.CreateProgramWithBinary.loaded(context, 1, &id, &length, &pointer, &binaryStatus, &status)
    }
    guard let program, status == CL_SUCCESS, binaryStatus == CL_SUCCESS else {
      if let program { _ = api.ReleaseProgram.loaded(program) }
      return nil
    }
    guard api.BuildProgram.loaded(program, 1, &id, options, nil, nil) == CL_SUCCESS else {
      _ = api.ReleaseProgram.loaded(program)
      return nil
    }
    return program
  }

  /// Writes `program`'s binary (for its one device), atomically; failures are ignored.
  func store(_ program: cl_program, api: COpenCLFunctions) {
    var size = 0
    guard api.GetProgramInfo.loaded(program, cl_program_info(CL_PROGRAM_BINARY_SIZES), MemoryLayout<Int>.size, &size, nil)
      == CL_SUCCESS, size > 0
    else { return }
    var binary = [UInt8](repeating: 0, count: size)
    let status = binary.withUnsafeMutableBufferPointer { bytes in
      var pointer: UnsafeMutablePointer<UInt8>? = bytes.baseAddress
      return api.GetProgramInfo.loaded(
        program, cl_program_info(CL_PROGRAM_BINARIES), MemoryLayout<UnsafeMutablePointer<UInt8>?>.size, &pointer, nil)
    }
    guard status == CL_SUCCESS else { return }
    let url = URL(fileURLWithPath: path)
    try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try? Self.envelope(Data(binary), key: key).write(to: url, options: .atomic)
  }

  /// The first bytes of every cached file: what it is, and the envelope's version.
  static let magic = Data("limitfit-program-binary-2\n".utf8)

  /// `binary` behind the magic, the entry's key, its size and its checksum (each 8 bytes,
  /// little-endian).
  static func envelope(_ binary: Data, key: UInt64) -> Data {
    var file = magic
    for value in [key, UInt64(binary.count), Checksum.fnv1a(binary)] {
      withUnsafeBytes(of: value.littleEndian) { file.append(contentsOf: $0) }
    }
    return file + binary
  }

  /// The binary in `file`, or `nil` unless the magic, the key, the size and the checksum all
  /// hold.
  static func binary(inEnvelope file: Data, key: UInt64) -> Data? {
    let header = magic.count + 24
    guard file.count > header, file.prefix(magic.count) == magic else { return nil }
    func number(at offset: Int) -> UInt64 {
      file.dropFirst(offset).prefix(8).reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }
    let binary = file.dropFirst(header)
    guard number(at: magic.count) == key, number(at: magic.count + 8) == UInt64(binary.count),
      number(at: magic.count + 16) == Checksum.fnv1a(binary)
    else {
      return nil
    }
    return Data(binary)
  }
}
