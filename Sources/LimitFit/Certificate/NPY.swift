import Foundation

/// NumPy's .npy format, as the NumPy format specification (numpy.lib.format) describes it:
/// limitfit writes float32 matrices in C order, version 1.0, and reads `NPYMatrix`.
public enum NPY {
  static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

  /// A rows × columns row-major float32 matrix as a .npy file (version 1.0, '<f4', C order).
  public static func encode(_ values: [Float], rows: Int, columns: Int) -> Data {
    precondition(values.count == rows * columns, "\(values.count) values are not \(rows) × \(columns)")
    var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), \(columns)), }"
    // Magic (6) + version (2) + header length (2) + header, padded with spaces and ended by a
    // newline to a multiple of 64 bytes.
    let unpadded = magic.count + 4 + header.utf8.count + 1
    header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
    var data = Data(magic + [1, 0])
    let length = UInt16(header.utf8.count)
    data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
    data.append(contentsOf: Array(header.utf8))
    for value in values {
      let bits = value.bitPattern.littleEndian
      data.append(contentsOf: [UInt8(bits & 0xFF), UInt8((bits >> 8) & 0xFF), UInt8((bits >> 16) & 0xFF), UInt8(bits >> 24)])
    }
    return data
  }
}

/// A 2-D matrix of floats in a .npy file — float16, float32 or float64, little-endian, in C or
/// Fortran order, format version 1.0 to 3.0 — read into memory and converted row by row, so
/// that float64 values keep their precision. The file is read, never mapped: one that changes
/// during the read is refused in one line, and a writer cannot pull it away afterwards.
///
/// Anything else — another type, a big-endian file, another number of dimensions, a header or
/// data that does not fit the file — is refused with one line that names the file.
public struct NPYMatrix: Sendable {
  /// The element types read, by their NumPy names.
  public enum ElementType: String, Sendable {
    case float16, float32, float64

    /// Bytes per element.
    public var size: Int {
      switch self {
      case .float16: 2
      case .float32: 4
      case .float64: 8
      }
    }
  }

  /// How messages name the file: its path.
  public let name: String
  /// The matrix's first dimension.
  public let rows: Int
  /// The matrix's second dimension.
  public let columns: Int
  /// The type of its elements, as stored.
  public let elementType: ElementType
  /// Whether the file stores the matrix column after column (NumPy's `fortran_order`).
  public let isFortranOrder: Bool
  private let bytes: ByteStore
  /// Where the values start in `bytes`.
  private let start: Int

  /// Maps the .npy file at `path`.
  ///
  /// - Throws: `LimitFitError` naming the file when it cannot be read or is not such a matrix.
  public init(contentsOfFile path: String) throws {
    try self.init(bytes: try ByteStore(reading: path), name: path)
  }

  /// Reads a .npy file's contents, `data`; messages name it `name`.
  ///
  /// - Throws: `LimitFitError` naming `name` when the data is not such a matrix.
  public init(_ data: Data, name: String) throws {
    try self.init(bytes: ByteStore(copying: data), name: name)
  }

  private init(bytes: ByteStore, name: String) throws {
    self.bytes = bytes
    self.name = name
    let header = try Header(bytes.buffer, name: name)
    (rows, columns, elementType, isFortranOrder, start) =
      (header.rows, header.columns, header.elementType, header.isFortranOrder, header.dataStart)
  }

  /// Converts rows `range` to `T` and writes them row-major into `buffer`, which holds
  /// `range.count · columns` values. Float16 and float32 values convert to `Double` exactly.
  public func read<T: BinaryFloatingPoint>(rows range: Range<Int>, into buffer: UnsafeMutablePointer<T>) {
    precondition(range.lowerBound >= 0 && range.upperBound <= rows, "rows \(range) of \(rows)")
    switch elementType {
    case .float16: gather(range, into: buffer) { (bits: UInt16) in T(Float16(bitPattern: bits)) }
    case .float32: gather(range, into: buffer) { (bits: UInt32) in T(Float(bitPattern: bits)) }
    case .float64: gather(range, into: buffer) { (bits: UInt64) in T(Double(bitPattern: bits)) }
    }
  }

