extension String {
  /// The string right-aligned in `width` characters, for the columns of a table; unchanged
  /// when it is that long already.
  public func leftPadded(to width: Int) -> String {
    String(repeating: " ", count: max(0, width - count)) + self
  }
}
