extension Int {
  /// ⌈self / divisor⌉ for non-negative `self` and positive `divisor`: how many pieces of
  /// `divisor` cover `self` (tiles, work-groups, blocks, parts).
  func dividedRoundingUp(by divisor: Int) -> Int { (self + divisor - 1) / divisor }
}
