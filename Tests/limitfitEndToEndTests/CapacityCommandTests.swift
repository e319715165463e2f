import Foundation
import TestSupport
import Testing

/// `limitfit capacity` end to end: its JSON, its certificates, its old name, its bad input.
@Suite struct CapacityCommandTests {
  @Test func jsonLinesOnePerDimension() throws {
    let run = try limitfit(["capacity", "--dims", "16,32", "--precision", "binary", "--json", "-"])
    #expect(run.status == 0, "\(run.standardError)")
    let rows = try run.standardOutput.split(separator: "\n").map {
      try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
    }
    #expect(rows.count == 2)
    #expect(rows.map { $0["dimension"] as? Int } == [16, 32])
    #expect(rows[0]["documents"] as? Int == 128 && rows[0]["family"] as? String == "kerdock")
    #expect(rows[1]["documents"] as? Int == 1024 && rows[1]["proof"] as? String == "checked")
    for key in ["k", "precision", "construction", "proof", "log10Documents", "margin", "paperCubic"] {
      #expect(rows.allSatisfy { $0[key] != nil }, "\(key)")
    }
    // The table goes to standard error beside JSON on standard output.
    #expect(run.standardError.contains("extended BCH code [32, 11, ≥ 12], halved"))
  }

  @Test func certificateVerifies() throws {
    let folder = try temporaryFolder().appendingPathComponent("certificates").path
    let run = try limitfit(["capacity", "--dims", "16", "--precision", "binary", "--save-embeddings", folder])
    #expect(run.status == 0, "\(run.standardError)")
    let verify = try limitfit(["verify", folder + "/d16", "--pattern", "dense", "--queries", "8128"])
    #expect(verify.status == 0, "\(verify.standardError)")
    #expect(verify.standardOutput.hasPrefix("solved: 8128 of 8128 queries"), "\(verify.standardOutput)")
    let again = try limitfit(["capacity", "--dims", "16", "--precision", "binary", "--save-embeddings", folder])
    #expect(again.status != 0 && again.standardError.contains("exists"), "\(again.standardError)")
  }

  @Test func theOldNameIsTheSameCommand() throws {
    let old = try limitfit(["witness-limit", "--dims", "8", "--results", "/nonexistent/fits.jsonl"])
    let new = try limitfit(["capacity", "--dims", "8", "--results", "/nonexistent/fits.jsonl"])
    #expect(old.status == 0 && new.status == 0)
    #expect(old.standardOutput.split(separator: "\n").dropLast() == new.standardOutput.split(separator: "\n").dropLast())
  }

  @Test(arguments: [
    (["--dims", "0"], "--dims 0"), (["--dims", "9223372036854775807"], "--dims 9223372036854775807"),
    (["--dims", "4", "--k", "0"], "--k (0)"), (["--dims", "4", "--k", "6"], "--k (6)"),
    (["--dims", "4", "--max-check", "1000000000000"], "--max-check (1000000000000)"),
    (["--dims", "4", "--max-check=-1"], "--max-check (-1)"), (["--dims", "4", "--k", "3", "--max-check", "5000"], "--max-check (5000)"),
  ])
  func badInputIsOneLine(arguments: [String], message: String) throws {
    let run = try limitfit(["capacity"] + arguments)
    #expect(run.status == 1, "\(run.standardError)")
    #expect(run.standardError.hasPrefix("Error: " + message), "\(run.standardError)")
    #expect(run.standardError.split(separator: "\n").count == 1)
  }
}