  /// The whole matrix, row-major, converted to `T`.
  ///
  /// - Throws: `LimitFitError` when the copy does not fit in the memory free now.
  public func values<T: BinaryFloatingPoint>(as type: T.Type = T.self) throws -> [T] {
    let count = rows * columns  // no overflow: the file holds this many values
    try SystemMemory.require(Double(count) * Double(MemoryLayout<T>.stride), for: "reading \(name)")
    return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
      if let base = buffer.baseAddress { read(rows: 0..<rows, into: base) }
      initialized = count
    }
  }

  /// Reads the raw elements of rows `range` (little-endian `Raw` words) through `convert`.
  @inline(__always)
  private func gather<Raw: FixedWidthInteger, T>(
    _ range: Range<Int>, into buffer: UnsafeMutablePointer<T>, _ convert: (Raw) -> T
  ) {
    let base = bytes.buffer.baseAddress! + start
    let size = MemoryLayout<Raw>.size
    if isFortranOrder {
      // Element (r, c) is the (c · rows + r)-th: each column's rows in `range` lie together.
      for c in 0..<columns {
        let column = base + (c * rows + range.lowerBound) * size
        for i in 0..<range.count {
          buffer[i * columns + c] = convert(Raw(littleEndian: column.loadUnaligned(fromByteOffset: i * size, as: Raw.self)))
        }
      }
    } else {
      let first = base + range.lowerBound * columns * size
      for i in 0..<(range.count * columns) {
        buffer[i] = convert(Raw(littleEndian: first.loadUnaligned(fromByteOffset: i * size, as: Raw.self)))
      }
    }
  }
}

extension NPYMatrix {
  /// The header of a .npy file: what it holds and where its data starts.
  private struct Header {
    var rows = 0, columns = 0
    var elementType = ElementType.float32
    var isFortranOrder = false
    var dataStart = 0

    /// The longest header read (NumPy itself reads at most 10000 bytes unless told otherwise).
    static let longestHeader = 100_000

    /// Parses and checks the header of `file`, and that the data after it is exactly the
    /// matrix's.
    init(_ file: UnsafeRawBufferPointer, name: String) throws {
      guard file.count >= 10, Array(file[0..<6]) == NPY.magic else {
        throw LimitFitError("\(name): not a .npy file\(file.isEmpty ? " (it is empty)" : "")")
      }
      let (major, minor) = (file[6], file[7])
      guard (1...3).contains(major), minor == 0 else {
        throw LimitFitError("\(name): .npy format version \(major).\(minor) is not known (1.0 to 3.0 are)")
      }
      // Version 1.0 gives the header's length in 2 bytes, later versions in 4 (little-endian).
      let lengthBytes = major == 1 ? 2 : 4
      guard file.count >= 8 + lengthBytes else { throw LimitFitError("\(name): the file ends inside its header") }
      let length = (0..<lengthBytes).reduce(0) { $0 | Int(file[8 + $1]) << (8 * $1) }
      let headerStart = 8 + lengthBytes
      guard length <= Self.longestHeader else {
        throw LimitFitError("\(name): a header of \(length) bytes; NumPy writes a few hundred, and limitfit reads at most \(Self.longestHeader)")
      }
      guard length <= file.count - headerStart else {
        throw LimitFitError(
          "\(name): the header's length (\(length) bytes) runs past the end of the file (\(file.count) bytes)")
      }
      dataStart = headerStart + length
      let text = String(decoding: file[headerStart..<dataStart], as: UTF8.self)
      var parser = HeaderParser(text)
      guard let fields = try? parser.dictionary() else {
        throw LimitFitError("\(name): the header is not a Python dict: \(Self.quoted(text))")
      }
      try read(fields, name: name)
      let available = file.count - dataStart
      let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
      let (bytes, bytesOverflow) = count.multipliedReportingOverflow(by: elementType.size)
      guard !overflow, !bytesOverflow, bytes == available else {
        throw LimitFitError(
          "\(name): \(available) bytes of data for a \(rows) × \(columns) \(elementType.rawValue) matrix")
      }
    }

