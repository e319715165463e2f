import COpenCL
import Foundation
import Kernels

/// A device ready to run fits: its context and the kernels, built once and shared by every fit
/// on the device. Each fit has a command queue of its own (`makeQueue()`), so that several fits
/// can run on the device at once.
///
/// Sendable: fits on several threads may share it; a lock makes setting a kernel's arguments
/// and enqueueing it one step, and each fit's queue orders the rest.
final class OpenCLRuntime: @unchecked Sendable {
  let device: OpenCLDevice
  let api: COpenCLFunctions
  /// The tiled products' shapes, and where they come from (tuned, defaults, as given).
  let tiles: TileParameters
  let tilesOrigin: String
  /// Work-items per query row in the row-wise kernels.
  let rowGroup: Int
  /// Whether the main program was loaded from the cache of built programs instead of compiled.
  let programFromCache: Bool
  /// The folder of the cache of built programs, if there is one.
  let cacheFolder: String?

  private let context: cl_context
  /// The program of every kernel but the loss's (`KernelSources.program`).
  private let program: cl_program
  private var kernels: [Kernel: cl_kernel] = [:]
  /// Per loss used so far: its program (`KernelSources.lossProgram` built with the loss's
  /// definition) and its `rowLosses` kernel.
  private var lossPrograms: [Loss: (program: cl_program, kernel: cl_kernel)] = [:]
  private let lossProgramLock = NSLock()
  private let launchLock = NSLock()
  /// The bytes of the device buffers alive now, guard regions included.
  var allocatedBytes: Int { allocationLock.withLock { allocated } }
  private var allocated = 0
  private let allocationLock = NSLock()

  /// Counts `bytes` more (or fewer, when negative) of live device buffers.
  fileprivate func account(_ bytes: Int) { allocationLock.withLock { allocated += bytes } }

  /// The kernels: `rowLosses` in the program of each loss, the others in the main program.
  enum Kernel: String, CaseIterable {
    case scores
    case rowLosses = "row_losses"
    case queryGradient = "query_gradient"
    case documentGradient = "document_gradient"
    case sumDocumentGradient = "sum_document_gradient"
    case adamRows = "adam_rows"
    case reduceRows = "reduce_rows"
    case fusedQueryRows = "fused_query_rows"
    case fusedDocumentRows = "fused_document_rows"
    /// Built only where the device has double precision.
    case recordStep = "record_step"
  }

  /// Creates the context and builds the main program's kernels for `device`, or loads them from
  /// the cache of built programs (`settings.cacheFolder`), where a build with the same device,
  /// driver, source and options left them. The loss kernel is built for each loss on its first
  /// use (`lossKernel(for:)`).
  ///
  /// The tiled products' shapes come from `settings` (`tileParameters(for:)`); ROW_GROUP from
  /// the device's limits, up to 64 (two NVIDIA warps, one AMD wavefront), or `settings`.
  init(device: OpenCLDevice, library: OpenCLLibrary, settings: OpenCLSettings = OpenCLSettings()) throws {
    self.device = device
    let api = library.api
    self.api = api
    (tiles, tilesOrigin) = try settings.tileParameters(for: device)
    let largest = device.maximumWorkGroupSize
    rowGroup = try OpenCLSettings.workGroupSize(settings.rowGroup, named: OpenCLSettings.rowGroupVariable, limit: largest)
      ?? [64, 32, 16, 8, 4, 2, 1].first { $0 <= largest } ?? 1
    cacheFolder = settings.cacheFolder

    var status: cl_int = CL_SUCCESS
    var id: cl_device_id? = device.id
    guard let context = api.CreateContext.loaded(nil, 1, &id, nil, nil, &status) else {
      throw OpenCLError.call("clCreateContext", status)
    }
    self.context = context
    do {
      (program, programFromCache) = try Self.buildProgram(
        KernelSources.program, options: Self.buildOptions(rowGroup: rowGroup, tiles: tiles), api: api, context: context, device: device, cacheFolder: cacheFolder)
    } catch {
      _ = api.ReleaseContext.loaded(context)
      throw error
    }
    // From here on, deinit releases what exists.
    for kernel in Kernel.allCases where kernel != .rowLosses && (kernel != .recordStep || device.hasDoublePrecision) {
      guard let created = api.CreateKernel.loaded(program, kernel.rawValue, &status) else {
        throw OpenCLError.call("clCreateKernel(\(kernel.rawValue))", status)
      }
      kernels[kernel] = created
    }
  }

