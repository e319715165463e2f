import Foundation
import TestSupport
import Testing

@Suite struct EvalCommandTests {
  /// The cycle pattern's construction (min-dim), saved into a folder of its own.
  static func cycleConstruction() throws -> String {
    let folder = try temporaryFolder().appendingPathComponent("cycle").path
    let run = try limitfit([
      "min-dim", "--pattern", "cycle", "--queries", "8", "--docs", "8", "--method", "bounds", "--save-construction", folder,
    ])
    try #require(run.status == 0, "\(run.standardError)")
    return folder
  }

  static let cycle = ["--pattern", "cycle", "--queries", "8", "--docs", "8"]

  static func embeddings(_ folder: String) -> [String] {
    ["--query-embeddings", folder + "/queries.npy", "--document-embeddings", folder + "/documents.npy"]
  }

  @Test func aConstructionRetrievesPerfectly() throws {
    let folder = try Self.cycleConstruction()
    let run = try limitfit(["eval"] + Self.embeddings(folder) + Self.cycle)
    #expect(run.status == 0 && run.standardError.isEmpty)
    let lines = run.standardOutput.split(separator: "\n").map(String.init)
    #expect(lines[1] == "embeddings: 8 × 2 float32 queries, 8 × 2 float32 documents; scores are dot products")
    #expect(lines[2] == "  recall@2  recall@10  recall@100   nDCG@10")
    #expect(lines[3] == "    1.0000     1.0000      1.0000    1.0000")
    #expect(lines[4].hasPrefix("solved: 8 of 8 queries have a positive margin in d = 2; minimum margin 0.54"))
    #expect(lines.contains("This proves rank_rop(A) ≤ 2 and so sign-rank(2A − 1) ≤ 3 for this relevance matrix A."))
    #expect(lines.last?.hasPrefix("ranked in ") == true)

    // verify agrees with the verdict.
    let verified = try limitfit(["verify", folder] + Self.cycle)
    #expect(verified.standardOutput.hasPrefix(lines[4]))
  }

  @Test func writesJSONAndNeverReplacesAFileUnasked() throws {
    let folder = try Self.cycleConstruction()
    let json = folder + "/eval.json"
    let arguments = ["eval"] + Self.embeddings(folder) + Self.cycle + ["--json", json, "--worst", "2"]
    #expect(try limitfit(arguments).status == 0)
    let record = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
    let metrics = try #require(record["metrics"] as? [String: Double])
    #expect(metrics == ["recallAt2": 1, "recallAt10": 1, "recallAt100": 1, "ndcgAt10": 1])
    #expect(record["solvedQueries"] as? Int == 8 && record["solved"] as? Bool == true)
    #expect(record["queries"] as? Int == 8 && record["documents"] as? Int == 8 && record["dimension"] as? Int == 2)
    #expect((record["perQuery"] as? [Any])?.count == 8 && (record["worstQueries"] as? [Any])?.count == 2)
    let worst = try #require((record["worstQueries"] as? [[String: Any]])?.first)
    #expect(worst["margin"] as? Double == record["minimumMargin"] as? Double)
    #expect((worst["bestIrrelevant"] as? [String: Any])?["document"] is String)

    try "mine".write(toFile: json, atomically: true, encoding: .utf8)
    let refused = try limitfit(arguments)
    #expect(refused.status == 1 && refused.standardError == "Error: --json \(json) exists; pass --overwrite to replace it\n")
    #expect(try String(contentsOfFile: json, encoding: .utf8) == "mine")

    // JSON on standard output: the report goes to standard error.
    let piped = try limitfit(["eval"] + Self.embeddings(folder) + Self.cycle + ["--json", "-"])
    #expect(piped.status == 0 && piped.standardError.contains("solved: 8 of 8"))
    #expect(try JSONSerialization.jsonObject(with: Data(piped.standardOutput.utf8)) is [String: Any])
  }

