import Foundation
import LimitFit

/// One part of a sweep spread over N machines (`--shard I/N`): every N-th item from the I-th (0-based), so
/// that the shards 0/N … (N−1)/N together cover every item exactly once.
struct Shard: Equatable, Sendable {
  let index: Int
  let count: Int

  /// The whole sweep: shard 0 of 1.
  static let whole = Shard(index: 0, count: 1)

  private init(index: Int, count: Int) {
    self.index = index
    self.count = count
  }

  /// Parses "I/N" with 0 ≤ I < N.
  init(parsing text: String) throws {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false).map { Int($0) }
    guard parts.count == 2, let index = parts[0], let count = parts[1], count >= 1,
      (0..<count).contains(index)
    else {
      throw LimitFitError("--shard \(text): expected I/N with 0 ≤ I < N, like 0/4")
    }
    self.init(index: index, count: count)
  }

  /// This shard's items, lazily: every `count`-th from the `index`-th.
  func select<Items: Sequence>(_ items: Items) -> [Items.Element] where Items: Collection {
    Array(items.enumerated().lazy.filter { $0.offset % count == index }.map(\.element))
  }

  /// This shard's dimensions, without listing the others.
  func select(_ dimensions: DimensionList) -> LazyMapSequence<
    LazyFilterSequence<EnumeratedSequence<DimensionList>>, Int
  > {
    dimensions.enumerated().lazy.filter { $0.offset % count == index }.map(\.element)
  }
}

/// Dimensions written as a range ("2...12" or "2-12"), a list ("2,4,8") or both ("2...8,12,16"):
/// ascending and distinct, held as ranges, so that "2...999999999999" costs no memory.
struct DimensionList: Sequence, Equatable, Sendable {
  /// Disjoint ranges, ascending, none adjacent to the next.
  let ranges: [ClosedRange<Int>]

  /// Parses `text`.
  ///
  /// - Throws: `LimitFitError` unless every part is a number ≥ 1 or a range `low...high` (or
  ///   `low-high`) with 1 ≤ low ≤ high.
  init(parsing text: String) throws {
    let problem = LimitFitError(
      "--dims \(text): expected a range like 2...12 or 2-12, a list like 2,4,8, or both, of dimensions ≥ 1")
    var parts: [ClosedRange<Int>] = []
    for part in text.split(separator: ",", omittingEmptySubsequences: false) {
      let bounds = part.split(separator: part.contains("...") ? "..." : "-", omittingEmptySubsequences: false)
        .map { Int($0.trimmingCharacters(in: .whitespaces)) }
      guard (1...2).contains(bounds.count), let low = bounds.first ?? nil, let high = bounds.last ?? nil,
        1 <= low, low <= high
      else { throw problem }
      parts.append(low...high)
    }
    var merged: [ClosedRange<Int>] = []
    for range in parts.sorted(by: { $0.lowerBound < $1.lowerBound }) {
      if let last = merged.last, range.lowerBound <= last.upperBound || range.lowerBound - 1 == last.upperBound {
        merged[merged.count - 1] = last.lowerBound...Swift.max(last.upperBound, range.upperBound)
      } else {
        merged.append(range)
      }
    }
    ranges = merged
  }

  /// The largest dimension.
  var maximum: Int { ranges[ranges.count - 1].upperBound }
  /// The smallest dimension.
  var minimum: Int { ranges[0].lowerBound }

  /// Whether `dimension` is one of these.
  func contains(_ dimension: Int) -> Bool { ranges.contains { $0.contains(dimension) } }

  /// The dimensions of this list that `present` lacks: how many, and the first `shown` of them
  /// (found without listing the ranges, which may be huge).
  func missing(from present: Set<Int>, shown: Int = 10) -> (count: Int, first: [Int]) {
    var count = 0
    var first: [Int] = []
    for range in ranges {
      count += range.count - present.filter { range.contains($0) }.count
      // A closed range's iterator stops at Int.max without stepping past it.
      for dimension in range where !present.contains(dimension) {
        guard first.count < shown else { break }
        first.append(dimension)
      }
    }
    return (count, first)
  }

  func makeIterator() -> FlattenSequence<[ClosedRange<Int>]>.Iterator {
    ranges.joined().makeIterator()
  }
}
