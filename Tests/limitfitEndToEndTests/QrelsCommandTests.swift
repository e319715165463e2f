import Foundation
import TestSupport
import Testing

@Suite struct QrelsCommandTests {
  @Test func statsOfLimitSmall() throws {
    let run = try limitfit(["qrels-stats", "\(limitSmall)/qrels.jsonl", "--corpus", "\(limitSmall)/corpus.jsonl"])
    #expect(run.status == 0, "\(run.standardError)")
    #expect(run.standardOutput.contains("1000 queries, 46 documents, 2000 relevant pairs"))
    #expect(run.standardOutput.contains("relevant per query       2 to 2, mean 2.000"))
    #expect(run.standardOutput.contains("graph density            0.9662"))
  }

  @Test func statsOfADataSetFolder() throws {
    let run = try limitfit(["qrels-stats", limitSmall])
    #expect(run.status == 0, "\(run.standardError)")
    #expect(run.standardOutput.hasPrefix("\(limitSmall) (qrels.jsonl, corpus.jsonl): 1000 queries, 46 documents, 2000 relevant pairs\n"))
  }

  @Test func aCompressedBEIRFolderAndItsSplits() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let files = [
      // MS MARCO's layout; ir_datasets' names; a corpus with a document relevant to none.
      "qrels/test.tsv": "1\t0\tdoc a\t1\n1\t0\tdoc b\t1\n2\t0\tdoc b\t1\n",
      "qrels/dev.tsv.gz": "query_id\tdoc_id\trelevance\titeration\n9\tdoc c\t1\t0\n",
      "corpus.jsonl.gz": #"{"_id": "doc z"}"# + "\n",
    ]
    for (name, text) in files {
      let url = folder.appendingPathComponent(name)
      try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try Data(name.hasSuffix(".gz") ? try gzipped(Array(text.utf8)) : Array(text.utf8)).write(to: url)
    }
    let test = try limitfit(["qrels-stats", "--qrels", folder.path])
    #expect(test.status == 0, "\(test.standardError)")
    #expect(test.standardOutput.hasPrefix("\(folder.path) (qrels/test.tsv, corpus.jsonl.gz): 2 queries, 3 documents, 3 relevant pairs\n"))
    let dev = try limitfit(["fit", "--qrels", folder.path, "--split", "dev", "--dim", "2", "--json", "-"])
    #expect(dev.status == 0, "\(dev.standardError)")
    let result = try JSONSerialization.jsonObject(with: Data(dev.standardOutput.utf8)) as? [String: Any]
    #expect(result?["queries"] as? Int == 1 && result?["documents"] as? Int == 2)
    let train = try limitfit(["qrels-stats", folder.path, "--split", "train"])
    #expect(train.status == 1)
    #expect(train.standardError == "Error: \(folder.path): no split \"train\" in qrels/ (its splits: dev, test)\n")
  }

  @Test func aFormatOverridesTheName() throws {
    let path = try writeFile("judgements.txt", #"{"query_id": "q", "doc_id": "d", "relevance": 1}"# + "\n")
    let asTREC = try limitfit(["qrels-stats", path])
    #expect(asTREC.status == 1)
    #expect(asTREC.standardError == "Error: \(path):1: expected 4 fields (topic, iteration, document, relevance), found 6\n")
    for format in ["mteb", "jsonl"] {
      let run = try limitfit(["qrels-stats", path, "--format", format])
      #expect(run.status == 0, "\(run.standardError)")
      #expect(run.standardOutput.hasPrefix("\(path): 1 queries, 1 documents, 1 relevant pairs\n"))
    }
  }

  @Test func damagedGzipIsOneLine() throws {
    let compressed = try gzipped(Array(try String(contentsOfFile: "\(limitSmall)/qrels.jsonl", encoding: .utf8).utf8))
    let path = try writeFile("qrels.jsonl.gz", bytes: Array(compressed.prefix(compressed.count / 2)))
    let run = try limitfit(["qrels-stats", path])
    #expect(run.status == 1)
    #expect(run.standardError == "Error: \(path): truncated: the gzip data ends before its last member does\n")
  }

  @Test(.disabled(if: sanitizer != nil, "the address-space limit leaves no room for the sanitizer's shadow memory"))
  func aGzipBombStopsAtTheMemory() throws {
    // 4096 members of 1 MiB of zeros: 4 GiB of text from 4 MiB, under a 1 GiB address space.
    let member = try gzipped([UInt8](repeating: 0, count: 1 << 20))
    let path = try writeFile("bomb.tsv.gz", bytes: Array((0..<4096).map { _ in member }.joined()))
    let run = try qrelsStatsInOneGiB(path)
    #expect(run.status == 1)
    #expect(run.standardError.hasPrefix("Error: \(path): reading up to "), "\(run.standardError)")
    #expect(run.standardError.contains(" of text needs ") && run.standardError.split(separator: "\n").count == 1)
  }

  @Test(.disabled(if: sanitizer != nil, "the address-space limit leaves no room for the sanitizer's shadow memory"))
  func blankLinesCostNoMoreThanTheirText() throws {
    // 40 MB of newlines, gzip-compressed: every line blank. Each line used to be kept (about
    // 50 bytes of memory per byte of text), which a 1 GiB address space could not hold.
    let member = try gzipped([UInt8](repeating: 0x0A, count: 1 << 20))
    let path = try writeFile("blank.jsonl.gz", bytes: Array((0..<40).map { _ in member }.joined()))
    let run = try qrelsStatsInOneGiB(path)
    #expect(run.status == 1)
    #expect(run.standardError == "Error: \(path): no query has a document with score ≥ 1.0\n")
  }

  /// `limitfit qrels-stats path` in a 1 GiB address space.
  private func qrelsStatsInOneGiB(_ path: String) throws -> (status: Int32, standardOutput: String, standardError: String) {
    let executable = Bundle.main.bundleURL.appendingPathComponent("limitfit").path
    return try run("/usr/bin/prlimit", ["--as=\(1 << 30)", "--", executable, "qrels-stats", path])
  }

  /// What a pattern of 20 million queries leaves in 1.5 GiB: its statistics and min-dim's
  /// bounds are refused in one line, before they allocate (they aborted the process).
  @Test(.disabled(if: sanitizer != nil, "a sanitizer's shadow memory takes the address space"),
    arguments: [["qrels-stats"], ["min-dim", "--method", "bounds"]])
  func aPatternBeyondMemoryIsOneLine(_ command: [String]) throws {
    let executable = Bundle.main.bundleURL.appendingPathComponent("limitfit").path
    let run = try run(
      "/usr/bin/prlimit",
      ["--as=\(3 << 29)", "--", executable] + command + ["--pattern", "dense", "--queries", "20000000"])
    #expect(run.status == 1)
    #expect(run.standardError.hasPrefix("Error: the ") && run.standardError.contains(" of memory; this machine has "), "\(run.standardError)")
    #expect(run.standardError.split(separator: "\n").count == 1, "\(run.standardError)")
  }

  @Test func statsOfAPattern() throws {
    let run = try limitfit(["qrels-stats", "--pattern", "disjoint", "--queries", "4"])
    #expect(run.status == 0)
    #expect(run.standardOutput.hasPrefix("disjoint pattern, 4 queries, 8 documents"))
    #expect(run.standardOutput.contains("average query strength   0.0000"))
  }

  @Test func minDimWritesCertificatesThatVerify() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let construction = folder.appendingPathComponent("construction").path
    let fitted = folder.appendingPathComponent("fitted").path
    let pattern = ["--pattern", "cycle", "--queries", "8", "--docs", "8"]
    let run = try limitfit(
      ["min-dim"] + pattern + ["--results", folder.appendingPathComponent("fits.jsonl").path,
        "--save-construction", construction, "--save-embeddings", fitted])
    #expect(run.status == 0, "\(run.standardError)")
    // A cycle through every document lies on the circle; the optimiser needs more.
    #expect(run.standardOutput.contains("\nlower bound: d ≥ 2: d = 1 is impossible"))
    #expect(run.standardOutput.contains("\nupper bound: d ≤ 2: the circle d = 2 (8 equally spaced points, each relevant pair adjacent)"))
    #expect(run.standardOutput.contains("\nanswer: exact: d = 2\nThis proves rank_rop(A) ≤ 2 and so sign-rank(2A − 1) ≤ 3"))
    let line = try #require(run.standardOutput.split(separator: "\n").first { $0.hasPrefix("the optimiser alone (the paper's measure): d = ") })
    let d = try #require(Int(line.dropFirst("the optimiser alone (the paper's measure): d = ".count).prefix { $0.isNumber }))

    for (certificate, dimension) in [(construction, 2), (fitted, d)] {
      let verified = try limitfit(["verify", certificate] + pattern)
      #expect(verified.status == 0, "\(verified.standardOutput)")
      #expect(verified.standardOutput.hasPrefix("solved: 8 of 8 queries have a positive margin in d = \(dimension)"))
    }
    // Against another matrix of the same ids, it does not hold.
    let other = try limitfit(["verify", fitted, "--pattern", "random", "--queries", "8", "--docs", "8", "--pattern-seed", "3"])
    #expect(other.status == 2)
    #expect(other.standardOutput.hasPrefix("not solved: "))
  }

  @Test func minDimProvesLIMITNeedsFourDimensionsWithItsNegatives() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let certificate = folder.appendingPathComponent("limit").path
    let limit = ["--qrels", "\(limitSmall)/../limit/qrels.jsonl", "--negatives", "49954"]
    let run = try limitfit(["min-dim"] + limit + ["--method", "bounds", "--save-construction", certificate])
    #expect(run.status == 0, "\(run.standardError)")
    #expect(run.standardOutput.contains("1000 queries, 50000 documents, 2000 relevant pairs"))
    #expect(run.standardOutput.contains("the relevance graph has 1000 edges on 46 documents, more than 3n − 6 = 132"))
    #expect(run.standardOutput.contains("upper bound: d ≤ 4: the trigonometric moment curve in d = 4 (47 points, 2-neighbourly)"))
    #expect(run.standardOutput.contains("answer: exact: d = 4"))
    #expect(!run.standardOutput.contains("optimiser"))
    let verified = try limitfit(["verify", certificate] + limit)
    #expect(verified.status == 0)
    #expect(verified.standardOutput.hasPrefix("solved: 1000 of 1000 queries have a positive margin in d = 4"))
    // The negatives are candidates: without them the certificate's rows still cover the matrix.
    #expect(try limitfit(["verify", certificate, "--qrels", "\(limitSmall)/../limit/qrels.jsonl"]).status == 0)
  }

  @Test func minDimByTheOptimiserAloneAndItsNegativeAnswers() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let results = ["--results", folder.appendingPathComponent("fits.jsonl").path]
    let alone = try limitfit(["min-dim", "--pattern", "cycle", "--queries", "5", "--method", "optimiser"] + results)
    #expect(alone.status == 0)
    #expect(!alone.standardOutput.contains("bound") && !alone.standardOutput.contains("answer"))
    #expect(alone.standardOutput.contains("the optimiser alone (the paper's measure): d = 2"))
    // K5 needs d = 4: nothing up to 3 represents it, and the bounds say so without a fit.
    let k5 = try writeFile("k5.tsv", (0..<5).flatMap { a in ((a + 1)..<5).map { "q\(a)\($0)\td\(a)\t1\nq\(a)\($0)\td\($0)\t1\n" } }.joined())
    let none = try limitfit(["min-dim", "--qrels", k5, "--method", "bounds", "--max-dim", "3"])
    #expect(none.status == 2)
    #expect(none.standardOutput.hasSuffix("upper bound: no construction up to d = 3 represents it as stored in float32\nanswer: d ≥ 4; nothing up to d = 3 was shown to represent it\n"))
  }

  @Test func fitTakesAQrelsFile() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let qrels = folder.appendingPathComponent("qrels.tsv").path
    try "query-id\tcorpus-id\tscore\nq a\td 1\t1\nq a\td 2\t1\nq b\td 3\t1\n".write(toFile: qrels, atomically: true, encoding: .utf8)
    let run = try limitfit(["fit", "--qrels", qrels, "--dim", "2", "--json", "-"])
    #expect(run.status == 0, "\(run.standardError)")
    let result = try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any]
    #expect(result?["solved"] as? Bool == true)
    #expect(result?["queries"] as? Int == 2)
    #expect(result?["documents"] as? Int == 3)
    #expect(result?["qrelsDigest"] is String)
  }

  @Test(arguments: [
    (["fit", "--dim", "2"], "give --docs N (all k-subsets), --qrels FILE or --pattern NAME"),
    (["fit", "--dim", "2", "--pattern", "dense"], "--pattern dense needs --queries"),
    (["fit", "--dim", "2", "--pattern", "dense", "--queries", "3", "--qrels", "x.jsonl"], "--qrels and --pattern are alternatives; give one"),
    (["min-dim", "--qrels", "/nonexistent/qrels.jsonl"], "/nonexistent/qrels.jsonl: cannot read"),
    (["min-dim", "--pattern", "cycle", "--queries", "4", "--max-dim", "0"], "the largest dimension (0) must be at least 1"),
    (["min-dim"], "give the relevance matrix with --qrels or --pattern"),
    (["min-dim", "--pattern", "cycle", "--queries", "4", "--negatives=-1"], "the number of negatives (-1) must be between 0 and"),
    (["min-dim", "--pattern", "cycle", "--queries", "4", "--negatives", "\(Int.max)"], "the number of negatives (\(Int.max)) must be between 0 and"),
    (["min-dim", "--pattern", "cycle", "--queries", "4", "--negatives", "2000000000"], "2000000000 negatives needs"),
    (["min-dim", "--negatives", "4"], "--negatives adds documents to a qrels file or a pattern; give one"),
    (["min-dim", "--pattern", "cycle", "--queries", "4", "--method", "bounds", "--save-embeddings", "x"], "--save-embeddings saves the optimiser's fit; --method bounds runs none"),
    (["min-dim", "--pattern", "cycle", "--queries", "4", "--method", "optimiser", "--save-construction", "x"], "--save-construction saves the construction; --method optimiser builds none"),
    (["min-dim", "--pattern", "cycle", "--queries", "4", "--save-construction", "x", "--save-embeddings", "./x/"], "--save-embeddings ./x/ (queries.npy) and --save-construction x (queries.npy) are the same file; give each output its own path"),
    (["verify", "/nonexistent", "--pattern", "cycle", "--queries", "4"], "/nonexistent: certificate.json is missing or unreadable"),
    (["qrels-stats", "--pattern", "disjoint", "--queries", "3", "--docs", "4"], "the disjoint pattern with 3 queries needs at least 6 documents, not 4"),
    (["qrels-stats", "--pattern", "cycle", "--queries", "4", "--format", "trec"], "--format applies to a qrels file, not to a pattern"),
    (["fit", "--dim", "2", "--pattern", "cycle", "--queries", "4", "--split", "dev"], "--split chooses the split of a data set's folder; give one with --qrels"),
    (["qrels-stats", "\(limitSmall)/qrels.jsonl", "--split", "dev"], "\(limitSmall)/qrels.jsonl: not a data set's folder, so it has no split \"dev\""),
    (["qrels-stats", "--qrels", "\(limitSmall)/.."], "\(limitSmall)/..: a folder, but not a BEIR or MTEB data set's"),
    (["qrels-stats", "\(limitSmall)/../limit", "--split", "test"], "\(limitSmall)/../limit: one qrels.jsonl, no qrels/ folder of splits such as \"test\""),
  ])
  func badInputIsOneLine(arguments: [String], message: String) throws {
    let run = try limitfit(arguments)
    #expect(run.status != 0)
    #expect(run.standardError.hasPrefix("Error: " + message), "\(run.standardError)")
    #expect(run.standardError.split(separator: "\n").count == 1)
  }
}

