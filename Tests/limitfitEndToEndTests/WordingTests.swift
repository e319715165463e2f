import Foundation
import TestSupport
import Testing

/// What the tool says where a reader could take it for more than it is.
@Suite struct WordingTests {
  /// A witness start is solved at iteration 1 and trained to the plateau: the line says both.
  @Test func aWitnessStartSaysWhenItWasSolvedAndWhatIsLeftAtTheEnd() throws {
    let run = try limitfit(["fit", "--docs", "40", "--dim", "4", "--init", "witness"])
    #expect(run.status == 0, "\(run.standardError)")
    #expect(run.standardOutput.hasPrefix(
      "solved: n = 40, d = 4, k = 2 (780 queries) at iteration 1, stopped after 1935 (plateau) with 110 of 780 queries solved at the end; "))
  }

  /// The moment curve solves the dense pattern in d = 4 in double precision but not rounded to
  /// bfloat16, where only the simplex in d = 24 does: the rank bound is 4, and d = 24 is said
  /// to be what it is, a bfloat16 representation.
  @Test func minDimsPrecisionBoundsARepresentationNotTheRank() throws {
    let run = try limitfit(["min-dim", "--pattern", "dense", "--queries", "300", "--method", "bounds", "--precision", "bfloat16"])
    #expect(run.status == 0, "\(run.standardError)")
    let lines = run.standardOutput.split(separator: "\n").map(String.init)
    #expect(lines[2].hasPrefix("upper bound in double precision, not as stored: d ≤ 4: the trigonometric moment curve"))
    // A code's ±1/4 entries are exact in bfloat16, where the moment curve's are not.
    #expect(lines[3].hasPrefix("upper bound as stored in bfloat16: d ≤ 16: extended BCH code [16, 7, ≥ 6], halved"))
    #expect(Array(lines.suffix(3)) == [
      "answer: exact: d = 4",
      "This proves rank_rop(A) ≤ 4 and so sign-rank(2A − 1) ≤ 5 for this relevance matrix A.",
      "As stored in bfloat16, the smallest representation found is in d = 16: it shows a bfloat16 representation of A in d = 16, not a bound on its rank.",
    ])
  }
}
