import Foundation
import TestSupport
import Testing
@testable import LimitFit

@Suite struct QrelsFileTests {
  @Test func limitSmallIsAThousandQueriesOverFortySixDocuments() throws {
    let labeled = try LabeledQrels.load(path: "\(limitSmall)/qrels.jsonl", corpus: "\(limitSmall)/corpus.jsonl")
    #expect(labeled.qrels.queryCount == 1000)
    #expect(labeled.qrels.documentCount == 46)
    #expect((0..<1000).allSatisfy { labeled.qrels.relevant(to: $0).count == 2 })
    #expect(labeled.queryIDs.first == "query_0")
    #expect(labeled.documentIDs.contains("Geneva Durben"))  // ids with spaces
    #expect(labeled.duplicatePairs == 0 && labeled.droppedQueries == 0)
  }

  @Test func readsJSONLinesWithBlankLinesAndCRLF() throws {
    let path = try writeFile("qrels.jsonl", """
      {"query-id": "q 1", "corpus-id": "doc a", "score": 1}\r
      \r
      {"query-id": "q 1", "corpus-id": "doc b", "score": 2}
      {"query-id": "q 2", "corpus-id": "doc b", "score": 0}
      {"query-id": "q 2", "corpus-id": 7, "score": 1.0}
      {"query-id": "q 3", "corpus-id": "doc a", "score": 0}

      """)
    let labeled = try LabeledQrels.load(path: path)
    #expect(labeled.queryIDs == ["q 1", "q 2"])
    #expect(labeled.documentIDs == ["doc a", "doc b", "7"])
    #expect(labeled.qrels.relevant(to: 0) == [0, 1])
    #expect(labeled.qrels.relevant(to: 1) == [2])
    #expect(labeled.droppedQueries == 1)  // q 3: score 0 only
  }

  @Test func minScoreDecidesRelevance() throws {
    let path = try writeFile("qrels.jsonl", """
      {"query-id": "q", "corpus-id": "a", "score": 1}
      {"query-id": "q", "corpus-id": "b", "score": 2}
      """)
    let labeled = try LabeledQrels.load(path: path, minimumScore: 2)
    #expect(labeled.qrels.relevant(to: 0) == [1])
    #expect(labeled.qrels.documentCount == 2)  // a still takes part, as a negative
  }

