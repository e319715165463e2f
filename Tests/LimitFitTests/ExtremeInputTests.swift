import Foundation
import TestSupport
import Testing
@testable import LimitFit

/// Sizes at the extremes: refused with a `LimitFitError` before anything is allocated.
@Suite struct ExtremeSizeTests {
  @Test(arguments: [Int.max, Int.max / 2, 1 << 40, 100_000_000_000])
  func dimensionsNoMachineHolds(_ dimension: Int) {
    #expect(throws: LimitFitError.self) {
      try FreeEmbeddingFit(
        documents: 3, k: 2, dimension: dimension, hyperparameters: Hyperparameters(),
        checkingCapacityOf: CPUBackend())
    }
  }

  @Test func documentCountsBeyondInt32AreRefused() {
    #expect(throws: LimitFitError.self) { try ProblemSize.allSubsets(documents: Int.max - 1, k: 1, dimension: 2) }
    #expect(throws: LimitFitError.self) { try Qrels(relevant: [[0]], documentCount: Int.max) }
  }

  @Test(arguments: QrelsPattern.allCases)
  func patternsOfIntMaxQueriesAreRefused(_ pattern: QrelsPattern) {
    #expect(throws: LimitFitError.self) { try pattern.qrels(queries: Int.max) }
    #expect(throws: LimitFitError.self) { try pattern.qrels(queries: Int.max, documents: 10) }
    #expect(throws: LimitFitError.self) { try pattern.qrels(queries: 10, documents: Int.max) }
    #expect(throws: LimitFitError.self) { try pattern.qrels(queries: 0) }
  }

  @Test func theDensePatternKeepsItsPairsAmongItsOwnDocuments() throws {
    // Three queries need three documents; seven more take part as negatives only.
    let labeled = try QrelsPattern.dense.qrels(queries: 3, documents: 10)
    #expect(labeled.qrels.documentCount == 10)
    #expect((0..<3).map { Array(labeled.qrels.relevant(to: $0)) } == [[0, 1], [0, 2], [1, 2]])
    #expect(QrelsPattern.dense.defaultDocuments(queries: 1000) == 46)
    #expect(QrelsPattern.dense.defaultDocuments(queries: 1035) == 46)
    #expect(QrelsPattern.dense.defaultDocuments(queries: 1036) == 47)
    #expect(QrelsPattern.dense.defaultDocuments(queries: 1) == 2)
  }

  @Test func theWitnessRefusesWhatItCannotBuildOrCheck() {
    #expect(throws: LimitFitError.self) { try CyclicWitness(documents: Int.max) }
    #expect(throws: LimitFitError.self) { try CyclicWitness(documents: 4_000_000_000) }
    #expect(throws: LimitFitError.self) {
      try MomentCurveLimit.find(precision: .float32, maximumDocuments: 3)
    }
    #expect(throws: LimitFitError.self) {
      try CyclicWitness(documents: 10_000, dimension: Int.max / 4).embeddings()
    }
  }

  @Test func searchesStartOnlyWhereAFitCanRun() throws {
    #expect(CriticalNSearch.defaultStart(dimension: 20_000_000, k: 2) == nil)
    #expect(throws: LimitFitError.self) { try CriticalNSearch(dimension: 20_000_000, k: 2, seeds: [42]) }
    #expect(throws: LimitFitError.self) { try CriticalNSearch(dimension: Int.max, k: 2, seeds: [42]) }
    // The gallop up from Int.max − 1 ends in an error, not an overflow.
    let search = try CriticalNSearch(dimension: 2, k: 1, seeds: [42], start: Int.max - 1)
    #expect(throws: LimitFitError.self) { try search.run { _, _ in Self.solvedFit() } }
    // min-dim's doubling stops at the largest dimension, whatever it is.
    var tried: [Int] = []
    let minimum = try MinimumDimensionSearch(maximumDimension: Int.max, seeds: [1]).run { dimension, _ in
      tried.append(dimension)
      return dimension >= 1 << 62 ? Self.solvedFit() : Self.unsolvedFit()
    }
    #expect(minimum.minimumDimension == 1 << 62)
    #expect(tried.allSatisfy { $0 >= 1 })
  }

  private static func solvedFit() -> FitResult { fit(solved: true) }
  private static func unsolvedFit() -> FitResult { fit(solved: false) }
  private static func fit(solved: Bool) -> FitResult {
    FitResult(
      documents: 3, dimension: 2, k: 2, qrelsDigest: nil, queries: 3, relevantPairs: 6,
      hyperparameters: Hyperparameters(), iterations: 1, firstSolvedIteration: solved ? 1 : nil,
      finalLoss: 1, bestLoss: 1, accuracy: 1, solvedQueries: solved ? 3 : 0, solved: solved,
      stopReason: solved ? .solved : .plateau, wallSeconds: 0, iterationsPerSecond: 0,
      backend: "test", device: "test")
  }
}

