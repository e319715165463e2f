import ArgumentParser
import Foundation
import LimitFit

struct TuneCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "tune",
    abstract: "Choose the OpenCL kernels' tile shapes for this device and save them for later runs.",
    discussion: """
      Builds each candidate shape of the tiled products (the score matrix S = Q Dᵀ, and the \
      gradients ∇Q = G D and ∇D = Gᵀ Q), checks it against the CPU reference on awkward \
      sizes, and times it on blocks of the score matrix at two sizes; the fastest shape that \
      passes wins, per product. A minute or two on a GPU. The choice is saved in the tuning \
      file ($LIMITFIT_TUNING, by default tuning.json in $LIMITFIT_CACHE, $XDG_CACHE_HOME/limitfit \
      or ~/.cache/limitfit) under the device's name and driver version, replacing that \
      device's earlier entry only; fits on the device read it from then on ('validate' and \
      'bench' print which shapes ran).
      """
  )

  @Option(help: "The OpenCL device (see 'limitfit devices'); default: $\(BackendSelection.deviceVariable), else auto's choice.")
  var device: Int?

  @Option(help: "The tuning file to write; default: $LIMITFIT_TUNING, else tuning.json in the cache folder.")
  var output: String?

  func run() throws {
    let environment = ProcessInfo.processInfo.environment
    var settings = try OpenCLSettings(environment: environment)
    guard let path = output ?? settings.tuningFile else {
      throw LimitFitError("no place for the tuning file: give --output, or set LIMITFIT_TUNING or HOME")
    }
    // Before the minutes of tuning: a file that cannot be read or written fails now.
    var outputs = OutputPaths(inputs: [], overwrite: false)
    try outputs.updatedFile(path, option: output == nil ? "the tuning file" : "--output")
    let tuningFile = try TuningFile.load(path: path)
    // The device's backend without any tuning file: the tuner tries shapes of its own, and an
    // entry that no longer builds must not stop it from replacing that entry.
    settings.tuningFile = nil
    let openCL = try OpenCLBackend(
      device: OpenCLDevice.selected(
        index: device ?? BackendSelection.deviceIndex(environment: environment[BackendSelection.deviceVariable])),
      settings: settings)
    let tuner = KernelTuner(device: openCL.openCLDevice, settings: settings)
    print("Tuning \(openCL.device) at (n, d) = " + tuner.sizes.map { "(\($0.documents), \($0.dimension))" }.joined(separator: ", "))
    let entry = try tuner.run { line in
      print(line)
      fflush(nil)
    }
    var updated = tuningFile
    updated.devices[TuningFile.key(for: openCL.openCLDevice)] = entry
    try updated.save(path: path)
    print("chosen: \(entry.parameters)")
    print("saved in \(path) for \"\(TuningFile.key(for: openCL.openCLDevice))\"")
  }
}
