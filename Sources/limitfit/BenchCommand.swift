import ArgumentParser
import Foundation
import LimitFit

struct BenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench",
    abstract: "Measure fit steps per second, GFLOP/s and memory on each backend.",
    discussion: """
      Times the fit's own step (evaluate, Adam, renormalisation; InfoNCE, the paper's settings) \
      on all C(n, k) queries of n documents: two warm-up steps, then --repeats runs of at least \
      --seconds each; the median rate is printed. GFLOP/s counts 6·m·n·d operations per step. \
      'memory' is what the backend allocates for the fit (device memory for OpenCL); 'peak RSS' \
      is this process's peak resident memory so far.
      """
  )

  @Option(help: "A backend to measure: cpu or opencl (repeat for both); default: cpu, and opencl where a device exists.")
  var backend: [BackendRequest] = []

  @Option(help: "The OpenCL device (see 'limitfit devices'); default: $\(BackendSelection.deviceVariable), else auto's choice.")
  var device: Int?

  @Option(help: "The number of documents n.")
  var docs = 256

  @Option(help: "The embedding dimension d.")
  var dim = 16

  @Option(help: "The size of every relevant set (all C(n, k) queries).")
  var k = 2

  @Option(help: "The least time per repeat, in seconds.")
  var seconds = 1.0

  @Option(help: "Timed runs; the median counts.")
  var repeats = 3

  @Flag(help: "Print one JSON object per backend instead of the table.")
  var json = false

  func validate() throws {
    guard (0...3600).contains(seconds) else { throw LimitFitError("--seconds must be between 0 and 3600, not \(seconds)") }
    guard (1...1000).contains(repeats) else { throw LimitFitError("--repeats must be between 1 and 1000, not \(repeats)") }
    if backend.contains(.auto) { throw LimitFitError("--backend takes cpu or opencl here, not auto") }
  }

  func run() throws {
    let benchmark = try FitBenchmark(documents: docs, dimension: dim, k: k)
    if !json {
      print(row("backend", "device", "n", "d", "m", "it/s", "GFLOP/s", "memory", "peak RSS"))
    }
    for backend in try backends() {
      let measurement = try benchmark.run(on: backend, minimumSeconds: seconds, repeats: repeats)
      if json {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(measurement), as: UTF8.self))
      } else {
        print(row(
          measurement.backend, measurement.device, "\(measurement.documents)",
          "\(measurement.dimension)", "\(measurement.queries)",
          String(format: "%.2f", measurement.iterationsPerSecond),
          String(format: "%.2f", measurement.gigaflopsPerSecond), formatBytes(measurement.bytesNeeded),
          measurement.processPeakBytes.map(formatBytes) ?? "–"))
        let plan = measurement.plan
        if !plan.settings.isEmpty {
          print("  \(([plan.step + " step"] + [plan.layout, plan.settings].filter { !$0.isEmpty }).joined(separator: "; "))")
        }
      }
      fflush(nil)
    }
  }

  /// The backends asked for, or the CPU and any OpenCL device.
  private func backends() throws -> [any FitBackend] {
    if backend.isEmpty {
      let devices = (try? OpenCLDevice.all()) ?? []
      return [try selectBackend(.cpu, device: nil)] + (devices.isEmpty ? [] : [try selectBackend(.opencl, device: device)])
    }
    try checkDevice(device, appliesTo: backend)
    return try backend.map { try selectBackend($0, device: takesDevice($0) ? device : nil) }
  }

  private func row(_ cells: String...) -> String {
    let widths = [8, 44, 6, 5, 10, 10, 10, 11, 11]
    return zip(cells, widths).enumerated().map { index, pair in
      guard index >= 2 else { return pair.0 + String(repeating: " ", count: max(1, pair.1 - pair.0.count)) }
      // A value as wide as its column still has a space before it.
      return pair.0.count < pair.1 ? pair.0.leftPadded(to: pair.1) : " " + pair.0
    }.joined()
  }
}