/// Hyperparameters are checked in float32, the precision fits run in; a fit whose loss stops
/// being finite ends in an error, never in a verdict.
@Suite struct FloatRangeTests {
  @Test(arguments: [
    ("lr", 1e308), ("lr", 1e-300), ("lr", .nan), ("temperature", 1e-300), ("temperature", 1e308),
    ("temperature", 1e-46), ("temperature", 1e-20), ("temperature", -.infinity), ("margin", 1e39), ("margin", 1e-50),
    ("min-delta", .nan), ("min-delta", .infinity),
  ] as [(String, Double)])
  func valuesOutsideFloat32AreRefused(_ field: String, _ value: Double) {
    var settings = Hyperparameters()
    switch field {
    case "lr": settings.learningRate = value
    case "temperature": settings.temperature = value
    case "margin": settings.margin = value
    default: settings.minDelta = value
    }
    #expect(throws: LimitFitError.self) { try settings.validate() }
  }

  @Test(arguments: Loss.allCases)
  func aDivergedFitIsAnErrorNotAVerdict(_ loss: Loss) throws {
    var settings = Hyperparameters()
    settings.loss = loss
    settings.learningRate = 3e38
    try settings.validate()
    let fit = try FreeEmbeddingFit(
      documents: 4, k: 2, dimension: 2, hyperparameters: settings, checkingCapacityOf: CPUBackend())
    #expect {
      try fit.run(on: CPUBackend())
    } throws: { error in
      "\(error)".contains("the fit diverged")
    }
  }
}

/// The memory estimate is compared with what is free now, with headroom.
@Suite struct MemoryTests {
  @Test func theUsableMemoryIsBelowThePhysicalMemory() {
    let usable = SystemMemory.usableBytes()
    #expect(usable > 0)
    #expect(usable <= SystemMemory.usableShare * Double(ProcessInfo.processInfo.physicalMemory))
  }

  @Test func theCPUEstimateCountsTheHostCopies() throws {
    let size = try ProblemSize.allSubsets(documents: 3, k: 2, dimension: 1_000_000)
    let total = CPUBackend().bytesNeeded(for: size) + size.hostBytes
    // Q, D, gradients, moments, three partial ∇D, the block scratch and the host copy of Q and
    // D: 252 bytes per dimension here, and the program itself.
    #expect(abs(total - 252e6 - SystemMemory.programBytes) < 1e4)
  }
}

/// What a reader makes of damaged input: a result or a `LimitFitError`, never a crash. Each
/// layout, plain and gzip-compressed.
@Suite struct QrelsFuzzTests {
  static let samples: [(name: String, text: String)] = [
    ("qrels.jsonl", """
      {"query-id": "q1", "corpus-id": "d1", "score": 1}
      {"query-id": "q1", "corpus-id": "d 2", "score": 2}
      {"query-id": "q2", "corpus-id": 7, "score": 1.0}
      {"query-id": "q3", "corpus-id": "d1", "score": 0}

      """),
    ("ir_datasets.jsonl", """
      {"query_id": "q1", "doc_id": "d1", "relevance": 1, "iteration": "0"}
      {"query_id": "q2", "doc_id": "d 2", "relevance": 2, "iteration": "0"}

      """),
    ("qrels.tsv", "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td 2\t2\nq2\td7\t1\nq3\td1\t0\n"),
    ("ir_datasets.tsv", "query_id\tdoc_id\trelevance\titeration\nq1\td1\t1\t0\nq1\td 2\t2\t0\nq2\td7\t1\t0\n"),
    ("qrels.dev.small.tsv", "1\t0\t5\t1\n1\t0\t6\t1\n2\t0\t5\t1\n"),
    ("qrels.txt", "q1 0 d1 1\nq1 0 d2 2\nq2 Q0 d7 1\nq3 0 d1 0\n"),
    ("tabs.txt", "q 1\t0\td 1\t1\nq 1\t0\td 2\t2\nq2\tQ0\td7\t1\n"),
  ]

