import ArgumentParser
import Foundation
import LimitFit

struct ExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Write a results file's records as flat tables, one per record kind, for pandas and spreadsheets.",
    discussion: """
      Writes fit.csv and critical-n.csv (the kinds the file holds) into --out: a line per \
      record, in file order, every field a column — nested ones dotted (hyperparameters.seed), \
      lists joined with ';'. CSV only: no maintained Swift Parquet writer exists, and \
      pandas.read_csv reads these as they are.
      """
  )

  @Option(help: "The results file (JSON Lines) to export.")
  var results: String

  @Flag(help: "Write CSV (the only format).")
  var csv = false

  @Option(help: "The folder for the tables.")
  var out = "results/export"

  @Flag(help: "Replace tables that exist in --out.")
  var overwrite = false

  func run() throws {
    guard csv else { throw LimitFitError("give the format: --csv (the only one)") }
    guard FileManager.default.fileExists(atPath: results) else { throw LimitFitError("--results \(results) does not exist") }
    let store = try ResultsStore(path: results, warn: printToStandardError)
    let tables = try ResultsExport.tables(store.records.map(\.record))
    guard !tables.isEmpty else { throw LimitFitError("--results \(results) holds no records") }
    var outputs = OutputPaths(inputs: [results], overwrite: overwrite)
    let paths = try outputs.folder(out, files: tables.map { $0.kind + ".csv" }, option: "--out")
    do {
      try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    } catch {
      throw LimitFitError("--out \(out): cannot create the folder: \(error.localizedDescription)")
    }
    try FileOutput.write(zip(paths, tables).map { ($0, Data($1.csv.utf8)) }, replacing: overwrite)
    for (path, table) in zip(paths, tables) {
      print("wrote \(path): \(table.csv.split(separator: "\n").count - 1) \(table.kind) records")
    }
  }
}
