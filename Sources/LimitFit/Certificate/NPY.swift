import Foundation

/// Float32 matrices in NumPy's .npy format, version 1.0 (C order, little-endian '<f4'), as the
/// NumPy format specification (numpy.lib.format) describes it.
public enum NPY {
  private static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]

  /// A rows × columns row-major matrix as a .npy file.
  public static func encode(_ values: [Float], rows: Int, columns: Int) -> Data {
    precondition(values.count == rows * columns, "\(values.count) values are not \(rows) × \(columns)")
    var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), \(columns)), }"
    // Magic (6) + version (2) + header length (2) + header, padded with spaces and ended by a
    // newline to a multiple of 64 bytes.
    let unpadded = magic.count + 2 + header.utf8.count + 1
    header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
    var data = Data(magic)
    let length = UInt16(header.utf8.count)
    data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
    data.append(contentsOf: Array(header.utf8))
    for value in values {
      let bits = value.bitPattern.littleEndian
      data.append(contentsOf: [UInt8(bits & 0xFF), UInt8((bits >> 8) & 0xFF), UInt8((bits >> 16) & 0xFF), UInt8(bits >> 24)])
    }
    return data
  }

  /// Reads a .npy file of a 2-D float32 C-order matrix.
  ///
  /// - Throws: `LimitFitError` naming `name` when the file is not such a matrix.
  public static func decode(_ data: Data, name: String) throws -> (values: [Float], rows: Int, columns: Int) {
    let bytes = [UInt8](data)
    guard bytes.count >= 10, Array(bytes[0..<6]) == Array(magic[0..<6]) else {
      throw LimitFitError("\(name): not a .npy file")
    }
    guard (1...3).contains(bytes[6]) else { throw LimitFitError("\(name): .npy format version \(bytes[6]) is not known") }
    let (headerStart, length): (Int, Int) = bytes[6] == 1
      ? (10, Int(bytes[8]) | Int(bytes[9]) << 8)
      : (12, Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24)
    guard bytes.count >= headerStart + length, bytes.count >= headerStart else { throw LimitFitError("\(name): truncated header") }
    let header = String(decoding: bytes[headerStart..<(headerStart + length)], as: UTF8.self)
    guard header.contains("'descr': '<f4'"), header.contains("'fortran_order': False") else {
      throw LimitFitError("\(name): expected little-endian float32 ('<f4') in C order")
    }
    guard let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")")
    else { throw LimitFitError("\(name): no shape in the header") }
    let shape = header[open.upperBound..<close].split(separator: ",").compactMap {
      Int($0.trimmingCharacters(in: .whitespaces))
    }
    guard shape.count == 2 else { throw LimitFitError("\(name): expected a 2-D matrix, shape (\(header[open.upperBound..<close]))") }
    let start = headerStart + length
    let (count, overflow) = shape[0].multipliedReportingOverflow(by: shape[1])
    guard shape[0] >= 0, shape[1] >= 0, !overflow, count <= (bytes.count - start) / 4, bytes.count == start + 4 * count else {
      throw LimitFitError("\(name): \(bytes.count - start) bytes of data for a \(shape[0]) × \(shape[1]) float32 matrix")
    }
    let values = (0..<count).map { index in
      let at = start + 4 * index
      return Float(bitPattern: UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8
        | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24)
    }
    return (values, shape[0], shape[1])
  }
}
