import TestSupport
import Testing
@testable import LimitFit

@Suite struct CombinationsTests {
  @Test func binomialMatchesKnownValues() {
    #expect(binomial(46, 2) == 1035)
    #expect(binomial(10, 0) == 1)
    #expect(binomial(10, 10) == 1)
    #expect(binomial(52, 5) == 2_598_960)
    #expect(binomial(3, 4) == 0)
    #expect(binomial(100, 50) == nil)
  }

  @Test(arguments: 1...5)
  func subsetsAreAllKSubsetsInLexicographicOrder(k: Int) {
    for n in k...(k + 5) {
      let subsets = Array(KSubsets(n: n, k: k))
      #expect(subsets.count == binomial(n, k), "n = \(n), k = \(k)")
      #expect(Set(subsets).count == subsets.count)
      for subset in subsets {
        #expect(subset.count == k && subset == subset.sorted() && Set(subset).count == k)
        #expect(subset.allSatisfy { (0..<n).contains($0) })
      }
      for (earlier, later) in zip(subsets, subsets.dropFirst()) {
        #expect(earlier.lexicographicallyPrecedes(later), "\(earlier) before \(later)")
      }
    }
  }

  @Test func pairsFollowTheClosedFormRank() {
    // docs/MATHEMATICS.md §1: query i(a, b) = a·n − a(a+1)/2 + (b − a − 1).
    let n = 9
    for (index, pair) in KSubsets(n: n, k: 2).enumerated() {
      let (a, b) = (pair[0], pair[1])
      #expect(index == a * n - a * (a + 1) / 2 + (b - a - 1))
    }
  }

  @Test(arguments: 1...5)
  func allSubsetsQrelsListTheSubsets(k: Int) {
    let n = k + 4
    let qrels = Qrels.allSubsets(documents: n, k: k)
    #expect(qrels.documentCount == n)
    #expect(qrels.queryCount == binomial(n, k))
    #expect(qrels.relevantPairCount == qrels.queryCount * k)
    for (query, subset) in KSubsets(n: n, k: k).enumerated() {
      #expect(qrels.relevant(to: query).map(Int.init) == subset)
    }
  }
}

@Suite struct QrelsTests {
  @Test func sortsEachQuerysDocuments() throws {
    let qrels = try Qrels(relevant: [[2, 0], [1], [3, 1, 2]], documentCount: 4)
    #expect(qrels.offsets == [0, 2, 3, 6])
    #expect(qrels.relevantDocuments == [0, 2, 1, 1, 2, 3])
    #expect(qrels.maximumRelevantCount == 3)
  }

  @Test func refusesMalformedRows() {
    #expect(throws: LimitFitError("query 1 has no relevant document")) {
      try Qrels(relevant: [[0], []], documentCount: 3)
    }
    #expect(throws: LimitFitError("query 0: document 3 is outside 0..<3")) {
      try Qrels(relevant: [[3]], documentCount: 3)
    }
    #expect(throws: LimitFitError("query 0: document 1 is listed twice")) {
      try Qrels(relevant: [[1, 0, 1]], documentCount: 3)
    }
    #expect(throws: LimitFitError("the relevance matrix has no queries")) {
      try Qrels(relevant: [], documentCount: 3)
    }
  }
}

@Suite struct ProblemSizeTests {
  @Test func countsTheAllSubsetsProblem() throws {
    let size = try ProblemSize.allSubsets(documents: 46, k: 2, dimension: 12)
    #expect(size.documents == 46 && size.queries == 1035)
    #expect(size.relevantPairs == 2070 && size.dimension == 12)
  }

  @Test(arguments: [
    (1, 2, 4, "the number of documents (1) must be between 2 and 2147483647"),
    (-3, 2, 4, "the number of documents (-3) must be between 2 and 2147483647"),
    (10, 0, 4, "k (0) must be between 1 and 5"),
    (10, 6, 4, "k (6) must be between 1 and 5"),
    (4, 4, 4, "k (4) must be less than the number of documents (4)"),
    (10, 2, 0, "the dimension (0) must be at least 1"),
    (1 << 40, 5, 4, "the number of documents (1099511627776) must be between 2 and 2147483647"),
  ])
  func refusesBadSizes(documents: Int, k: Int, dimension: Int, message: String) {
    #expect(throws: LimitFitError(message)) {
      try ProblemSize.allSubsets(documents: documents, k: k, dimension: dimension)
    }
  }

  @Test func refusesWhatDoesNotFitInMemory() throws {
    let size = try ProblemSize.allSubsets(documents: 100_000, k: 2, dimension: 64)
    let needed = CPUBackend().bytesNeeded(for: size)
    #expect(needed > 1e12)
    #expect(throws: LimitFitError(
      "n = 100000, d = 64 with 4999950000 queries needs \(formatBytes(needed)) of memory; "
        + "the machine has 16 GiB available"
    )) {
      try size.requireMemory(needed, available: 16 * 1024 * 1024 * 1024, on: "the machine")
    }
    try size.requireMemory(needed, available: needed, on: "the machine")
  }

  @Test func memoryEstimateCoversTheCPUEngine() throws {
    // Q, ∇Q and two moments per query; D, ∇D, two moments and a partial per partition per
    // document: at least that much, in bytes.
    let size = try ProblemSize.allSubsets(documents: 2000, k: 2, dimension: 64)
    let floats = Double(size.queries * 64 * 4 + 2000 * 64 * (4 + 16))
    #expect(CPUBackend().bytesNeeded(for: size) >= 4 * floats)
    #expect(CPUBackend().bytesNeeded(for: size) < 4 * floats * 1.1)
  }

  @Test func formatsBytes() {
    #expect(formatBytes(512) == "512 B")
    #expect(formatBytes(6.7 * 1024 * 1024 * 1024) == "6.7 GiB")
    #expect(formatBytes(1536) == "1.5 KiB")
  }
}
