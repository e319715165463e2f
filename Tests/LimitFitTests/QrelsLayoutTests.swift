import Foundation
import TestSupport
import Testing
@testable import LimitFit

/// A layout of qrels: a file name, a header, and how a judgement is written.
struct QrelsLayout: Sendable, CustomTestStringConvertible {
  var name: String
  var header: String?
  var line: @Sendable (_ query: String, _ document: String, _ score: String) -> String

  var testDescription: String { name }

  /// The file's text for `judgements`.
  func text(_ judgements: [(query: String, document: String, score: String)]) -> String {
    ((header.map { [$0] } ?? []) + judgements.map { line($0.query, $0.document, $0.score) }).joined(separator: "\n") + "\n"
  }

  /// Every layout limitfit reads, with ids that may contain spaces; MTEB's first.
  static let all = [
    QrelsLayout(name: "qrels.jsonl") { #"{"query-id": "\#($0)", "corpus-id": "\#($1)", "score": \#($2)}"# },
    QrelsLayout(name: "ir_datasets.jsonl") { #"{"query_id": "\#($0)", "doc_id": "\#($1)", "relevance": \#($2), "iteration": "0"}"# },
    QrelsLayout(name: "test.tsv", header: "query-id\tcorpus-id\tscore") { "\($0)\t\($1)\t\($2)" },
    QrelsLayout(name: "headerless.tsv") { "\($0)\t\($1)\t\($2)" },
    QrelsLayout(name: "reordered.tsv", header: "Score\tQuery-ID\tCorpus-ID") { "\($2)\t\($0)\t\($1)" },
    QrelsLayout(name: "ir_datasets.tsv", header: "query_id\tdoc_id\trelevance\titeration") { "\($0)\t\($1)\t\($2)\t0" },
    QrelsLayout(name: "msmarco.tsv") { "\($0)\t0\t\($1)\t\($2)" },
    QrelsLayout(name: "qrels.trec") { "\($0)\tQ0\t\($1)\t\($2)" },
  ]

  init(name: String, header: String? = nil, line: @escaping @Sendable (String, String, String) -> String) {
    (self.name, self.header, self.line) = (name, header, line)
  }
}

/// The same judgements in every layout, plain or gzip-compressed, read as the same matrix.
@Suite struct QrelsLayoutTests {
  /// Two queries relevant to some document, one to none (dropped); ids with spaces.
  static let judgements: [(query: String, document: String, score: String)] = [
    ("q 1", "doc a", "1"), ("q 1", "doc b", "2"), ("q 2", "doc b", "1"), ("q 2", "doc c", "0"), ("q 3", "doc d", "0"),
  ]

  /// MTEB's layout, which the others must match.
  static let mteb = QrelsLayout.all[0].text(judgements)

  static func expectSame(_ labeled: LabeledQrels, as reference: LabeledQrels, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(labeled.queryIDs == reference.queryIDs, sourceLocation: sourceLocation)
    #expect(labeled.documentIDs == reference.documentIDs, sourceLocation: sourceLocation)
    #expect(labeled.qrels == reference.qrels, sourceLocation: sourceLocation)
    #expect(labeled.droppedQueries == reference.droppedQueries, sourceLocation: sourceLocation)
  }

  static func reference() throws -> LabeledQrels { try LabeledQrels.load(path: writeFile("qrels.jsonl", mteb)) }

  @Test func theReference() throws {
    let reference = try Self.reference()
    #expect(reference.queryIDs == ["q 1", "q 2"] && reference.documentIDs == ["doc a", "doc b", "doc c", "doc d"])
    #expect(reference.qrels.relevant(to: 0) == [0, 1] && reference.qrels.relevant(to: 1) == [1])
    #expect(reference.droppedQueries == 1)
  }

  @Test(arguments: QrelsLayout.all)
  func everyLayoutReadsAsMTEBs(_ layout: QrelsLayout) throws {
    Self.expectSame(try LabeledQrels.load(path: writeFile(layout.name, layout.text(Self.judgements))), as: try Self.reference())
  }

  @Test(arguments: QrelsLayout.all)
  func gzipIsDecompressedWhateverTheName(_ layout: QrelsLayout) throws {
    let compressed = try gzipped(Array(layout.text(Self.judgements).utf8))
    for file in [layout.name + ".gz", layout.name] {
      Self.expectSame(try LabeledQrels.load(path: writeFile(file, bytes: compressed)), as: try Self.reference())
    }
  }

  @Test(arguments: QrelsLayout.all)
  func concatenatedMembersAreReadInTurn(_ layout: QrelsLayout) throws {
    // Split mid-line: the members' boundaries need not be the lines'.
    let bytes = Array(layout.text(Self.judgements).utf8)
    let members = try gzipped(Array(bytes[..<(bytes.count / 2)])) + gzipped([]) + gzipped(Array(bytes[(bytes.count / 2)...]))
    Self.expectSame(try LabeledQrels.load(path: writeFile(layout.name + ".gz", bytes: members)), as: try Self.reference())
  }

  @Test(arguments: [
    (LabeledQrels.Format.jsonl, 0), (.jsonl, 1), (.tsv, 2), (.tsv, 5), (.tsv, 6), (.trec, 7),
  ])
  func aFormatOverridesTheName(format: LabeledQrels.Format, layout: Int) throws {
    let path = try writeFile("judgements.dat.gz", bytes: gzipped(Array(QrelsLayout.all[layout].text(Self.judgements).utf8)))
    Self.expectSame(try LabeledQrels.load(path: path, format: format), as: try Self.reference())
  }

  @Test func theNameImpliesTheFormatThroughGz() {
    #expect(LabeledQrels.Format(path: "a/qrels.jsonl.gz") == .jsonl)
    #expect(LabeledQrels.Format(path: "test.TSV.GZ") == .tsv)
    #expect(LabeledQrels.Format(path: "qrels.dev.small.tsv") == .tsv)
    #expect(LabeledQrels.Format(path: "qrels.robust.gz") == .trec)
    #expect(LabeledQrels.Format(path: "qrels.gz") == .trec)
  }

  @Test func trecLinesThatTabsSplitInFourSplitOnTabsOnly() throws {
    let labeled = try LabeledQrels.load(path: writeFile("qrels.txt", "301 a\t0\tFT 934\t1\n302 0 FBIS3-1 1\n303\t0 FT-2 1\n"))
    #expect(labeled.queryIDs == ["301 a", "302", "303"] && labeled.documentIDs == ["FT 934", "FBIS3-1", "FT-2"])
  }

  @Test func msMarcosQrels() throws {
    // The first lines of MS MARCO's qrels.dev.small.tsv.
    let labeled = try LabeledQrels.load(path: writeFile("qrels.dev.small.tsv", "300674\t0\t7067032\t1\n125705\t0\t7067056\t1\n94798\t0\t7067181\t1\n"))
    #expect(labeled.queryIDs == ["300674", "125705", "94798"] && labeled.documentIDs == ["7067032", "7067056", "7067181"])
  }
}

/// Damaged gzip data is one error that names the file, and a gzip bomb stops at the memory.
@Suite struct GzipTests {
  static let text = Array(QrelsLayoutTests.mteb.utf8)

  @Test func everyTruncationSaysSo() throws {
    let compressed = try gzipped(Self.text)
    for end in 2..<compressed.count {
      let path = try writeFile("qrels.jsonl.gz", bytes: Array(compressed[..<end]))
      #expect(throws: LimitFitError("\(path): truncated: the gzip data ends before its last member does")) {
        try LabeledQrels.load(path: path)
      }
    }
  }

  @Test(arguments: [
    // (offset from the end when negative, else from the start; zlib's reason)
    (-8, "incorrect data check"),  // the CRC-32
    (-4, "incorrect length check"),  // the size
    (2, "unknown compression method"),
  ])
  func aDamagedByteIsCorrupt(offset: Int, reason: String) throws {
    var compressed = try gzipped(Self.text)
    compressed[offset < 0 ? compressed.count + offset : offset] ^= 0x55
    let path = try writeFile("qrels.jsonl.gz", bytes: compressed)
    #expect(throws: LimitFitError("\(path): corrupt gzip data (\(reason))")) { try LabeledQrels.load(path: path) }
  }

  @Test func bytesAfterTheLastMemberAreCorrupt() throws {
    let path = try writeFile("qrels.jsonl.gz", bytes: try gzipped(Self.text) + Array("trailing".utf8))
    #expect(throws: LimitFitError("\(path): corrupt gzip data (incorrect header check)")) { try LabeledQrels.load(path: path) }
  }

  @Test func notUTF8() throws {
    let path = try writeFile("qrels.jsonl.gz", bytes: try gzipped([0x7b, 0xff, 0xfe, 0x7d]))
    #expect(throws: LimitFitError("\(path): not UTF-8 text")) { try LabeledQrels.load(path: path) }
  }

  /// 64 members of 1 MiB of zeros each: 64 MiB of text from 64 KiB.
  static func bomb() throws -> [UInt8] {
    let member = try gzipped([UInt8](repeating: 0, count: 1 << 20))
    return Array((0..<64).map { _ in member }.joined())
  }

  @Test func theTextGrowsOnlyAsFarAsReserved() throws {
    let limit = LimitFitError("over 4 MiB")
    for (name, bytes) in [("bomb.tsv.gz", try Self.bomb()), ("zeros.tsv", [UInt8](repeating: 0, count: 64 << 20))] {
      let path = try writeFile(name, bytes: bytes)
      var reserved: [Int] = []
      #expect(throws: limit) {
        try TextFile.read(path) { bytes in
          reserved.append(bytes)
          if bytes > 4 << 20 { throw limit }
        }
      }
      // Asked before each doubling, from 1 MiB, and refused at the first step past 4 MiB.
      #expect(reserved.first == 1 << 20)
      #expect(zip(reserved, reserved.dropFirst()).allSatisfy { $1 >= 2 * $0 && $1 <= 2 * $0 + (1 << 16) })
      #expect(reserved.last.map { $0 > 4 << 20 && $0 <= 8 << 20 + (1 << 16) } == true, "\(reserved)")
    }
  }