  /// `source` built for `device` with `options`: loaded from the cache of built programs in
  /// `cacheFolder` where it holds the program, else compiled and stored there.
  private static func buildProgram(
    _ source: String, options: String, api: COpenCLFunctions, context: cl_context, device: OpenCLDevice,
    cacheFolder: String?
  ) throws -> (program: cl_program, fromCache: Bool) {
    var id: cl_device_id? = device.id
    let cache = cacheFolder.map { ProgramCache(folder: $0, device: device, options: options, source: source) }
    if let cache, let cached = cache.program(api: api, context: context, device: id, options: options) {
      return (cached, true)
    }
    var status: cl_int = CL_SUCCESS
    var created: cl_program?
    source.withCString { text in
      var pointer: UnsafePointer<CChar>? = text
      created = api.CreateProgramWithSource.loaded(context, 1, &pointer, nil, &status)
    }
    guard let program = created else { throw OpenCLError.call("clCreateProgramWithSource", status) }
    status = api.BuildProgram.loaded(program, 1, &id, options, nil, nil)
    guard status == CL_SUCCESS else {
      let log = status == CL_BUILD_PROGRAM_FAILURE ? buildLog(of: program, api: api, device: device) : nil
      _ = api.ReleaseProgram.loaded(program)
      if let log { throw OpenCLError.build(device: device.summary, log: log) }
      throw OpenCLError.call("clBuildProgram", status)
    }
    cache?.store(program, api: api)
    return (program, false)
  }

  /// The `rowLosses` kernel of `loss`: its program is built (or loaded from the cache) with the
  /// loss's definition on the first call, so that each program holds one loss's code.
  func lossKernel(for loss: Loss) throws -> cl_kernel {
    try lossProgramLock.withLock {
      if let built = lossPrograms[loss] { return built.kernel }
      let options = Self.buildOptions(rowGroup: rowGroup, loss: loss)
      let program = try Self.buildProgram(
        KernelSources.lossProgram, options: options, api: api, context: context, device: device, cacheFolder: cacheFolder
      ).program
      var status: cl_int = CL_SUCCESS
      guard let kernel = api.CreateKernel.loaded(program, Kernel.rowLosses.rawValue, &status) else {
        _ = api.ReleaseProgram.loaded(program)
        throw OpenCLError.call("clCreateKernel(\(Kernel.rowLosses.rawValue), \(loss))", status)
      }
      lossPrograms[loss] = (program, kernel)
      return kernel
    }
  }

  /// Every kernel built so far, with the name a message gives it: the main program's
  /// (`recordStep` only with double precision), then the loss kernel of each loss used.
  var builtKernels: [(name: String, kernel: Kernel, handle: cl_kernel)] {
    kernels.sorted { $0.key.rawValue < $1.key.rawValue }.map { ($0.key.rawValue, $0.key, $0.value) }
      + lossProgramLock.withLock { lossPrograms.sorted { $0.key.rawValue < $1.key.rawValue } }
      .map { ("\(Kernel.rowLosses.rawValue) (\($0.key))", .rowLosses, $0.value.kernel) }
  }

  /// A program's build options: ROW_GROUP and the definitions the kernels share with Swift
  /// (Adam's constants), generated from the Swift side; then the tile parameters for the main
  /// program, or the loss's definition (and its relevant-document limit) for a loss program.
  /// -cl-kernel-arg-info keeps the parameters' names and types for `signatureMismatches()`.
  static func buildOptions(rowGroup: Int, tiles: TileParameters? = nil, loss: Loss? = nil) -> String {
    var definitions = [
      "ROW_GROUP": "\(rowGroup)", "ADAM_BETA1": "\(Float(Adam.beta1))f", "ADAM_BETA2": "\(Float(Adam.beta2))f",
      "ADAM_EPSILON": "\(Float(Adam.epsilon))f",
    ].merging(tiles?.definitions ?? [:]) { $1 }
    if let loss {
      definitions[loss.kernelDefinition] = "1"
      definitions["MAX_RELEVANT"] = loss.kernelRelevantLimit.map(String.init)
    }
    return (["-cl-std=CL1.2", "-cl-kernel-arg-info"] + definitions.sorted { $0.key < $1.key }.map { "-D \($0.key)=\($0.value)" })
      .joined(separator: " ")
  }

  /// The `__local` bytes the fused step needs at dimension `d`.
  func fusedLocalBytes(dimension d: Int) -> Int { 4 * (2 * d + 3 * rowGroup) }

