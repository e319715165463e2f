/// An error a user can act on: one line that names the offending value.
///
/// Where the value is a setting a caller gave (`Setting`), the message names it as a typed
/// part: the library's own words call it by `Setting.name`, and a front end by its own name for
/// it (`description(naming:)`) — the command line by its option.
public struct LimitFitError: Error, CustomStringConvertible, Equatable, Sendable {
  /// A value a caller gives the library that an error can be about.
  public enum Setting: String, CaseIterable, Sendable {
    /// The first n of a critical-n search (`CriticalNSearch.start`).
    case start
    /// The sweep around a critical-n search's answer (`CriticalNSearch.sweepRadius`).
    case sweepRadius
    /// The number of relevant documents per query of the all-k-subsets problems.
    case k
    /// The most documents `CapacityAnalysis` checks exhaustively.
    case maximumChecked
    /// The split of a data set's folder (`LabeledQrels.load`).
    case split

    /// How the library's own messages call it.
    public var name: String {
      switch self {
      case .start: "the start"
      case .sweepRadius: "the sweep"
      case .k: "k"
      case .maximumChecked: "the most documents checked"
      case .split: "the split"
      }
    }
  }

  /// One piece of a message: its text, or a setting named where it stands.
  fileprivate enum Part: Equatable, Sendable {
    case text(String)
    case setting(Setting)
  }

  private var parts: [Part]

  /// The message, without a trailing newline, each setting called by its `Setting.name`.
  public var description: String { description { $0.name } }

  /// The settings the message names, in order.
  public var settings: [Setting] {
    parts.compactMap { if case .setting(let setting) = $0 { setting } else { nil } }
  }

  /// The message with each setting called by `name` (a front end's name for it: an option).
  public func description(naming name: (Setting) -> String) -> String {
    parts.map {
      switch $0 {
      case .text(let text): text
      case .setting(let setting): name(setting)
      }
    }.joined()
  }

  /// Two errors are the same when they say the same and name the same settings.
  public static func == (lhs: Self, rhs: Self) -> Bool {
    lhs.description == rhs.description && lhs.settings == rhs.settings
  }

  /// Creates an error with the given one-line message.
  public init(_ description: String) {
    parts = [.text(description)]
  }

  /// Creates an error whose one-line message names settings: `"\(.start) (2) must be more
  /// than k (2)"`.
  public init(_ message: Message) {
    parts = message.parts
  }

  /// A message with settings interpolated as typed parts, other values as text.
  public struct Message: ExpressibleByStringInterpolation, Sendable {
    fileprivate var parts: [Part]

    public init(stringLiteral value: String) {
      parts = [.text(value)]
    }

    public init(stringInterpolation: StringInterpolation) {
      parts = stringInterpolation.parts
    }

    /// The pieces of an interpolated message.
    public struct StringInterpolation: StringInterpolationProtocol, Sendable {
      fileprivate var parts: [Part] = []

      public init(literalCapacity: Int, interpolationCount: Int) {}

      public mutating func appendLiteral(_ literal: String) {
        parts.append(.text(literal))
      }

      /// A setting, named where it stands.
      public mutating func appendInterpolation(_ setting: Setting) {
        parts.append(.setting(setting))
      }

      /// Any other value, as `String(describing:)` writes it.
      public mutating func appendInterpolation<Value>(_ value: Value) {
        parts.append(.text(String(describing: value)))
      }
    }
  }
}