    /// Reads the three fields NumPy writes: descr, fortran_order and shape.
    private mutating func read(_ fields: [String: HeaderValue], name: String) throws {
      for key in ["descr", "fortran_order", "shape"] where fields[key] == nil {
        throw LimitFitError("\(name): the header has no '\(key)'")
      }
      guard case .string(let descr) = fields["descr"]! else {
        throw LimitFitError("\(name): a structured dtype; expected float16, float32 or float64 ('<f2', '<f4', '<f8')")
      }
      elementType = try Self.elementType(descr, name: name)
      guard case .boolean(let fortran) = fields["fortran_order"]! else {
        throw LimitFitError("\(name): 'fortran_order' is not True or False")
      }
      isFortranOrder = fortran
      guard case .sequence(let shape) = fields["shape"]! else {
        throw LimitFitError("\(name): the shape is not a tuple of sizes")
      }
      let sizes = shape.compactMap { value -> Int? in
        if case .integer(let size?) = value, size >= 0 { return size }
        return nil
      }
      guard sizes.count == shape.count else {
        throw LimitFitError("\(name): the shape is not a tuple of sizes (each from 0 to \(Int.max))")
      }
      guard sizes.count == 2 else {
        let text = sizes.count == 1 ? "(\(sizes[0]),)" : "(\(sizes.map(String.init).joined(separator: ", ")))"
        throw LimitFitError("\(name): a \(sizes.count)-D array, shape \(text); expected a 2-D matrix")
      }
      (rows, columns) = (sizes[0], sizes[1])
    }

    /// The element type of a NumPy type string: '<', '=' (the native order, little-endian on
    /// every machine limitfit runs on) or '|', then f2, f4 or f8.
    private static func elementType(_ descr: String, name: String) throws -> ElementType {
      let types: [String: ElementType] = ["f2": .float16, "f4": .float32, "f8": .float64]
      if descr.first == ">" && types[String(descr.dropFirst())] != nil {
        throw LimitFitError("\(name): dtype '\(descr)' is big-endian; limitfit reads little-endian files (numpy: a.astype('<\(descr.dropFirst())'))")
      }
      guard let order = descr.first, "<=|".contains(order), let type = types[String(descr.dropFirst())] else {
        throw LimitFitError("\(name): dtype '\(descr)' is not float16, float32 or float64 ('<f2', '<f4', '<f8')")
      }
      return type
    }