  /// Every sample, plain and compressed.
  static let cases = samples.indices.flatMap { [($0, false), ($0, true)] }

  /// Loads `text` as sample `index`'s file, gzip-compressed (and named .gz) or not: a result or
  /// a `LimitFitError`; any other error fails the test.
  private func load(_ text: [UInt8], as index: Int, compressed: Bool) throws -> LabeledQrels? {
    try load(compressed ? gzipped(text) : text, as: Self.samples[index].name + (compressed ? ".gz" : ""))
  }

  /// Loads `bytes` as `name`: a result or a `LimitFitError`; any other error fails the test.
  private func load(_ bytes: [UInt8], as name: String) throws -> LabeledQrels? {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent(name).path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    do {
      let labeled = try LabeledQrels.load(path: path)
      #expect(labeled.qrels.queryCount == labeled.queryIDs.count)
      #expect(labeled.qrels.documentCount == labeled.documentIDs.count)
      #expect((0..<labeled.qrels.queryCount).allSatisfy { !labeled.qrels.relevant(to: $0).isEmpty })
      return labeled
    } catch is LimitFitError {
      return nil
    }
  }

  @Test(arguments: cases)
  func randomBytes(_ sample: Int, compressed: Bool) throws {
    var generator = SplitMix64(seed: UInt64(sample))
    let name = Self.samples[sample].name + (compressed ? ".gz" : "")
    let intact = compressed ? try gzipped(Array(Self.samples[sample].text.utf8)) : []
    for _ in 0..<150 {
      let count = Int.random(in: 0..<200, using: &generator)
      // Half the cases printable (more lines get as far as the parser), half any byte.
      // Compressed: half a valid file with a few bytes overwritten, half any bytes after gzip's
      // magic ones.
      let printable = Bool.random(using: &generator)
      var bytes = (0..<count).map { _ in
        printable ? UInt8.random(in: 9...126, using: &generator) : UInt8.random(in: 0...255, using: &generator)
      }
      if compressed {
        if printable {
          bytes = intact
          for _ in 0..<Int.random(in: 1...4, using: &generator) {
            bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
          }
        } else {
          bytes = [0x1f, 0x8b] + bytes
        }
      }
      _ = try load(bytes, as: name)
    }
  }

  @Test(arguments: cases)
  func everyTruncation(_ sample: Int, compressed: Bool) throws {
    let text = Array(Self.samples[sample].text.utf8)
    let bytes = compressed ? try gzipped(text) : text
    let name = Self.samples[sample].name + (compressed ? ".gz" : "")
    for end in 0...bytes.count { _ = try load(Array(bytes[..<end]), as: name) }
  }

  @Test(arguments: cases)
  func mixedSeparators(_ sample: Int, compressed: Bool) throws {
    var generator = SplitMix64(seed: 100 + UInt64(sample))
    let original = Self.samples[sample].text
    let intact = try #require(try load(Array(original.utf8), as: sample, compressed: compressed))
    let separators = ["\t", " ", "  ", "\r\n", "\n", "\r", "\t "]
    for _ in 0..<150 {
      var text = ""
      for character in original {
        if character == "\t" || character == " " || character == "\n" {
          text += Bool.random(using: &generator) ? String(character) : separators.randomElement(using: &generator)!
        } else {
          text.append(character)
        }
      }
      _ = try load(Array(text.utf8), as: sample, compressed: compressed)
    }
    // Line ends alone never change what is read.
    let crlf = original.replacingOccurrences(of: "\n", with: "\r\n")
    let again = try #require(try load(Array(crlf.utf8), as: sample, compressed: compressed))
    #expect(again.qrels == intact.qrels && again.queryIDs == intact.queryIDs && again.documentIDs == intact.documentIDs)
  }

  @Test(arguments: cases)
  func anEmptyFileHasNoQuery(_ sample: Int, compressed: Bool) throws {
    for text in ["", "\n\n", " \t\r\n"] {
      let bytes = Array(text.utf8)
      let path = try writeFile(Self.samples[sample].name + (compressed ? ".gz" : ""), bytes: compressed ? try gzipped(bytes) : bytes)
      #expect(throws: LimitFitError("\(path): no query has a document with score ≥ 1.0")) { try LabeledQrels.load(path: path) }
    }
  }
}