  @Test func theBombWithinTheLimitIsWhole() throws {
    let text = try TextFile.read(try writeFile("bomb.gz", bytes: try Self.bomb())) { _ in }
    #expect(text.utf8.count == 64 << 20 && text.utf8.allSatisfy { $0 == 0 })
  }
}

/// A BEIR or MTEB data set's folder: its qrels of a split, and its corpus.
@Suite struct QrelsDatasetTests {
  /// A folder with `files` (name: text; a name ending in .gz is compressed).
  static func folder(_ files: [String: String]) throws -> String {
    let folder = try temporaryFolder()
    for (name, text) in files {
      let url = folder.appendingPathComponent(name)
      try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      let bytes = name.hasSuffix(".gz") ? try gzipped(Array(text.utf8)) : Array(text.utf8)
      try Data(bytes).write(to: url)
    }
    return folder.path
  }

  static let corpus = #"{"_id": "doc z", "text": "relevant to none"}"# + "\n" + #"{"_id": "doc a", "text": ""}"#
  static let beir = QrelsLayout.all[2].text(QrelsLayoutTests.judgements)
  static let dev = "query-id\tcorpus-id\tscore\nq 9\tdoc z\t1\n"

  @Test func beirsFolderReadsTheTestSplitAndTheCorpus() throws {
    let folder = try Self.folder(["qrels/test.tsv": Self.beir, "qrels/dev.tsv.gz": Self.dev, "corpus.jsonl": Self.corpus, "queries.jsonl": ""])
    let labeled = try LabeledQrels.load(path: folder)
    #expect(labeled.source == "\(folder) (qrels/test.tsv, corpus.jsonl)")
    #expect(labeled.documentIDs == ["doc z", "doc a", "doc b", "doc c", "doc d"])
    #expect(labeled.queryIDs == ["q 1", "q 2"])

    let dev = try LabeledQrels.load(path: folder + "/", split: "dev")
    #expect(dev.source == "\(folder)/ (qrels/dev.tsv.gz, corpus.jsonl)")
    #expect(dev.queryIDs == ["q 9"] && dev.qrels.relevant(to: 0) == [0])

    #expect(throws: LimitFitError("\(folder): no split \"train\" in qrels/ (its splits: dev, test)")) {
      try LabeledQrels.load(path: folder, split: "train")
    }
  }

  @Test func mtebsFolderWithACompressedCorpus() throws {
    let folder = try Self.folder(["qrels.jsonl": QrelsLayoutTests.mteb, "corpus.jsonl.gz": Self.corpus])
    let labeled = try LabeledQrels.load(path: folder)
    #expect(labeled.source == "\(folder) (qrels.jsonl, corpus.jsonl.gz)")
    #expect(labeled.documentIDs.first == "doc z")
    // A corpus given instead of the folder's, and a split of a folder without splits.
    let other = try writeFile("corpus.jsonl", #"{"_id": "doc y"}"#)
    let withOther = try LabeledQrels.load(path: folder, corpus: other)
    #expect(withOther.source == "\(folder) (qrels.jsonl)" && withOther.documentIDs.first == "doc y")
    #expect(throws: LimitFitError("\(folder): one qrels.jsonl, no qrels/ folder of splits such as \"test\"")) {
      try LabeledQrels.load(path: folder, split: "test")
    }
  }

  @Test func mtebsSplitsAsJSONLinesAndAFormatForcedOnThem() throws {
    let folder = try Self.folder(["qrels/test.jsonl": QrelsLayoutTests.mteb])
    let labeled = try LabeledQrels.load(path: folder)
    #expect(labeled.source == "\(folder) (qrels/test.jsonl)" && labeled.queryIDs == ["q 1", "q 2"])
    #expect(throws: LimitFitError.self) { try LabeledQrels.load(path: folder, format: .trec) }
  }

  @Test func limitSmallIsADataSetFolder() throws {
    let labeled = try LabeledQrels.load(path: limitSmall)
    let reference = try loadLimitSmall()
    #expect(labeled.source == "\(limitSmall) (qrels.jsonl, corpus.jsonl)")
    #expect(labeled.qrels == reference.qrels && labeled.documentIDs == reference.documentIDs)
  }

  @Test func whatIsNotADataSetSaysWhy() throws {
    let empty = try Self.folder([:])
    #expect(throws: LimitFitError("\(empty): a folder, but not a BEIR or MTEB data set's: it has neither qrels/<split>.tsv (or .jsonl) nor qrels.jsonl")) {
      try LabeledQrels.load(path: empty)
    }
    let noSplits = try Self.folder(["qrels/README": "", "corpus.jsonl": Self.corpus])
    #expect(throws: LimitFitError("\(noSplits): no split \"test\" in qrels/ (it has no .tsv or .jsonl file)")) {
      try LabeledQrels.load(path: noSplits)
    }
    let file = try writeFile("qrels.tsv", Self.beir)
    #expect(throws: LimitFitError("\(file): not a data set's folder, so it has no split \"dev\"")) {
      try LabeledQrels.load(path: file, split: "dev")
    }
  }
}
