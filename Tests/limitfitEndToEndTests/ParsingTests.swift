import LimitFit
import TestSupport
import Testing
@testable import limitfit

/// The command line's own parsing: dimensions and shards.
@Suite struct ShardTests {
  @Test(arguments: 1...6)
  func shardsCoverEveryDimensionExactlyOnce(count: Int) throws {
    let dimensions = Array(try DimensionList(parsing: "2...12,16,32"))
    var covered: [Int] = []
    for index in 0..<count { covered += try Shard(parsing: "\(index)/\(count)").select(dimensions) }
    #expect(covered.sorted() == dimensions)
  }

  @Test func parsesDimensions() throws {
    #expect(Array(try DimensionList(parsing: "2...5")) == [2, 3, 4, 5])
    #expect(Array(try DimensionList(parsing: "8,2,4,4")) == [2, 4, 8])
    #expect(Array(try DimensionList(parsing: "2...4,10")) == [2, 3, 4, 10])
    #expect(Array(try DimensionList(parsing: "2-5")) == [2, 3, 4, 5])
    #expect(Array(try DimensionList(parsing: "2-4,10-11")) == [2, 3, 4, 10, 11])
    let largest = try DimensionList(parsing: "3,\(Int.max)")
    #expect(largest.missing(from: [3]) == (1, [Int.max]))
    #expect(try DimensionList(parsing: "\(Int.max - 2)...\(Int.max)").missing(from: [Int.max - 1]) == (2, [Int.max - 2, Int.max]))
    for bad in ["", "0...3", "5...2", "a", "2..4", "2...", "1,,2", "-1", "2-", "3-2", "2-3-4", "2...-4"] {
      #expect(throws: LimitFitError.self, "\(bad)") { try DimensionList(parsing: bad) }
    }
  }

  @Test func refusesBadShards() {
    for bad in ["4/4", "-1/2", "1", "a/b", "0/0", "1/2/3"] {
      #expect(throws: LimitFitError("--shard \(bad): expected I/N with 0 ≤ I < N, like 0/4")) {
        try Shard(parsing: bad)
      }
    }
  }

  @Test func dimensionListsAreRangesNotLists() throws {
    let huge = try DimensionList(parsing: "2...999999999999")
    #expect(huge.ranges == [2...999_999_999_999])
    #expect(Array(huge.prefix(3)) == [2, 3, 4])
    #expect(Array(try Shard(parsing: "1/4").select(huge).prefix(2)) == [3, 7])
    let merged = try DimensionList(parsing: "8,2...4,5,3,20...30,25")
    #expect(merged.ranges == [2...5, 8...8, 20...30])
    #expect(merged.minimum == 2 && merged.maximum == 30)
    #expect(throws: LimitFitError.self) { try DimensionList(parsing: "2...9223372036854775808") }
  }
}