  @Test func corpusDocumentsTakePartAsNegatives() throws {
    let corpus = try writeFile("corpus.jsonl", """
      {"_id": "z", "title": "", "text": "never relevant"}
      {"_id": "a", "text": "…"}
      """)
    let qrels = try writeFile("qrels.jsonl", #"{"query-id": "q", "corpus-id": "a", "score": 1}"#)
    let labeled = try LabeledQrels.load(path: qrels, corpus: corpus)
    #expect(labeled.documentIDs == ["z", "a"])
    #expect(labeled.qrels.relevant(to: 0) == [1])
  }

  @Test func countsDuplicatePairs() throws {
    let path = try writeFile("qrels.tsv", "query-id\tcorpus-id\tscore\nq\ta\t1\nq\ta\t1\nq\tb\t1\n")
    let labeled = try LabeledQrels.load(path: path)
    #expect(labeled.duplicatePairs == 1)
    #expect(labeled.qrels.relevant(to: 0) == [0, 1])
  }

  @Test func idsAreComparedByTheirBytes() throws {
    // "é" precomposed (NFC) and as "e" and a combining accent (NFD): two ids, as in Python.
    let path = try writeFile("qrels.tsv", "query-id\tcorpus-id\tscore\nq1\t\u{E9}\t1\nq1\te\u{301}\t1\n")
    let labeled = try LabeledQrels.load(path: path)
    #expect(labeled.documentIDs.map { Array($0.utf8) } == [[0xC3, 0xA9], [0x65, 0xCC, 0x81]])
    #expect(labeled.duplicatePairs == 0 && labeled.qrels.relevant(to: 0) == [0, 1])
    let ids = try writeFile("ids.txt", "\u{E9}\ne\u{301}\n")
    #expect(try IDList(contentsOfFile: ids).ids.count == 2)
  }

  @Test func theLastOfConflictingJudgementsCounts() throws {
    let path = try writeFile("qrels.tsv", "query-id\tcorpus-id\tscore\nq\ta\t0\nq\tb\t1\nq\ta\t1\nq\tb\t0\nq\tc\t1\n")
    let labeled = try LabeledQrels.load(path: path)
    #expect(labeled.qrels.relevant(to: 0) == [0, 2])
    #expect(labeled.duplicatePairs == 2 && labeled.conflictingPairs == 2)
    #expect(labeled.firstConflict?.first == 2 && labeled.firstConflict?.last == 4)
  }

  @Test func aPairListedFiveTimesIsOnePair() throws {
    let path = try writeFile("qrels.tsv", "q1\ta\t1\nq1\ta\t0\nq1\ta\t1\nq1\ta\t0\nq1\ta\t1\nq1\tb\t1\n")
    let labeled = try LabeledQrels.load(path: path)
    #expect(labeled.duplicatePairs == 1 && labeled.conflictingPairs == 1)
    #expect(labeled.firstConflict?.first == 1 && labeled.firstConflict?.last == 2)
    #expect(labeled.qrels.relevant(to: 0) == [0, 1])
  }

  @Test func readsBEIRTSVAndTREC() throws {
    let tsv = try writeFile("test.tsv", "query-id\tcorpus-id\tscore\r\nq 1\td one\t1\r\nq 2\td two\t1\r\n")
    let fromTSV = try LabeledQrels.load(path: tsv)
    #expect(fromTSV.queryIDs == ["q 1", "q 2"] && fromTSV.documentIDs == ["d one", "d two"])
    let trec = try writeFile("qrels.robust", "301 0 FBIS3-10082 1\n301 0 FBIS3-10169 0\n\n302  0\tFT934-4848 2\n")
    let fromTREC = try LabeledQrels.load(path: trec)
    #expect(fromTREC.queryIDs == ["301", "302"])
    #expect(fromTREC.documentIDs == ["FBIS3-10082", "FBIS3-10169", "FT934-4848"])
    #expect(fromTREC.qrels.relevant(to: 1) == [2])
  }

  @Test func aByteOrderMarkAndSpacesAroundTabsAreNotPartOfTheIds() throws {
    let tsv = try writeFile("bom.tsv", "\u{FEFF}query-id\tcorpus-id\tscore\nq1\td1\t1\n")
    #expect(try LabeledQrels.load(path: tsv).queryIDs == ["q1"])
    let trec = try writeFile("bom.trec", "\u{FEFF}q1 0 d1 1\nq1 \t0\t d 2\t1\nq1 0 d3 1\n")
    let fromTREC = try LabeledQrels.load(path: trec)
    #expect(fromTREC.queryIDs == ["q1"])
    #expect(fromTREC.documentIDs == ["d1", "d 2", "d3"])
  }

  /// Every reader's malformed lines, plain and gzip-compressed (the name then ends in .gz).
  @Test(arguments: [
    ("qrels.jsonl", #"{"query-id": "q", "score": 1}"#, ":1: missing \"corpus-id\" (or \"doc_id\")"),
    ("qrels.jsonl", "{\"query-id\": \"q\", \"corpus-id\": \"a\", \"score\": 1}\n{\"query-id\": \"q\", \"corpus-id\": \"b\"}", ":2: missing \"score\" (or \"relevance\")"),
    ("qrels.jsonl", #"{"query-id": "q", "corpus-id": "a", "score": "high"}"#, ":1: \"score\" is not a number"),
    ("qrels.jsonl", #"{"query-id": ["q"], "corpus-id": "a", "score": 1}"#, ":1: \"query-id\" is not a string or an integer"),
    ("qrels.jsonl", "not json", ":1: not a JSON object"),
    ("qrels.jsonl", #"{"query_id": "q", "doc_id": "a", "relevance": 1e999}"#, ":1: not a JSON object"),
    ("qrels.jsonl", #"{"query_id": "q", "doc_id": "a", "relevance": null}"#, ":1: \"relevance\" is not a number"),
    ("qrels.jsonl", #"{"query_id": "q", "document": "a", "iteration": 0}"#, ":1: missing \"score\" (or \"relevance\")"),
    ("qrels.tsv", "query-id\tcorpus-id\tscore\nq\ta\n", ":2: expected 3 tab-separated fields (query-id, corpus-id, score), found 2"),
    ("qrels.tsv", "query-id\tcorpus-id\tscore\nq\ta\tyes\n", ":2: score \"yes\" is not a number"),
    ("qrels.tsv", "query_id\tdoc_id\trelevance\titeration\nq\ta\t1\n", ":2: expected 4 tab-separated fields (query_id, doc_id, relevance, iteration), found 3"),
    ("qrels.tsv", "query_id\tdoc_id\nq\ta\n", ":1: the header is missing \"score\" (or \"relevance\")"),
    ("qrels.tsv", "doc_id\tscore\tgrade\n", ":1: unknown column \"grade\" in the header; expected query-id, corpus-id, score (or query_id, doc_id, relevance) and optionally iteration"),
    ("qrels.tsv", "query-id\tQUERY_ID\tscore\n", ":1: the header names \"query-id\" (or \"query_id\") twice"),
    ("qrels.tsv", "q1\td1\n", ":1: expected a header naming query-id, corpus-id and score, or a first judgement (3 or 4 tab-separated fields, the last a number), found \"q1\td1\""),
    ("qrels.dev.small.tsv", "1\t0\t5\t1\n1\t0\t6\n", ":2: expected 4 tab-separated fields (topic, iteration, document, relevance), found 3"),
    ("qrels.dev.small.tsv", "1\t0\t5\t1\n1\t0\t6\t1\t\n", ":2: expected 4 tab-separated fields (topic, iteration, document, relevance), found 5"),
    ("qrels.txt", "301 0 doc\n", ":1: expected 4 fields (topic, iteration, document, relevance), found 3"),
    ("qrels.txt", "301 0 doc x\n", ":1: score \"x\" is not a number"),
    ("qrels.txt", "301 0 doc 0\n", ": no query has a document with score ≥ 1.0"),
    ("qrels.txt", "301 a\t0\tdoc one\n", ":1: expected 4 fields (topic, iteration, document, relevance), found 5 separated by white space, 3 by tabs"),
    ("qrels.txt", "301 a\t0\tdoc one\tx\n", ":1: score \"x\" is not a number"),
    ("qrels.txt", "301\t0\t\t1\n", ":1: an empty document id"),
  ], [false, true])
  func malformedFilesNameTheFileAndLine(_ sample: (name: String, text: String, message: String), compressed: Bool) throws {
    let bytes = Array(sample.text.utf8)
    let path = try writeFile(compressed ? sample.name + ".gz" : sample.name, bytes: compressed ? try gzipped(bytes) : bytes)
    #expect(throws: LimitFitError(path + sample.message)) { try LabeledQrels.load(path: path) }
  }

  @Test func digestsDifferForDifferentMatrices() throws {
    let cycle = try QrelsPattern.cycle.qrels(queries: 6, documents: 6)
    let random = try QrelsPattern.random.qrels(queries: 6, documents: 6)
    #expect(cycle.digest != random.digest)
    #expect(cycle.digest == (try QrelsPattern.cycle.qrels(queries: 6, documents: 6)).digest)
  }
}

@Suite struct QrelsPatternTests {
  func pairs(_ labeled: LabeledQrels) -> [[Int32]] {
    (0..<labeled.qrels.queryCount).map { Array(labeled.qrels.relevant(to: $0)) }
  }

  @Test func denseTakesTheFewestDocuments() throws {
    let dense = try QrelsPattern.dense.qrels(queries: 1000)
    #expect(dense.qrels.documentCount == 46)
    #expect(pairs(dense) == Array(KSubsets(n: 46, k: 2).prefix(1000)).map { $0.map(Int32.init) })
    #expect(try QrelsPattern.dense.qrels(queries: 1035).qrels.documentCount == 46)
    #expect(try QrelsPattern.dense.qrels(queries: 1036).qrels.documentCount == 47)
  }

  @Test func cycleAndDisjoint() throws {
    #expect(pairs(try QrelsPattern.cycle.qrels(queries: 4, documents: 4)) == [[0, 1], [1, 2], [2, 3], [0, 3]])
    let disjoint = try QrelsPattern.disjoint.qrels(queries: 3)
    #expect(pairs(disjoint) == [[0, 1], [2, 3], [4, 5]])
    #expect(disjoint.qrels.documentCount == 6)
  }

  @Test func randomPairsAreDistinctSeededAndUniform() throws {
    let random = try QrelsPattern.random.qrels(queries: 20_000, documents: 10, seed: 5)
    #expect(pairs(random).allSatisfy { $0.count == 2 && $0[0] < $0[1] })
    #expect(pairs(random) == pairs(try QrelsPattern.random.qrels(queries: 20_000, documents: 10, seed: 5)))
    #expect(pairs(random) != pairs(try QrelsPattern.random.qrels(queries: 20_000, documents: 10, seed: 6)))
    var counts = [Int](repeating: 0, count: 10)
    for pair in pairs(random) { for id in pair { counts[Int(id)] += 1 } }
    #expect(counts.allSatisfy { abs($0 - 4000) < 300 })  // each document in 2/10 of the pairs
  }

  @Test func refusesTooFewDocuments() {
    #expect(throws: LimitFitError("the disjoint pattern with 3 queries needs at least 6 documents, not 5")) {
      try QrelsPattern.disjoint.qrels(queries: 3, documents: 5)
    }
    #expect(throws: LimitFitError("the number of queries (0) must be at least 1")) { try QrelsPattern.cycle.qrels(queries: 0) }
  }
}

@Suite struct QrelsStatisticsTests {
  @Test func aPathOfThreeQueries() throws {
    // Queries {0,1}, {1,2}, {2,3} over 5 documents: edges 01, 12, 23 of C(5,2) = 10 pairs.
    let statistics = QrelsStatistics(try Qrels(relevant: [[0, 1], [1, 2], [2, 3]], documentCount: 5))
    #expect(statistics.graphDensity == 0.3)
    // Jaccard 1/3 between neighbours: strengths 1/3, 2/3, 1/3.
    #expect(abs((statistics.averageQueryStrength ?? -1) - 4.0 / 9) < 1e-12)
    #expect(statistics.relevantDocuments == 4)
  }

  @Test func disjointQueriesHaveNoStrength() throws {
    let statistics = QrelsStatistics(try Qrels(relevant: [[0, 1], [2, 3]], documentCount: 4))
    #expect(statistics.averageQueryStrength == 0)
    #expect(abs((statistics.graphDensity ?? -1) - 2.0 / 6) < 1e-12)
  }

  @Test func sharedSetsOfDifferentSizes() throws {
    // {0,1,2} and {1,2}: Jaccard 2/3 each way; {3} alone.
    let statistics = QrelsStatistics(try Qrels(relevant: [[0, 1, 2], [1, 2], [3]], documentCount: 4))
    #expect(abs((statistics.averageQueryStrength ?? -1) - (4.0 / 3) / 3) < 1e-12)
    #expect(statistics.relevantPerQuery.minimum == 1 && statistics.relevantPerQuery.maximum == 3)
  }
}

@Suite struct CertificateTests {
  @Test func npyRoundTripsWithANumPyHeader() throws {
    let values: [Float] = [1, -2.5, .pi, 0, 1e-30, -0.0]
    let data = NPY.encode(values, rows: 2, columns: 3)
    let bytes = [UInt8](data)
    #expect(Array(bytes[0..<8]) == [0x93] + Array("NUMPY".utf8) + [1, 0])
    let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
    #expect((10 + headerLength) % 64 == 0)
    let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
    #expect(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"))
    #expect(header.hasSuffix("\n"))
    #expect(data.count == 10 + headerLength + 4 * 6)
    let decoded = try NPYMatrix(data, name: "test")
    #expect(decoded.rows == 2 && decoded.columns == 3 && decoded.elementType == .float32 && !decoded.isFortranOrder)
    #expect(try decoded.values(as: Float.self).map(\.bitPattern) == values.map(\.bitPattern))
  }

  @Test func numpyReadsIt() throws {
    let path = try writeFile("m.npy", "")
    try NPY.encode([1, 2, 3, 4, 5, 6], rows: 3, columns: 2).write(to: URL(fileURLWithPath: path))
    let python = Process()
    python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    python.arguments = ["python3", "-c", """
      import sys
      try:
          import numpy
      except ImportError:
          sys.exit(3)
      m = numpy.load(sys.argv[1])
      assert m.dtype == numpy.float32 and m.shape == (3, 2) and m[2, 1] == 6, m
      """, path]
    try python.run()
    python.waitUntilExit()
    #expect(python.terminationStatus == 0 || python.terminationStatus == 3, "numpy could not read the file")
  }

  @Test func refusesWhatIsNotAFloatMatrix() {
    #expect(throws: LimitFitError("x: not a .npy file")) { try NPYMatrix(Data("hello, world".utf8), name: "x") }
    var data = NPY.encode([1, 2], rows: 1, columns: 2)
    data.removeLast()
    #expect(throws: LimitFitError("x: 7 bytes of data for a 1 × 2 float32 matrix")) { try NPYMatrix(data, name: "x") }
  }

  func solvedCertificate() throws -> (folder: String, qrels: LabeledQrels) {
    let qrels = try QrelsPattern.dense.qrels(queries: 6)  // all pairs of 4 documents
    let fit = try FreeEmbeddingFit(qrels: qrels, dimension: 3, hyperparameters: Hyperparameters(), checkingCapacityOf: CPUBackend())
    let (result, embeddings) = try fit.run(on: CPUBackend())
    #expect(result.solved)
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString).path
    try Certificate.write(embeddings, of: qrels, fit: result, to: folder, overwrite: false)
    return (folder, qrels)
  }

  @Test func verifiesASolvedCertificate() throws {
    let (folder, qrels) = try solvedCertificate()
    let verification = try Certificate.verify(folder, against: qrels).verification
    #expect(verification.solved)
    #expect(verification.solvedQueries == 6 && verification.minimumMargin > 0)
    // Refused before the embeddings are read: none are needed.
    let embeddings = Embeddings(dimension: 3, queries: [], documents: [])
    #expect(throws: LimitFitError("certificate folder \(folder): queries.npy exists; pass --overwrite to replace it")) {
      try Certificate.write(embeddings, of: qrels, fit: nil, to: folder, overwrite: false)
    }
  }

  /// Removes the matrices' checksums from a certificate, as older ones and hand-made ones lack them.
  func removeChecksums(_ folder: String) throws {
    let url = URL(fileURLWithPath: folder + "/certificate.json")
    var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    json["checksums"] = nil
    try JSONSerialization.data(withJSONObject: json).write(to: url)
  }

  @Test func aTamperedValueIsCaught() throws {
    let (folder, qrels) = try solvedCertificate()
    let path = folder + "/documents.npy"
    let stored = try NPYMatrix(try Data(contentsOf: URL(fileURLWithPath: path)), name: path)
    var values = try stored.values(as: Float.self)
    // Move document 0 onto document 3: queries relevant to 0 and not 3 now tie or lose.
    for c in 0..<stored.columns { values[c] = values[3 * stored.columns + c] }
    try NPY.encode(values, rows: stored.rows, columns: stored.columns).write(to: URL(fileURLWithPath: path))
    // The checksum certificate.json records finds the change first …
    #expect(throws: LimitFitError(
      "\(folder): documents.npy does not match the checksum certificate.json records: it was changed or damaged since it was written"
    )) { try Certificate.verify(folder, against: qrels) }
    // … and without one (a certificate made elsewhere, or before checksums), the verdict does.
    try removeChecksums(folder)
    let verification = try Certificate.verify(folder, against: qrels).verification
    #expect(!verification.solved)
    #expect(verification.minimumMargin <= 0)
    #expect(verification.solvedQueries < 6)
  }

  @Test func verifiesFloat64CertificatesInFortranOrder() throws {
    let (folder, qrels) = try solvedCertificate()
    let stored = try Certificate.verify(folder, against: qrels).verification
    for name in ["queries.npy", "documents.npy"] {
      let path = folder + "/" + name
      let matrix = try NPYMatrix(Data(contentsOf: URL(fileURLWithPath: path)), name: path)
      try npyMatrix(matrix.values(as: Double.self), rows: matrix.rows, columns: matrix.columns, descr: "<f8", fortranOrder: true)
        .write(to: URL(fileURLWithPath: path))
    }
    // The same values: the same margins, bit for bit (new files: the checksums are not theirs).
    try removeChecksums(folder)
    #expect(try Certificate.verify(folder, against: qrels).verification == stored)

    // A margin of 1e-9, which float32 would round away: d1 = (1 + 1e-9, 0) against d0 = (1, 0).
    let pair = LabeledQrels(
      qrels: try Qrels(relevant: [[1]], documentCount: 2), queryIDs: ["q"], documentIDs: ["d0", "d1"], source: "pair")
    let close = try temporaryFolder().path
    try Certificate.write(
      Embeddings(dimension: 2, queries: [1, 0], documents: [1, 0, 1, 0]), of: pair, fit: nil, to: close, overwrite: false)
    #expect(try !Certificate.verify(close, against: pair).verification.solved)
    try npyMatrix([1, 0, 1 + 1e-9, 0], rows: 2, columns: 2, descr: "<f8", fortranOrder: true)
      .write(to: URL(fileURLWithPath: close + "/documents.npy"))
    try removeChecksums(close)
    let verification = try Certificate.verify(close, against: pair).verification
    #expect(verification.solved && verification.minimumMargin == (1 + 1e-9) - 1)
  }

  @Test func aMissingIdIsNamed() throws {
    let (folder, _) = try solvedCertificate()
    let other = try QrelsPattern.dense.qrels(queries: 7)  // a fifth document, d4
    #expect(throws: LimitFitError("\(folder): no embedding for document \"d4\"")) {
      try Certificate.verify(folder, against: other)
    }
  }
}

@Suite struct MinimumDimensionSearchTests {
  func search(maximum: Int = 64, seeds: [UInt64] = [1], solves: (Int, UInt64) -> Bool) throws -> (Int?, [Int]) {
    var fitted: [Int] = []
    let (minimum, outcomes) = try MinimumDimensionSearch(maximumDimension: maximum, seeds: seeds).run { d, seed in
      fitted.append(d)
      return fakeResult(documents: 10, seed: seed, solved: solves(d, seed), dimension: d)
    }
    #expect(outcomes.map(\.dimension) == Array(Set(fitted)).sorted())
    return (minimum, fitted)
  }

  @Test(arguments: [1, 2, 3, 5, 12, 17, 64])
  func findsTheThreshold(threshold: Int) throws {
    let (minimum, _) = try search { d, _ in d >= threshold }
    #expect(minimum == threshold)
  }

  @Test func gallopsThenBisects() throws {
    let (_, fitted) = try search { d, _ in d >= 12 }
    #expect(fitted == [1, 2, 4, 8, 16, 12, 10, 11])
  }

  @Test func stopsAtTheMaximum() throws {
    let (minimum, fitted) = try search(maximum: 20) { _, _ in false }
    #expect(minimum == nil)
    #expect(fitted == [1, 2, 4, 8, 16, 20])
  }

  @Test func laterSeedsAreSkippedOnceOneSolves() throws {
    var calls: [[UInt64]] = []
    let (minimum, _) = try MinimumDimensionSearch(maximumDimension: 8, seeds: [1, 2, 3]).run { d, seed in
      calls.append([UInt64(d), seed])
      return fakeResult(documents: 10, seed: seed, solved: d >= 4 && seed == 2, dimension: d)
    }
    #expect(minimum == 4)
    #expect(calls.filter { $0[0] == 4 } == [[4, 1], [4, 2]])
  }
}