    /// The start of `text`, quoted, for a message.
    private static func quoted(_ text: String) -> String {
      let line = text.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: " ")
      return "\"\(line.prefix(80))\(line.count > 80 ? "…" : "")\""
    }
  }

  /// The Python literals of a .npy header.
  private enum HeaderValue {
    case string(String)
    case boolean(Bool)
    /// An integer; `nil` when it does not fit in an Int.
    case integer(Int?)
    /// A tuple or a list.
    case sequence([HeaderValue])
  }

  /// A parser of the literal a .npy header holds: a dict of strings to strings, booleans,
  /// integers (Python 2's `3L` too), tuples and lists.
  private struct HeaderParser {
    struct Malformed: Error {}

    private let characters: [Character]
    private var position = 0

    init(_ text: String) { characters = Array(text) }

    /// The dict, which must be all there is but white space.
    mutating func dictionary() throws -> [String: HeaderValue] {
      try expect("{")
      var fields: [String: HeaderValue] = [:]
      while try peek() != "}" {
        guard case .string(let key) = try value() else { throw Malformed() }
        try expect(":")
        fields[key] = try value()
        if try peek() == "," { position += 1 } else { break }
      }
      try expect("}")
      skipSpace()
      guard position == characters.count else { throw Malformed() }
      return fields
    }

    private mutating func value() throws -> HeaderValue {
      let first = try peek()
      switch first {
      case "'", "\"":
        position += 1
        guard let end = characters[position...].firstIndex(of: first) else { throw Malformed() }
        defer { position = end + 1 }
        return .string(String(characters[position..<end]))
      case "(", "[":
        position += 1
        let close: Character = first == "(" ? ")" : "]"
        var items: [HeaderValue] = []
        while try peek() != close {
          items.append(try value())
          if try peek() == "," { position += 1 } else { break }
        }
        try expect(close)
        return .sequence(items)
      default:
        let word = String(characters[position...].prefix { $0.isLetter || $0.isNumber || $0 == "-" })
        guard !word.isEmpty else { throw Malformed() }
        position += word.count
        switch word {
        case "True": return .boolean(true)
        case "False": return .boolean(false)
        default:
          let digits = word.hasSuffix("L") ? word.dropLast() : Substring(word)
          let magnitude = digits.hasPrefix("-") ? digits.dropFirst() : digits
          guard !magnitude.isEmpty, magnitude.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw Malformed() }
          return .integer(Int(digits))
        }
      }
    }

    private mutating func skipSpace() {
      while position < characters.count, characters[position].isWhitespace { position += 1 }
    }

    private mutating func peek() throws -> Character {
      skipSpace()
      guard position < characters.count else { throw Malformed() }
      return characters[position]
    }

    private mutating func expect(_ character: Character) throws {
      guard try peek() == character else { throw Malformed() }
      position += 1
    }
  }
}

/// Bytes that stay in place as long as a matrix refers to them: a file read into memory, or a
/// copy of some data. Never a mapping, which a writer could truncate under the reader (SIGBUS).
private final class ByteStore: @unchecked Sendable {
  let buffer: UnsafeRawBufferPointer

  /// Reads the file at `path` whole, after checking that it fits in memory.
  ///
  /// - Throws: `LimitFitError` naming the file when it cannot be read, is not a regular file,
  ///   does not fit, or changes while it is read (its size or modification time).
  init(reading path: String) throws {
    // Without waiting: a FIFO is refused below rather than waited on.
    let descriptor = open(path, O_RDONLY | O_NONBLOCK)
    guard descriptor >= 0 else { throw LimitFitError("\(path): cannot read: \(String(cString: strerror(errno)))") }
    defer { close(descriptor) }
    func status() throws -> stat {
      var status = stat()
      guard fstat(descriptor, &status) == 0 else {
        throw LimitFitError("\(path): cannot read: \(String(cString: strerror(errno)))")
      }
      return status
    }
    let before = try status()
    guard before.st_mode & S_IFMT == S_IFREG else { throw LimitFitError("\(path): not a regular file") }
    let count = Int(before.st_size)
    try SystemMemory.require(Double(count), for: "reading \(path)")
    let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 16)
    buffer = UnsafeRawBufferPointer(start: copy.baseAddress, count: count)
    var offset = 0
    while offset < count {
      let read = pread(descriptor, copy.baseAddress! + offset, count - offset, off_t(offset))
      if read < 0 && errno == EINTR { continue }
      guard read >= 0 else { throw LimitFitError("\(path): cannot read: \(String(cString: strerror(errno)))") }
      guard read > 0 else { break }
      offset += read
    }
    let after = try status()
    guard offset == count, after.st_size == before.st_size, after.st_mtim.tv_sec == before.st_mtim.tv_sec,
      after.st_mtim.tv_nsec == before.st_mtim.tv_nsec
    else {
      throw LimitFitError("\(path): changed while it was read; run again once it is written")
    }
  }

  /// Copies `data`.
  init(copying data: Data) {
    let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(data.count, 1), alignment: 16)
    _ = data.copyBytes(to: copy.bindMemory(to: UInt8.self))
    buffer = UnsafeRawBufferPointer(start: copy.baseAddress, count: data.count)
  }

  deinit {
    buffer.baseAddress.map { UnsafeMutableRawPointer(mutating: $0).deallocate() }
  }
}