  /// A data set's folder holding the cycle pattern as qrels, its corpus in order, and its
  /// queries.jsonl listing the queries in `queryOrder`.
  static func cycleDataset(queryOrder: [Int]) throws -> String {
    let folder = try temporaryFolder().path
    let qrels = (0..<8).flatMap { i in
      [i, (i + 1) % 8].map { #"{"query-id": "q\#(i)", "corpus-id": "d\#($0)", "score": 1}"# }
    }
    try (qrels.joined(separator: "\n") + "\n").write(toFile: folder + "/qrels.jsonl", atomically: true, encoding: .utf8)
    let corpus = (0..<8).map { #"{"_id": "d\#($0)", "text": ""}"# }.joined(separator: "\n")
    try corpus.write(toFile: folder + "/corpus.jsonl", atomically: true, encoding: .utf8)
    let queries = queryOrder.map { #"{"_id": "q\#($0)", "text": ""}"# }.joined(separator: "\n")
    try queries.write(toFile: folder + "/queries.jsonl", atomically: true, encoding: .utf8)
    return folder
  }

  /// Without --query-ids the rows of a data set's folder follow its queries.jsonl, not the
  /// qrels' order; from a bare qrels file the order is the qrels', and a note says so.
  @Test func rowsFollowTheDataSetsQueriesFile() throws {
    let construction = try Self.cycleConstruction()  // rows q0 … q7 and d0 … d7
    let inOrder = try limitfit(["eval"] + Self.embeddings(construction) + ["--qrels", try Self.cycleDataset(queryOrder: Array(0..<8))])
    #expect(inOrder.status == 0 && inOrder.standardOutput.contains("\n    1.0000     1.0000      1.0000    1.0000\n"))
    #expect(!inOrder.standardOutput.contains("note:"))

    // The same rows read as the queries of a reversed queries.jsonl: q7 … q0.
    let reversed = try Self.cycleDataset(queryOrder: Array((0..<8).reversed()))
    let swapped = try limitfit(["eval"] + Self.embeddings(construction) + ["--qrels", reversed, "--json", "-"])
    #expect(swapped.status == 0 && swapped.standardError.contains("not solved: "))
    let record = try #require(try JSONSerialization.jsonObject(with: Data(swapped.standardOutput.utf8)) as? [String: Any])
    #expect(record["queryOrder"] as? String == reversed + "/queries.jsonl")
    #expect(record["documentOrder"] as? String == reversed + "/corpus.jsonl")

    // The qrels file alone: its order, said so.
    let file = try limitfit(["eval"] + Self.embeddings(construction) + ["--qrels", reversed + "/qrels.jsonl"])
    #expect(file.standardOutput.contains("solved: 8 of 8"))
    #expect(file.standardOutput.contains(
      "note: query and document rows taken in the qrels' order of first appearance (no --query-ids, no queries.jsonl; no --document-ids, no corpus)"))

    // A queries.jsonl that lacks a query of the qrels, or lists more queries than there are rows.
    let lacking = try limitfit(["eval"] + Self.embeddings(construction) + ["--qrels", try Self.cycleDataset(queryOrder: [0, 1, 2, 3, 4, 5, 6, 8])])
    #expect(lacking.status == 1 && lacking.standardError.contains("no embedding for query \"q7\""))
    let longer = try limitfit(["eval"] + Self.embeddings(construction) + ["--qrels", try Self.cycleDataset(queryOrder: Array(0..<9))])
    #expect(longer.status == 1 && longer.standardError.contains("8 rows for the 9 queries of"))
  }

  /// Tied scores everywhere: three queries and six documents on three points. By default
  /// they rank as trec_eval ranks them (the larger document id first), and every metric at
  /// --k 1,3,5 is pytrec_eval's: the expected values are pytrec_eval 0.5's (recall_k, P_k,
  /// ndcg_cut_k, map_cut_k, and recip_rank for MRR) on the same float32 scores, computed with
  /// numpy. --ties row ranks the lower row first, and --run writes the ranking.
  @Test func tiesRankAsPytrecEvalRanksThem() throws {
    let folder = try temporaryFolder().path
    func write(_ name: String, _ data: Data) throws -> String {
      try data.write(to: URL(fileURLWithPath: folder + "/" + name))
      return folder + "/" + name
    }
    let arguments = [
      "eval",
      "--query-embeddings", try write("q.npy", npyMatrix([1, 0, 0, 1, 0.6, 0.8], rows: 3, columns: 2)),
      "--document-embeddings", try write("d.npy", npyMatrix([1, 0, 1, 0, 0, 1, 0, 1, 0.6, 0.8, 0.6, 0.8], rows: 6, columns: 2)),
      "--query-ids", try write("q.txt", Data("q1\nq2\nq3\n".utf8)),
      "--document-ids", try write("d.txt", Data("a\nc\nb\ne\nd\nf\n".utf8)),
      "--qrels", try write("qrels.tsv", Data("query-id\tcorpus-id\tscore\nq1\ta\t1\nq1\tc\t1\nq2\tb\t1\nq3\td\t1\nq3\tf\t1\nq3\ta\t1\n".utf8)),
      "--k", "1,3,5", "--json", "-",
    ]
    func cutoffs(_ extra: [String]) throws -> [[String: Double]] {
      let run = try limitfit(arguments + extra)
      #expect(run.status == 0, "\(run.standardError)")
      let record = try #require(try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])
      let metrics = try #require(record["metrics"] as? [String: Any])
      return try #require(metrics["cutoffs"] as? [[String: Double]])
    }
    // k: recall, precision, nDCG, MAP, MRR.
    let pytrecEval: [[Double]] = [
      [1, 0.27777777777777773, 0.6666666666666666, 0.6666666666666666, 0.27777777777777773, 0.6666666666666666],
      [3, 0.8888888888888888, 0.5555555555555555, 0.7987634635200264, 0.7222222222222222, 0.8333333333333334],
      [5, 0.8888888888888888, 0.3333333333333333, 0.7987634635200264, 0.7222222222222222, 0.8333333333333334],
    ]
    let trec = try cutoffs(["--run", folder + "/run.txt"])
    for (found, expected) in zip(trec, pytrecEval) {
      let values = ["k", "recall", "precision", "ndcg", "map", "mrr"].map { found[$0] ?? .nan }
      for (value, want) in zip(values, expected) { #expect(abs(value - want) < 1e-12, "\(found) against \(expected)") }
    }
    let run = try String(contentsOfFile: folder + "/run.txt", encoding: .utf8).split(separator: "\n")
    #expect(run.count == 18 && run[0] == "q1 Q0 c 1 1 limitfit" && run[1] == "q1 Q0 a 2 1 limitfit")
    #expect(run[2] == "q1 Q0 f 3 0.600000024 limitfit")
    // The lower row first: q2 finds b (row 2) before e (row 3), so MRR@1 is 1 for it.
    let rows = try cutoffs(["--ties", "row"])
    #expect(rows[0]["mrr"] == 1 && rows[0]["precision"] == 1)
  }

  /// Random embeddings solve nothing; eval still exits 0: it measures.
  @Test func anUnsolvedEvaluationExitsZero() throws {
    let folder = try temporaryFolder().path
    var state: UInt64 = 1
    let values = (0..<(8 * 3)).map { _ -> Double in
      state = state &* 6364136223846793005 &+ 1442695040888963407
      return Double(Int(state >> 54)) / 512 - 1
    }
    try npyMatrix(values, rows: 8, columns: 3, descr: "<f8", fortranOrder: true)
      .write(to: URL(fileURLWithPath: folder + "/queries.npy"))
    try npyMatrix(values.reversed(), rows: 8, columns: 3, descr: "<f2")
      .write(to: URL(fileURLWithPath: folder + "/documents.npy"))
    let run = try limitfit(["eval"] + Self.embeddings(folder) + Self.cycle)
    #expect(run.status == 0, "\(run.standardError)")
    #expect(run.standardOutput.contains("8 × 3 float64 queries, 8 × 3 float16 documents"))
    #expect(run.standardOutput.contains("not solved: "))
    #expect(run.standardOutput.contains("note: the rows are not unit vectors"))
  }

  /// Files that cannot be evaluated, each refused with one line that names what is wrong.
  @Test func badInputIsOneLine() throws {
    let folder = try temporaryFolder().path
    func file(_ name: String, _ data: Data) throws -> String {
      let path = folder + "/" + name
      try data.write(to: URL(fileURLWithPath: path))
      return path
    }
    func text(_ name: String, _ contents: String) throws -> String { try file(name, Data(contents.utf8)) }
    let construction = try Self.cycleConstruction()
    let queries = construction + "/queries.npy"
    let documents = construction + "/documents.npy"
    let ids = (0..<8).map { "d\($0)" }
    let cases: [(query: String, document: String, extra: [String], message: String)] = [
      (try file("int.npy", npyFile(header: npyHeader(descr: "<i4", shape: "(8, 2)"), payload: .init(repeating: 0, count: 64))),
       documents, [], "int.npy: dtype '<i4' is not float16, float32 or float64 ('<f2', '<f4', '<f8')"),
      (queries, try file("big.npy", npyFile(header: npyHeader(descr: ">f4", shape: "(8, 2)"), payload: .init(repeating: 0, count: 64))),
       [], "big.npy: dtype '>f4' is big-endian"),
      (queries, try file("3d.npy", npyFile(header: npyHeader(descr: "<f4", shape: "(8, 2, 1)"), payload: .init(repeating: 0, count: 64))),
       [], "3d.npy: a 3-D array, shape (8, 2, 1); expected a 2-D matrix"),
      (queries, try file("short.npy", npyMatrix(.init(repeating: 1, count: 16), rows: 8, columns: 2).dropLast()),
       [], "short.npy: 63 bytes of data for a 8 × 2 float32 matrix"),
      (queries, try file("huge.npy", npyFile(header: npyHeader(descr: "<f4", shape: "(\(Int.max), 2)"), payload: .init(repeating: 0, count: 64))),
       [], "huge.npy: 64 bytes of data for a \(Int.max) × 2 float32 matrix"),
      (queries, try file("past.npy", Data([0x93] + Array("NUMPY".utf8) + [1, 0, 0xFF, 0x0F] + Array("{'descr'".utf8))),
       [], "past.npy: the header's length (4095 bytes) runs past the end of the file (18 bytes)"),
      (queries, try file("empty.npy", Data()), [], "empty.npy: not a .npy file (it is empty)"),
      (queries, try file("wide.npy", npyMatrix(.init(repeating: 1, count: 24), rows: 8, columns: 3)),
       [], "has 2 columns and \(folder)/wide.npy 3: query and document embeddings must have the same dimension"),
      (queries, try file("nan.npy", npyMatrix((0..<16).map { $0 == 11 ? .nan : 1 }, rows: 8, columns: 2)),
       [], "nan.npy: row 5 holds nan, not a finite number"),
      (queries, documents, ["--document-ids", try text("seven.txt", ids.dropLast().joined(separator: "\n"))],
       "seven.txt: 7 ids for the 8 rows of"),
      (queries, documents, ["--document-ids", try text("twice.txt", (ids.dropLast() + ["d0"]).joined(separator: "\n"))],
       "twice.txt:8: id \"d0\" is listed twice (first on line 1)"),
      (queries, documents, ["--document-ids", try text("other.txt", (ids.dropLast() + ["x"]).joined(separator: "\n"))],
       "no embedding for document \"d7\", relevant to query \"q6\""),
      (queries, documents, ["--worst=-1"], "--worst (-1) must be at least 0"),
      (queries, try file("tiny.npy", npyMatrix((0..<16).map { 1e-25 * Double($0 + 1) }, rows: 8, columns: 2, descr: "<f8")),
       [], "tiny.npy: row 0 has norm 2.2360679774997897e-25, below 2^-60: scores are computed in float32, where products of such rows underflow to ties"),
      (queries, try file("tinier.npy", npyMatrix((0..<16).map { $0 / 2 == 3 ? 0 : ($0 / 2 == 5 ? 1e-30 : 1) }, rows: 8, columns: 2, descr: "<f8")),
       [], "tinier.npy: row 5 has norm 1.414213562373095e-30, below 2^-60"),
      (queries, documents, ["--json", queries, "--overwrite"], "--json \(queries) is one of the inputs (\(queries)); name another file"),
      (queries, documents, ["--run", documents, "--overwrite"], "--run \(documents) is one of the inputs (\(documents)); name another file"),
      (queries, documents, ["--run", queries + ".run", "--json", queries + ".run"], "are the same file; give each output its own path"),
      (queries, documents, ["--k", "1,0"], "--k 1,0: \"0\" is not a cut-off from 1 to 10000"),
      (queries, documents, ["--k", "5,x"], "--k 5,x: \"x\" is not a cut-off from 1 to 10000"),
      (queries, documents, ["--k", "5,5"], "--k 5,5: a cut-off is listed twice"),
      (queries, documents, ["--name", "a b"], "--name \"a b\" must be one word"),
    ]
    for (query, document, extra, message) in cases {
      let run = try limitfit(["eval", "--query-embeddings", query, "--document-embeddings", document] + Self.cycle + extra)
      #expect(run.status == 1, "\(message)")
      #expect(run.standardError.hasPrefix("Error: ") && run.standardError.contains(message), "\(run.standardError)")
      #expect(run.standardError.split(separator: "\n").count == 1 && run.standardOutput.isEmpty)
    }
  }
}

/// `--json PATH|-` on the commands that print a verdict or a table: standard output is then the
/// JSON alone (the report goes to standard error), with the fields the README names.
@Suite struct JSONOutputTests {
  func record(_ arguments: [String], status: Int32 = 0) throws -> [String: Any] {
    let run = try limitfit(arguments + ["--json", "-"])
    #expect(run.status == status, "\(arguments): \(run.standardError)")
    #expect(!run.standardError.isEmpty)
    return try #require(try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])
  }

  @Test func everyCommandWritesItsRecord() throws {
    let folder = try EvalCommandTests.cycleConstruction()
    let verify = try record(["verify", folder] + EvalCommandTests.cycle)
    #expect(verify["solved"] as? Bool == true && verify["dimension"] as? Int == 2 && verify["solvedQueries"] as? Int == 8)

    let stats = try record(["qrels-stats"] + EvalCommandTests.cycle)
    #expect(stats["queries"] as? Int == 8 && stats["relevantPairs"] as? Int == 16 && stats["graphDensity"] is Double)

    let results = try temporaryFolder().path + "/fits.jsonl"
    let search = try record(["critical-n", "--dim", "2", "--results", results, "--quiet"])
    #expect(search["criticalN"] as? Int == 3 && search["searchAnswer"] as? Int == 3 && search["tested"] is [Int])

    let witness = try record(["witness", "--docs", "8"])
    #expect(witness["solved"] as? Bool == true && witness["pairs"] as? Int == 28 && witness["worstPair"] is [Int])

    let bounds = try record(["min-dim", "--method", "bounds"] + EvalCommandTests.cycle)
    #expect(bounds["lowerBound"] as? Int == 2 && bounds["upperBound"] as? Int == 2 && bounds["lowerReason"] is String)
    #expect((bounds["constructions"] as? [[String: Any]])?.first?["solvedAsStored"] as? Bool == true)
    #expect((bounds["source"] as? String)?.hasPrefix("cycle pattern") == true)

    // export: the results file as CSV tables, never replacing them unasked.
    let tables = try temporaryFolder().path
    let export = try limitfit(["export", "--results", results, "--csv", "--out", tables])
    #expect(export.status == 0 && export.standardOutput.hasPrefix("wrote \(tables)/fit.csv: "))
    #expect(try String(contentsOfFile: tables + "/critical-n.csv", encoding: .utf8).hasPrefix("record,"))
    let twice = try limitfit(["export", "--results", results, "--csv", "--out", tables])
    #expect(twice.status == 1 && twice.standardError.contains("fit.csv exists; pass --overwrite to replace it"))
    #expect(try limitfit(["export", "--results", results, "--out", tables]).standardError.contains("give the format: --csv"))

    // A file is never replaced unasked.
    let path = try temporaryFolder().path + "/stats.json"
    #expect(try limitfit(["qrels-stats", "--json", path] + EvalCommandTests.cycle).status == 0)
    let again = try limitfit(["qrels-stats", "--json", path] + EvalCommandTests.cycle)
    #expect(again.status == 1 && again.standardError.contains("--json \(path) exists; pass --overwrite to replace it"))
  }
}
