import ArgumentParser
import Foundation
import LimitFit

/// The optimiser's settings, shared by every command that fits.
struct HyperparameterOptions: ParsableArguments {
  @Option(help: "The training objective (infonce is the paper's).")
  var loss: Loss = Hyperparameters().loss

  @Option(help: "The margin γ of a loss that takes one (\(HyperparameterOptions.marginLosses)), in units of the scores Q Dᵀ / τ. (default: \(Hyperparameters().margin))")
  var margin: Double?

  @Option(help: "The seed of the starting embeddings.")
  var seed: UInt64 = Hyperparameters().seed

  @Option(name: .customLong("lr"), help: "Adam's learning rate.")
  var learningRate: Double = Hyperparameters().learningRate

  @Option(help: "The softmax temperature τ.")
  var temperature: Double = Hyperparameters().temperature

  @Option(help: "Early stopping: steps without improvement before a fit stops.")
  var patience: Int = Hyperparameters().patience

  @Option(help: "Early stopping: the smallest improvement of the loss that counts.")
  var minDelta: Double = Hyperparameters().minDelta

  @Option(help: "The most steps a fit takes.")
  var maxIterations: Int = Hyperparameters().maxIterations

  @Flag(help: "Keep training after the problem is solved, until the loss plateaus (not the paper's behaviour: its script stops at the first sample that is solved).")
  var runToPlateau = false

  @Option(help: "How 'solved' is decided: exact (every query's relevant documents strictly above the rest, at every step) or paper (the script's top-k accuracy, sampled every 50 steps).")
  var verdict: Verdict = Hyperparameters().verdict

  /// The losses that take a margin.
  static var marginLosses: String {
    Loss.allCases.filter { $0.largestMargin != nil }.map(\.rawValue).joined(separator: ", ")
  }

  /// Refuses a margin given to a loss that takes none: it would change no fit, yet make the
  /// fits' keys differ, so that a results file reused none of them.
  func validate() throws {
    if margin != nil && loss.largestMargin == nil {
      throw LimitFitError("--margin is the margin of a loss that takes one (\(Self.marginLosses)); --loss \(loss) takes none")
    }
  }

  var hyperparameters: Hyperparameters {
    var settings = Hyperparameters()
    settings.loss = loss
    settings.margin = margin ?? settings.margin
    settings.seed = seed
    settings.learningRate = learningRate
    settings.temperature = temperature
    settings.patience = patience
    settings.minDelta = minDelta
    settings.maxIterations = maxIterations
    settings.stopWhenSolved = !runToPlateau
    settings.verdict = verdict
    return settings
  }
}

extension BackendRequest: ExpressibleByArgument {}
extension Loss: ExpressibleByArgument {}
extension Initialization: ExpressibleByArgument {}
extension Verdict: ExpressibleByArgument {}

/// Where fits run, shared by every command that fits.
struct BackendOptions: ParsableArguments {
  @Option(help: "Where fits run: auto (an OpenCL GPU if there is one, else the CPU backend), cpu or opencl.")
  var backend: BackendRequest = .auto

  @Option(help: "The OpenCL device (see 'limitfit devices'); default: $\(BackendSelection.deviceVariable), else auto's choice.")
  var device: Int?

  /// The backend; a fallback notice goes to standard error. LIMITFIT_DEVICE is read only
  /// where OpenCL may run.
  func makeBackend() throws -> any FitBackend {
    try selectBackend(backend, device: device)
  }
}

/// The backend `request` names, on `device` or LIMITFIT_DEVICE's device, set up by the
/// backends' own variables (`OpenCLSettings`, LIMITFIT_CPU_LEVEL).
func selectBackend(_ request: BackendRequest, device: Int?) throws -> any FitBackend {
  try checkDevice(device, appliesTo: [request])
  return try BackendSelection.makeBackend(
    request, device: device, environment: ProcessInfo.processInfo.environment, notice: printToStandardError)
}

/// Whether `--device` chooses among `request`'s devices: a backend that has some, or `auto`.
func takesDevice(_ request: BackendRequest) -> Bool {
  request == .auto || BackendRegistry.provider(named: request.rawValue)?.deviceNoun != nil
}

/// Throws when `device` is given but none of `requests` has devices to choose among.
func checkDevice(_ device: Int?, appliesTo requests: [BackendRequest]) throws {
  guard let device, let first = requests.first, !requests.contains(where: takesDevice) else { return }
  let noun = BackendRegistry.providers.lazy.compactMap(\.deviceNoun).first ?? "a device"
  throw LimitFitError("--device \(device) selects \(noun); it does not apply to --backend \(first.rawValue)")
}
