import Foundation

/// The records of a results file as flat tables, one per record kind, that pandas
/// (`pandas.read_csv`) and spreadsheets read as they are: every record as it is stored, nested
/// objects flattened into dotted columns (`hyperparameters.seed`, so a fit's seed is a column),
/// lists joined with ";", a value a record lacks left empty.
public enum ResultsExport {
  /// One table: a record kind ("fit", "critical-n") and its CSV text, a header and a line per
  /// record in file order.
  public struct Table: Sendable {
    public var kind: String
    public var csv: String
  }

  /// The tables of `records`, one per kind present, fits first.
  public static func tables(_ records: [StoredRecord]) throws -> [Table] {
    let decoder = JSONDecoder()
    let encoder = JSONEncoder()
    var rows: [String: [[String: String]]] = [:]
    for record in records {
      guard case .object(let fields) = try decoder.decode(JSONValue.self, from: try encoder.encode(record)),
        case .string(let kind) = fields["record"]
      else { continue }
      var row: [String: String] = [:]
      flatten(.object(fields), prefix: "", into: &row)
      rows[kind, default: []].append(row)
    }
    return rows.keys.sorted { ($0 == "fit" ? 0 : 1, $0) < ($1 == "fit" ? 0 : 1, $1) }.map { kind in
      let table = rows[kind] ?? []
      let columns = ["record"] + Set(table.flatMap(\.keys)).subtracting(["record"]).sorted()
      let lines = [columns.map(quoted).joined(separator: ",")]
        + table.map { row in columns.map { quoted(row[$0] ?? "") }.joined(separator: ",") }
      return Table(kind: kind, csv: lines.joined(separator: "\n") + "\n")
    }
  }

  /// Puts `value` into `row`: an object's fields under "prefix.name", anything else as text.
  private static func flatten(_ value: JSONValue, prefix: String, into row: inout [String: String]) {
    if case .object(let fields) = value {
      for (name, field) in fields { flatten(field, prefix: prefix.isEmpty ? name : prefix + "." + name, into: &row) }
    } else {
      row[prefix] = value.text
    }
  }

  /// A CSV field: quoted, with quotes doubled, when it holds a comma, a quote or a line end.
  private static func quoted(_ field: String) -> String {
    field.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline })
      ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
  }
}

/// A JSON value, as a record encodes to.
private enum JSONValue: Decodable {
  case null, bool(Bool), integer(String), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

  init(from decoder: any Decoder) throws {
    if var list = try? decoder.unkeyedContainer() {
      var values: [JSONValue] = []
      while !list.isAtEnd { values.append(try list.decode(JSONValue.self)) }
      self = .array(values)
      return
    }
    if let object = try? decoder.container(keyedBy: Name.self) {
      self = .object(Dictionary(uniqueKeysWithValues: try object.allKeys.map { ($0.stringValue, try object.decode(JSONValue.self, forKey: $0)) }))
      return
    }
    let single = try decoder.singleValueContainer()
    if single.decodeNil() {
      self = .null
    } else if let value = try? single.decode(Bool.self) {
      self = .bool(value)
    } else if let value = try? single.decode(Int64.self) {
      // Integers exactly, the seeds above 2⁵³ included, which a Double would round.
      self = .integer(String(value))
    } else if let value = try? single.decode(UInt64.self) {
      self = .integer(String(value))
    } else if let value = try? single.decode(Double.self) {
      self = .number(value)
    } else {
      self = .string(try single.decode(String.self))
    }
  }

  /// The value as a CSV field: numbers in their shortest exact form (integers without a
  /// fraction), lists joined with ";", null empty.
  var text: String {
    switch self {
    case .null: ""
    case .bool(let value): value ? "true" : "false"
    case .integer(let digits): digits
    case .number(let value):
      value == value.rounded() && abs(value) < 0x1p53 ? String(Int64(value)) : "\(value)"
    case .string(let value): value
    case .array(let values): values.map(\.text).joined(separator: ";")
    case .object: ""
    }
  }

  private struct Name: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }
}
