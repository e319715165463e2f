import Foundation

/// One part of a sweep spread over N machines: every N-th item from the I-th (0-based), so
/// that the shards 0/N … (N−1)/N together cover every item exactly once.
public struct Shard: Equatable, Sendable {
  public let index: Int
  public let count: Int

  /// The whole sweep: shard 0 of 1.
  public static let whole = Shard(index: 0, count: 1)

  private init(index: Int, count: Int) {
    self.index = index
    self.count = count
  }

  /// Parses "I/N" with 0 ≤ I < N.
  public init(parsing text: String) throws {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false).map { Int($0) }
    guard parts.count == 2, let index = parts[0], let count = parts[1], count >= 1,
      (0..<count).contains(index)
    else {
      throw LimitFitError("--shard \(text): expected I/N with 0 ≤ I < N, like 0/4")
    }
    self.init(index: index, count: count)
  }

  /// This shard's items.
  public func select<Element>(_ items: [Element]) -> [Element] {
    items.enumerated().filter { $0.offset % count == index }.map(\.element)
  }
}

/// Parses dimensions written as a range ("2...12"), a list ("2,4,8") or both ("2...8,12,16"),
/// into ascending distinct values ≥ 1.
public func parseDimensions(_ text: String) throws -> [Int] {
  let problem = LimitFitError(
    "--dims \(text): expected a range like 2...12, a list like 2,4,8, or both, of dimensions ≥ 1")
  var dimensions = Set<Int>()
  for part in text.split(separator: ",", omittingEmptySubsequences: false) {
    let bounds = part.split(separator: "...", omittingEmptySubsequences: false)
      .map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard (1...2).contains(bounds.count), let low = bounds.first ?? nil, let high = bounds.last ?? nil,
      1 <= low, low <= high
    else { throw problem }
    dimensions.formUnion(low...high)
  }
  return dimensions.sorted()
}
