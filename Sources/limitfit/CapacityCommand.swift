import ArgumentParser
import Foundation
import LimitFit

extension StoragePrecision: ExpressibleByArgument {}

struct CapacityCommand: ParsableCommand, SettingOptions {
  static let configuration = CommandConfiguration(
    commandName: "capacity",
    abstract: "The most documents whose every k-set d-dimensional vectors provably represent, per d.",
    discussion: """
      For each d, every construction limitfit has — the trigonometric moment curve (k = 2), \
      extended BCH codes, Reed–Solomon codes concatenated with Hadamard codes, and Kerdock's \
      mutually unbiased bases — each as stored in --precision (binary: ±1 entries), and the \
      largest n proved, with its proof: 'checked' (every k-set of the n documents verified \
      exactly), 'coherence' (every inner product of the n vectors computed, then the sum-query \
      lemma) or 'code' (the lemma from the code's parameters; the first --max-check documents \
      are checked beside it). Codes query a set R with the sum of its vectors. Beside each d: \
      the paper's cubic, and the optimiser's critical-n where the results file has a search. \
      docs/MATHEMATICS.md §7 has the proofs.
      """,
    aliases: ["witness-limit"]
  )

  @Option(help: "Dimensions: a range (4...64), a list (16,32,64), or both.")
  var dims: String

  @Option(help: "The size of the relevant sets, 1 to 5.")
  var k = 2

  @Option(help: "How the vectors are stored: float64, float32, float16, bfloat16 or binary (±1).")
  var precision: StoragePrecision = .float32

  @Option(help: "The most documents checked exhaustively (default: 4096 for k ≤ 2, 256 for 3, 96 for 4, 48 for 5).")
  var maxCheck: Int?

  @Option(help: "Write each d's checked construction as a certificate into DIR/d<d> (queries: the sum queries).")
  var saveEmbeddings: String?

  @Option(help: "Write one JSON object per dimension, one per line, to this file (- for standard output).")
  var json: String?

  @Option(help: "A results file whose critical-n searches are shown beside the answers.")
  var results = "results/fits.jsonl"

  @Flag(help: "Replace the --json file and certificate files if they exist.")
  var overwrite = false

  var settingOptions: [LimitFitError.Setting: String] { [.k: "--k", .maximumChecked: "--max-check"] }

  func run() throws {
    let clock = ContinuousClock()
    let began = clock.now
    let dimensions = try DimensionList(parsing: dims)
    guard dimensions.maximum <= CapacityAnalysis.maximumDimension else {
      throw LimitFitError("--dims \(dims): dimensions above \(CapacityAnalysis.maximumDimension) are not built")
    }
    let analysis = try CapacityAnalysis(
      k: k, precision: precision, maximumChecked: maxCheck ?? CapacityAnalysis.defaultChecked(k: k))
    var outputs = OutputPaths(inputs: [results], overwrite: overwrite)
    let output = try json.map { try JSONOutput(path: $0, in: &outputs) }
    let certificates = try saveEmbeddings.map { folder in
      try dimensions.map { d in try CertificateOutput(folder: "\(folder)/d\(d)", in: &outputs) }
    }
    let optimiser = try optimiserCriticalN()
    let table = output?.isStandardOutput == true ? printToStandardError : { print($0) }

    table("    d  k        documents   log10  proof       margin  checked  paper's cubic  optimiser  construction")
    var lines: [String] = []
    var momentCurve: MomentCurveLimit?
    if k == 2, dimensions.maximum >= 4, let floatingPoint = precision.floatingPoint {
      momentCurve = try MomentCurveLimit.find(precision: floatingPoint, maximumDocuments: analysis.maximumChecked)
    }
    for (index, d) in dimensions.enumerated() {
      var (answer, construction) = try analysis.answer(dimension: d, momentCurve: d >= 4 ? momentCurve : nil)
      answer.optimiserCriticalN = optimiser[d]
      table(row(answer))
      fflush(nil)
      lines.append(try jsonLine(answer))
      if let certificate = certificates?[index], let construction {
        let (embeddings, qrels) = try construction.certificate(documents: construction.certificateDocuments(k: k), k: k)
        try certificate.write(embeddings, of: qrels, fit: nil, construction: construction.summary)
      }
    }
    try output?.writeLines(lines)
    table(String(format: "(%.1f s)", (clock.now - began).seconds))
  }

  /// One row of the table: the construction last, as long as it needs.
  private func row(_ answer: CapacityAnswer) -> String {
    let count = answer.documents.map { String($0) } ?? String(format: "%.3g", pow(10, answer.log10Documents))
    let checked = answer.checked.map { String($0.documents) } ?? "all"
    return String(answer.dimension).leftPadded(to: 5) + String(answer.k).leftPadded(to: 3)
      + count.leftPadded(to: 17) + String(format: "%8.2f", answer.log10Documents) + "  "
      + answer.proof.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
      + (answer.margin.map { String(format: "%8.2g", $0) } ?? "       -") + checked.leftPadded(to: 9)
      + String(format: "%.1f", answer.paperCubic).leftPadded(to: 15)
      + (answer.optimiserCriticalN.map(String.init) ?? "-").leftPadded(to: 11) + "  " + answer.construction
  }

  private func jsonLine(_ answer: CapacityAnswer) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(answer)
    return String(decoding: data, as: UTF8.self)
  }

  /// The optimiser's critical-n by d from the results file's searches with the default settings.
  private func optimiserCriticalN() throws -> [Int: Int] {
    var found: [Int: Int] = [:]
    guard k == 2, FileManager.default.fileExists(atPath: results) else { return found }
    for search in try ResultsStore(path: results, warn: printToStandardError).searches
    where search.key == SearchSettings.paper.key(dimension: search.dimension) {
      if let critical = search.criticalN { found[search.dimension] = max(found[search.dimension] ?? 0, critical) }
    }
    return found
  }
}
