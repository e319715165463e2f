import Foundation
import TestSupport
import Testing
@testable import LimitFit

@Suite struct NPYReaderTests {
  /// A 2 × 3 matrix, row-major, whose values float16 holds exactly (its largest, its smallest
  /// normal, a negative zero).
  static let values: [Double] = [1, -2.5, 0.125, 65504, -0.0, 0x1p-14]

  @Test(arguments: ["<f2", "<f4", "<f8"], [false, true])
  func readsEachTypeInEitherOrder(descr: String, fortranOrder: Bool) throws {
    let data = npyMatrix(Self.values, rows: 2, columns: 3, descr: descr, fortranOrder: fortranOrder)
    let matrix = try NPYMatrix(data, name: "m.npy")
    #expect(matrix.rows == 2 && matrix.columns == 3 && matrix.isFortranOrder == fortranOrder)
    #expect(matrix.elementType == ["<f2": .float16, "<f4": .float32, "<f8": .float64][descr])
    #expect(try matrix.values(as: Double.self).map(\.bitPattern) == Self.values.map(\.bitPattern))
    #expect(try matrix.values(as: Float.self).map(\.bitPattern) == Self.values.map { Float($0).bitPattern })
    var row = [Double](repeating: 0, count: 3)
    row.withUnsafeMutableBufferPointer { matrix.read(rows: 1..<2, into: $0.baseAddress!) }
    #expect(row.map(\.bitPattern) == Self.values[3...].map(\.bitPattern))
  }

  @Test(arguments: [1, 2, 3] as [UInt8])
  func readsEveryVersion(version: UInt8) throws {
    let payload = littleEndianBytes(Self.values.map { Float($0).bitPattern })
    let data = npyFile(header: npyHeader(descr: "<f4", shape: "(3, 2)"), payload: payload, version: version)
    #expect((data.count - payload.count) % 64 == 0)
    let matrix = try NPYMatrix(data, name: "m.npy")
    #expect(matrix.rows == 3 && matrix.columns == 2)
    #expect(try matrix.values(as: Double.self).map(\.bitPattern) == Self.values.map(\.bitPattern))
  }

  @Test func float64KeepsItsPrecision() throws {
    let values = [1 + 0x1p-40, -1e-300]
    let matrix = try NPYMatrix(npyMatrix(values, rows: 1, columns: 2, descr: "<f8"), name: "m.npy")
    #expect(try matrix.values(as: Double.self) == values)
    #expect(try matrix.values(as: Float.self) == [1, -0.0])
  }

  @Test func readsTheHeadersNumPyAndOthersWrite() throws {
    let payload = littleEndianBytes([Float(1), 2].map(\.bitPattern))
    for header in [
      "{'descr': '=f4', 'fortran_order': False, 'shape': (1, 2), }",  // the native order
      "{'descr': '|f4', 'fortran_order': False, 'shape': (1, 2)}",
      "{\"shape\": (1L, 2L), \"fortran_order\": False, \"descr\": \"<f4\"}",  // Python 2, other order
      "{'descr':'<f4','fortran_order':False,'shape':[1,2]}",
    ] {
      let matrix = try NPYMatrix(npyFile(header: header, payload: payload), name: "m.npy")
      #expect(try matrix.values(as: Float.self) == [1, 2], "\(header)")
    }
  }

  @Test func readsAFileThatIsCutAfterwards() throws {
    let path = try writeFile("m.npy", "")
    try npyMatrix(Self.values, rows: 3, columns: 2, descr: "<f8", fortranOrder: true).write(to: URL(fileURLWithPath: path))
    let matrix = try NPYMatrix(contentsOfFile: path)
    #expect(matrix.name == path && matrix.rows == 3 && matrix.isFortranOrder)
    // A writer truncating the file under a mapping ended the process with SIGBUS.
    #expect(truncate(path, 0) == 0)
    #expect(try matrix.values(as: Double.self).map(\.bitPattern) == Self.values.map(\.bitPattern))
  }