  deinit {
    // Clean-up failures are not actionable; the codes are ignored.
    for kernel in kernels.values { _ = api.ReleaseKernel.loaded(kernel) }
    for built in lossPrograms.values {
      _ = api.ReleaseKernel.loaded(built.kernel)
      _ = api.ReleaseProgram.loaded(built.program)
    }
    _ = api.ReleaseProgram.loaded(program)
    _ = api.ReleaseContext.loaded(context)
  }

  /// The build log's error lines, joined into one line.
  private static func buildLog(of program: cl_program, api: COpenCLFunctions, device: OpenCLDevice) -> String {
    var size = 0
    _ = api.GetProgramBuildInfo.loaded(program, device.id, cl_program_build_info(CL_PROGRAM_BUILD_LOG), 0, nil, &size)
    var bytes = [CChar](repeating: 0, count: size + 1)
    _ = api.GetProgramBuildInfo.loaded(program, device.id, cl_program_build_info(CL_PROGRAM_BUILD_LOG), size, &bytes, nil)
    let log = String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    let lines = log.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
    let errors = lines.filter { $0.contains("error") }
    return (errors.isEmpty ? lines : errors).prefix(5).joined(separator: " | ")
  }

  /// An argument of a kernel launch; checked against the kernel's `parameters`.
  enum Argument: CustomStringConvertible {
    case int(Int)
    case float(Float)
    case double(Double)
    /// A device buffer, and the OpenCL C name of its elements.
    case buffer(cl_mem, element: String)
    /// A `__local` array of this many bytes of the named elements.
    case local(bytes: Int, element: String)

    /// A device buffer argument.
    static func buffer<Element>(_ buffer: DeviceBuffer<Element>) -> Argument {
      .buffer(buffer.memory, element: Element.kernelTypeName)
    }

    /// A `__local` array of `count` floats.
    static func localFloats(_ count: Int) -> Argument { .local(bytes: 4 * count, element: "float") }

    var description: String {
      switch self {
      case .int: "an int"
      case .float: "a float"
      case .double: "a double"
      case .buffer(_, let element): "a buffer of \(element)"
      case .local(_, let element): "a __local array of \(element)"
      }
    }
  }

  /// A new in-order command queue on the device.
  func makeQueue() throws -> CommandQueue {
    var status: cl_int = CL_SUCCESS
    guard let queue = api.CreateCommandQueue.loaded(context, device.id, 0, &status) else {
      throw OpenCLError.call("clCreateCommandQueue", status)
    }
    return CommandQueue(runtime: self, handle: queue)
  }

  /// Enqueues `kernel` (for `rowLosses`, the kernel of `loss`) on `queue` over `global`
  /// work-items in work-groups of `local` (sizes per dimension; each global size is rounded up
  /// to a multiple of its local size).
  func launch(
    _ kernel: Kernel, for loss: Loss? = nil, on queue: CommandQueue, global: [Int], local: [Int],
    _ namedArguments: KeyValuePairs<String, Argument>
  ) throws {
    precondition((kernel == .rowLosses) == (loss != nil), "a loss goes with the loss kernel, and only with it")
    let handle: cl_kernel
    if let loss {
      handle = try lossKernel(for: loss)
    } else if let built = kernels[kernel] {
      handle = built
    } else {
      preconditionFailure("kernel \(kernel) not built")
    }
    let arguments = try kernel.bind(namedArguments)
    launchLock.lock()
    defer { launchLock.unlock() }
    for (index, argument) in arguments.enumerated() {
      let status: cl_int
      switch argument {
      case .int(let value):
        guard var value = cl_int(exactly: value) else {
          throw OpenCLError.capacity("argument \(index) of \(kernel.rawValue) (\(value)) does not fit the kernel's 32-bit int")
        }
        status = api.SetKernelArg.loaded(handle, cl_uint(index), MemoryLayout<cl_int>.size, &value)
      case .float(let value):
        var value = value
        status = api.SetKernelArg.loaded(handle, cl_uint(index), MemoryLayout<Float>.size, &value)
      case .double(let value):
        var value = value
        status = api.SetKernelArg.loaded(handle, cl_uint(index), MemoryLayout<Double>.size, &value)
      case .buffer(let memory, _):
        var memory: cl_mem? = memory
        status = api.SetKernelArg.loaded(handle, cl_uint(index), MemoryLayout<cl_mem>.size, &memory)
      case .local(let bytes, _):
        status = api.SetKernelArg.loaded(handle, cl_uint(index), bytes, nil)
      }
      try check(status, "clSetKernelArg(\(kernel.rawValue), \(index))")
    }
    let rounded = zip(global, local).map { size, group in (size + group - 1) / group * group }
    guard rounded.allSatisfy({ $0 > 0 }) else { return }
    try check(
      api.EnqueueNDRangeKernel.loaded(queue.handle, handle, cl_uint(rounded.count), nil, rounded, local, 0, nil, nil),
      "clEnqueueNDRangeKernel(\(kernel.rawValue))")
  }

