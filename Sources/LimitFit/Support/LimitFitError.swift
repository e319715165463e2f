/// An error a user can act on: one line that names the offending value.
public struct LimitFitError: Error, CustomStringConvertible, Equatable, Sendable {
  /// The message, without a trailing newline.
  public var description: String

  /// Creates an error with the given one-line message.
  public init(_ description: String) {
    self.description = description
  }
}