  /// Headers of files that are no 2-D float matrix, and what is said about each.
  static let refused: [(header: String, payload: Int, message: String)] = [
    (npyHeader(descr: "<i4", shape: "(2, 2)"), 16, "dtype '<i4' is not float16, float32 or float64 ('<f2', '<f4', '<f8')"),
    (npyHeader(descr: "<c8", shape: "(2, 2)"), 32, "dtype '<c8' is not float16, float32 or float64 ('<f2', '<f4', '<f8')"),
    (npyHeader(descr: ">f4", shape: "(2, 2)"), 16, "dtype '>f4' is big-endian; limitfit reads little-endian files (numpy: a.astype('<f4'))"),
    (npyHeader(descr: "<f4", shape: "(2, 2, 1)"), 16, "a 3-D array, shape (2, 2, 1); expected a 2-D matrix"),
    (npyHeader(descr: "<f4", shape: "(4,)"), 16, "a 1-D array, shape (4,); expected a 2-D matrix"),
    (npyHeader(descr: "<f4", shape: "()"), 4, "a 0-D array, shape (); expected a 2-D matrix"),
    (npyHeader(descr: "<f4", shape: "(2, 2)"), 15, "15 bytes of data for a 2 × 2 float32 matrix"),
    (npyHeader(descr: "<f4", shape: "(2, 2)"), 17, "17 bytes of data for a 2 × 2 float32 matrix"),
    (npyHeader(descr: "<f8", shape: "(9223372036854775807, 9223372036854775807)"), 8,
     "8 bytes of data for a 9223372036854775807 × 9223372036854775807 float64 matrix"),
    ("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", 8,
     "a structured dtype; expected float16, float32 or float64 ('<f2', '<f4', '<f8')"),
    ("{'descr': '<f4', 'fortran_order': 'no', 'shape': (1, 1), }", 4, "'fortran_order' is not True or False"),
    ("{'descr': '<f4', 'fortran_order': False}", 4, "the header has no 'shape'"),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (1, x), }", 4,
     "the header is not a Python dict: \"{'descr': '<f4', 'fortran_order': False, 'shape': (1, x), }\""),
    ("not a dict", 4, "the header is not a Python dict: \"not a dict\""),
  ]

  @Test(arguments: refused.indices)
  func refusesWhatIsNotAFloatMatrix(_ index: Int) {
    let (header, payload, message) = Self.refused[index]
    let data = npyFile(header: header, payload: [UInt8](repeating: 0, count: payload))
    #expect(throws: LimitFitError("x.npy: " + message)) { try NPYMatrix(data, name: "x.npy") }
  }

  @Test func refusesBrokenFramesInOneLine() throws {
    let valid = npyMatrix([1, 2], rows: 1, columns: 2)
    #expect(throws: LimitFitError("x.npy: not a .npy file (it is empty)")) { try NPYMatrix(Data(), name: "x.npy") }
    #expect(throws: LimitFitError("x.npy: not a .npy file")) { try NPYMatrix(valid.prefix(9), name: "x.npy") }
    var version = valid
    version[6] = 4
    #expect(throws: LimitFitError("x.npy: .npy format version 4.0 is not known (1.0 to 3.0 are)")) {
      try NPYMatrix(version, name: "x.npy")
    }
    var past = valid
    (past[8], past[9]) = (0xFF, 0xFF)
    #expect(throws: LimitFitError("x.npy: the header's length (65535 bytes) runs past the end of the file (\(valid.count) bytes)")) {
      try NPYMatrix(past, name: "x.npy")
    }
    let huge = Data([0x93] + Array("NUMPY".utf8) + [2, 0, 0xFF, 0xFF, 0xFF, 0x7F])
    #expect(throws: LimitFitError("x.npy: a header of 2147483647 bytes; NumPy writes a few hundred, and limitfit reads at most 100000")) {
      try NPYMatrix(huge, name: "x.npy")
    }
    #expect(throws: LimitFitError("x.npy: the file ends inside its header")) { try NPYMatrix(huge.prefix(11), name: "x.npy") }
    // Every truncation of a valid file is refused, none traps.
    for length in 0..<valid.count {
      #expect(throws: LimitFitError.self) { try NPYMatrix(valid.prefix(length), name: "x.npy") }
    }
  }

  @Test func namesAFileItCannotRead() throws {
    #expect(throws: LimitFitError("/nonexistent/m.npy: cannot read: No such file or directory")) {
      try NPYMatrix(contentsOfFile: "/nonexistent/m.npy")
    }
    let folder = try temporaryFolder().path
    #expect(throws: LimitFitError("\(folder): not a regular file")) { try NPYMatrix(contentsOfFile: folder) }
  }
}