  /// Allocates a device buffer of `count` elements followed by a guard region; its copies go
  /// through `queue`.
  func makeBuffer<Element: KernelElement>(_: Element.Type, count: Int, on queue: CommandQueue) throws
    -> DeviceBuffer<Element>
  {
    var status: cl_int = CL_SUCCESS
    let bytes = (count + DeviceBuffer<Element>.guardCount) * MemoryLayout<Element>.stride
    guard let memory = api.CreateBuffer.loaded(context, cl_mem_flags(CL_MEM_READ_WRITE), bytes, nil, &status)
    else {
      throw OpenCLError.call("clCreateBuffer(\(formatBytes(Double(bytes))))", status)
    }
    let buffer = DeviceBuffer<Element>(queue: queue, memory: memory, count: count)
    account(bytes)
    try buffer.writeGuard()
    return buffer
  }
}

/// An in-order command queue, released with the Swift object (after its commands finish).
final class CommandQueue {
  let runtime: OpenCLRuntime
  let handle: cl_command_queue

  fileprivate init(runtime: OpenCLRuntime, handle: cl_command_queue) {
    self.runtime = runtime
    self.handle = handle
  }

  deinit { _ = runtime.api.ReleaseCommandQueue.loaded(handle) }
}

/// A buffer on the device, released with the Swift object. Past its `count` elements lies a
/// guard region filled with a canary byte, which `guardIsIntact()` checks, to catch kernels
/// that write out of bounds.
final class DeviceBuffer<Element: KernelElement> {
  static var guardCount: Int { 64 }
  private static var canary: UInt8 { 0xA5 }

  let memory: cl_mem
  let count: Int
  private let queue: CommandQueue
  private var api: COpenCLFunctions { queue.runtime.api }

  fileprivate init(queue: CommandQueue, memory: cl_mem, count: Int) {
    self.queue = queue
    self.memory = memory
    self.count = count
  }

  deinit {
    _ = api.ReleaseMemObject.loaded(memory)
    queue.runtime.account(-(count + Self.guardCount) * MemoryLayout<Element>.stride)
  }

  /// Copies `elements` (exactly `count`) to the device; blocking.
  func write(_ elements: [Element]) throws {
    precondition(elements.count == count, "writing \(elements.count) elements into \(count)")
    guard count > 0 else { return }
    try elements.withUnsafeBytes { bytes in
      try check(
        api.EnqueueWriteBuffer.loaded(
          queue.handle, memory, cl_bool(CL_TRUE), 0, bytes.count, bytes.baseAddress, 0, nil, nil),
        "clEnqueueWriteBuffer")
    }
  }

  /// Copies the first `count` (or `prefix`) elements to the host; blocking.
  func read(prefix: Int? = nil) throws -> [Element] {
    let length = prefix ?? count
    guard length > 0 else { return [] }
    return try [Element](unsafeUninitializedCapacity: length) { elements, initialized in
      try check(
        api.EnqueueReadBuffer.loaded(
          queue.handle, memory, cl_bool(CL_TRUE), 0, length * MemoryLayout<Element>.stride,
          elements.baseAddress, 0, nil, nil),
        "clEnqueueReadBuffer")
      initialized = length
    }
  }

  fileprivate func writeGuard() throws {
    let bytes = [UInt8](repeating: Self.canary, count: Self.guardCount * MemoryLayout<Element>.stride)
    try check(
      api.EnqueueWriteBuffer.loaded(
        queue.handle, memory, cl_bool(CL_TRUE), count * MemoryLayout<Element>.stride, bytes.count,
        bytes, 0, nil, nil),
      "clEnqueueWriteBuffer")
  }

  /// Whether the guard region after the buffer still holds the canary.
  func guardIsIntact() throws -> Bool {
    var bytes = [UInt8](repeating: 0, count: Self.guardCount * MemoryLayout<Element>.stride)
    try check(
      api.EnqueueReadBuffer.loaded(
        queue.handle, memory, cl_bool(CL_TRUE), count * MemoryLayout<Element>.stride, bytes.count,
        &bytes, 0, nil, nil),
      "clEnqueueReadBuffer")
    return bytes.allSatisfy { $0 == Self.canary }
  }
}