@Suite struct WitnessCommandTests {
  @Test func fiftyDocumentsAreSolvedInDoublePrecision() throws {
    let run = try limitfit(["witness", "--docs", "50"])
    #expect(run.status == 0)
    #expect(run.standardOutput.hasPrefix("solved: 1225 of 1225 pairs of n = 50 documents in d = 4 (float64 vectors"))
  }

  @Test func float16FailsAtFifty() throws {
    let run = try limitfit(["witness", "--docs", "50", "--precision", "float16"])
    #expect(run.standardOutput.hasPrefix("not solved: "))
  }

  @Test func badInput() throws {
    for (arguments, message) in [
      (["witness", "--docs", "10", "--dim", "3"], "the witness needs d ≥ 4"),
      (["witness", "--docs", "2"], "--docs (2) must be between 3 and 10000: the check costs O(n³)"),
    ] {
      let run = try limitfit(arguments)
      #expect(run.status != 0)
      #expect(run.standardError.hasPrefix("Error: " + message), "\(run.standardError)")
    }
  }
}

@Suite struct LossCommandTests {
  @Test(arguments: ["sigmoid", "hinge"])
  func otherLossesSolveFourDocumentsInSpace(loss: String) throws {
    let run = try limitfit(["fit", "--docs", "4", "--dim", "3", "--loss", loss, "--json", "-"])
    #expect(run.status == 0, "\(run.standardError)")
    let result = try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any]
    #expect(result?["solved"] as? Bool == true)
    #expect((result?["hyperparameters"] as? [String: Any])?["loss"] as? String == loss)
  }

  @Test func aWitnessStartSaysWhetherItStaysSolved() throws {
    let run = try limitfit(["fit", "--docs", "12", "--dim", "4", "--init", "witness", "--patience", "50"])
    #expect(run.status == 0, "\(run.standardError)")
    #expect(run.standardOutput.contains("witness start (float32): solved; after "))
  }

  @Test(arguments: [
    (["fit", "--docs", "4", "--dim", "3", "--loss", "hinge", "--margin", "0"], "the margin (0.0) must be a positive finite number"),
    (["fit", "--docs", "10", "--dim", "3", "--init", "witness"], "the witness needs d ≥ 4"),
    (["fit", "--docs", "10", "--dim", "4", "--k", "3", "--init", "witness"], "--init witness is a construction for k = 2, not k = 3"),
    (["fit", "--pattern", "cycle", "--queries", "5", "--dim", "4", "--init", "witness"], "--init witness is a construction for the all-pairs problem"),
  ])
  func badInputIsOneLine(arguments: [String], message: String) throws {
    let run = try limitfit(arguments)
    #expect(run.status != 0)
    #expect(run.standardError.hasPrefix("Error: " + message), "\(run.standardError)")
    #expect(run.standardError.split(separator: "\n").count == 1)
  }
}