/// Scores at their extremes in every layout: numbers, whatever their size.
@Suite struct ExtremeScoreTests {
  @Test(arguments: QrelsLayout.all)
  func extremeScoresAreNumbers(_ layout: QrelsLayout) throws {
    let scores = ["0", "-1", "9223372036854775807", "1e308", "1e-300", "-0"]
    let text = layout.text(scores.enumerated().map { ("q", "d\($0)", $1) })
    let labeled = try LabeledQrels.load(path: writeFile(layout.name, text))
    #expect(labeled.documentIDs == (0..<6).map { "d\($0)" })
    #expect(labeled.qrels.relevant(to: 0) == [2, 3])
  }
}

/// BEIR .tsv files are read by their header's names, and a file without one loses no line.
@Suite struct TSVHeaderTests {
  @Test func swappedColumnsAreReadByName() throws {
    let swapped = try LabeledQrels.load(path: writeFile("qrels.tsv", "corpus-id\tquery-id\tscore\nd1\tq1\t1\nd2\tq1\t1\nd2\tq2\t1\n"))
    let plain = try LabeledQrels.load(path: writeFile("qrels.tsv", "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t1\nq2\td2\t1\n"))
    #expect(swapped.qrels == plain.qrels && swapped.queryIDs == ["q1", "q2"] && swapped.documentIDs == ["d1", "d2"])
    let irDatasets = try LabeledQrels.load(path: writeFile("qrels.tsv", "query_id\tdoc_id\trelevance\nq1\td1\t1\nq1\td2\t1\nq2\td2\t1\n"))
    #expect(irDatasets.qrels == plain.qrels)
  }

  @Test func aFileWithoutAHeaderKeepsItsFirstPair() throws {
    let labeled = try LabeledQrels.load(path: writeFile("qrels.tsv", "q1\td1\t1\nq1\td2\t1\n"))
    #expect(labeled.qrels.relevantPairCount == 2 && labeled.documentIDs == ["d1", "d2"])
  }

  @Test(arguments: ["nan", "inf", "1e999", "-inf", "NaN"])
  func scoresThatAreNotFiniteAreErrors(_ score: String) throws {
    // Every layout whose scores are text (JSON has no such numbers: not a JSON object).
    // On the first line too, where a .tsv without a header is told from one with.
    for layout in QrelsLayout.all where !layout.name.hasSuffix(".jsonl") {
      for judgements in [[("q1", "d1", score)], [("q1", "d1", "1"), ("q1", "d2", score)]] {
        let path = try writeFile(layout.name, layout.text(judgements))
        let line = judgements.count + (layout.header == nil ? 0 : 1)
        #expect(throws: LimitFitError("\(path):\(line): score \"\(score)\" is not a number")) { try LabeledQrels.load(path: path) }
      }
    }
  }

  @Test func emptyIdsAreErrors() throws {
    let path = try writeFile("qrels.tsv", "q1\td1\t1\n\t\t1\n")
    #expect(throws: LimitFitError("\(path):2: an empty query id")) { try LabeledQrels.load(path: path) }
  }

  @Test func oneQueryOfManyDocumentsStaysCheap() throws {
    // 30000 relevant documents of one query: 4.5·10⁸ pairs for the density, which is skipped.
    let qrels = try Qrels(relevant: [Array(0..<30_000)], documentCount: 30_000)
    let statistics = QrelsStatistics(qrels)
    #expect(statistics.graphDensity == nil && statistics.densityPairs == 30_000 * 29_999 / 2)
    #expect(statistics.averageQueryStrength == 0)
  }

  @Test func anUnknownHeaderIsAnError() throws {
    let path = try writeFile("qrels.tsv", "a\tb\tc\nq1\td1\t1\n")
    #expect(throws: LimitFitError.self) { try LabeledQrels.load(path: path) }
  }
}

