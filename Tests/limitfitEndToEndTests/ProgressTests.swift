import Foundation
import TestSupport
import Testing

@testable import limitfit

@Suite struct ProgressTests {
  @Test func timeLeftScalesTheTimeSoFarByTheWorkLeft() throws {
    #expect(OverallProgress.secondsLeft(dimensions: [2, 3, 4], done: 0, elapsed: 5) == nil)
    // n³·d with n the paper's cubic at d (at least 3): d = 8 is n ≈ 26.9, d = 4 is n ≈ 6.66.
    let left = try #require(OverallProgress.secondsLeft(dimensions: [4, 8], done: 1, elapsed: 2))
    let work = { (d: Double) in Foundation.pow(paperCubicForTests(d), 3) * d }
    #expect(abs(left - 2 * work(8) / work(4)) < 1e-9 * left)
    #expect(OverallProgress.text(dimensions: [4, 8], index: 0, elapsed: 0) == "d 1 of 2 · ")
    #expect(OverallProgress.text(dimensions: [4, 4], index: 1, elapsed: 40) == "d 2 of 2, about 40 s left · ")
    #expect(OverallProgress.duration(600) == "10 min" && OverallProgress.duration(9000) == "2.5 h")
  }

  /// The paper's cubic, written out: −10.5322 + 4.0309 d + 0.0520 d² + 0.0037 d³.
  func paperCubicForTests(_ d: Double) -> Double { -10.5322 + 4.0309 * d + 0.0520 * d * d + 0.0037 * d * d * d }

  /// Ctrl-C in the middle of a curve: it says how many fits were kept and how to resume, and
  /// exits 130; the fits it names are in the results file (a fit running beside may finish
  /// while the message is written: the file holds at least as many).
  @Test func anInterruptSaysWhatWasKeptAndHowToResume() throws {
    let results = try temporaryFolder().path + "/fits.jsonl"
    let executable = Bundle.main.bundleURL.appendingPathComponent("limitfit").path
    let interrupted = try run(
      "/usr/bin/timeout", ["--preserve-status", "--signal=INT", "3", executable, "curve", "--dims", "2...12",
        "--results", results, "--out", try temporaryFolder().path, "--quiet"])
    #expect(interrupted.status == 130, "\(interrupted.standardError)")
    let line = try #require(interrupted.standardError.split(separator: "\n").last.map(String.init))
    #expect(line.hasPrefix("interrupted: ") && line.hasSuffix(
      "kept in \(results); run the same command again to resume (stored fits are reused; the fit in progress starts over)"))
    let kept = Int(line.dropFirst("interrupted: ".count).prefix { $0.isNumber }) ?? -1
    let lines = (try? String(contentsOfFile: results, encoding: .utf8))?.split(separator: "\n").count ?? 0
    #expect(kept >= 0 && kept <= lines)
  }
}