/// Writing: the system's reason, all files or none, and never over a device.
@Suite struct FileOutputTests {
  @Test func aFullDeviceSaysSo() throws {
    let descriptor = open("/dev/full", O_WRONLY)
    try #require(descriptor >= 0)
    defer { close(descriptor) }
    #expect(throws: LimitFitError("out: cannot write: No space left on device")) {
      try FileOutput.writeAll(Data(repeating: 1, count: 10), to: descriptor, path: "out")
    }
  }

  @Test func devicesAndFoldersAreNeverReplaced() throws {
    #expect(throws: LimitFitError("/dev/full: not a regular file; it is never replaced")) {
      try FileOutput.write([("/dev/full", Data("x".utf8))], replacing: true)
    }
    #expect(throws: LimitFitError.self) { try ResultsStore(path: "/dev/full") { _ in } }
    #expect(throws: LimitFitError.self) { try ResultsStore(path: "/tmp") { _ in } }
  }

  @Test func aFailedFileLeavesTheOthersUnchanged() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let first = folder.appendingPathComponent("first").path
    try "old".write(toFile: first, atomically: false, encoding: .utf8)
    #expect(throws: LimitFitError.self) {
      // Nobody, root included, creates a file in /proc.
      try FileOutput.write([(first, Data("new".utf8)), ("/proc/limitfit-second", Data("new".utf8))], replacing: true)
    }
    #expect(try String(contentsOfFile: first, encoding: .utf8) == "old")
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["first"])
  }
}

extension FileOutputTests {
  @Test func aFileThatAppearedDuringTheRunIsKeptWithoutOverwrite() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let (first, second) = (folder.appendingPathComponent("a.json").path, folder.appendingPathComponent("b.json").path)
    // The user's file, written after the outputs were checked and before the write.
    try "notes".write(toFile: second, atomically: false, encoding: .utf8)
    #expect(throws: LimitFitError("\(second) appeared while this run worked; it is kept (pass --overwrite to replace it)")) {
      try FileOutput.write([(first, Data("new".utf8)), (second, Data("new".utf8))], replacing: false)
    }
    #expect(try String(contentsOfFile: second, encoding: .utf8) == "notes")
    // Nothing of the call is left: not the first file, not a temporary one.
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["b.json"])
    try FileOutput.write([(first, Data("new".utf8)), (second, Data("new".utf8))], replacing: true)
    #expect(try String(contentsOfFile: second, encoding: .utf8) == "new")
  }
}

/// Certificates that hold what no fit writes.
@Suite struct HostileCertificateTests {
  @Test func aNaNDocumentIsRefused() throws {
    let qrels = LabeledQrels.allSubsets(documents: 3, k: 2)
    var documents: [Float] = [1, 0, 0, 1, -1, 0]
    documents[3] = .nan
    let embeddings = Embeddings(dimension: 2, queries: [Float](repeating: 0.5, count: 6), documents: documents)
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString).path
    try Certificate.write(embeddings, of: qrels, fit: nil, to: folder, overwrite: false)
    #expect(throws: LimitFitError("\(folder)/documents.npy: row 1 holds nan, not a finite number")) {
      try Certificate.verify(folder, against: qrels).verification
    }
  }

  @Test func duplicateIdsAreRefused() throws {
    let qrels = LabeledQrels.allSubsets(documents: 3, k: 2)
    var twice = qrels
    twice.documentIDs = ["d0", "d1", "d1"]
    let embeddings = Embeddings(dimension: 2, queries: [Float](repeating: 0.5, count: 6), documents: [Float](repeating: 0.5, count: 6))
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString).path
    try Certificate.write(embeddings, of: twice, fit: nil, to: folder, overwrite: false)
    #expect(throws: LimitFitError("\(folder)/certificate.json: a document id is listed twice")) {
      try Certificate.verify(folder, against: qrels).verification
    }
  }

  @Test(arguments: [
    ("(9223372036854775807, 2)", "32 bytes of data for a 9223372036854775807 × 2 float32 matrix"),
    ("(4611686018427387904, 4)", "32 bytes of data for a 4611686018427387904 × 4 float32 matrix"),
    ("(-1, 4)", "the shape is not a tuple of sizes (each from 0 to 9223372036854775807)"),
    ("(9223372036854775808, 1)", "the shape is not a tuple of sizes (each from 0 to 9223372036854775807)"),
  ])
  func shapesThatOverflowAreRefused(_ shape: String, _ message: String) {
    var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }"
    header += String(repeating: " ", count: 64 - (10 + header.utf8.count + 1) % 64) + "\n"
    var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0])
    data.append(contentsOf: Array(header.utf8) + [UInt8](repeating: 0, count: 32))
    #expect(throws: LimitFitError("x.npy: " + message)) { try NPYMatrix(data, name: "x.npy") }
  }
}
