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
  /// Whether the program was loaded from the cache of built programs instead of compiled.
  let programFromCache: Bool

  private let context: cl_context
  private let program: cl_program
  private var kernels: [Kernel: cl_kernel] = [:]
  /// The kernels built for this device (`recordStep` only with double precision).
  var builtKernels: [Kernel: cl_kernel] { kernels }
  private let launchLock = NSLock()
  /// The bytes of the device buffers alive now, guard regions included.
  var allocatedBytes: Int { allocationLock.withLock { allocated } }
  private var allocated = 0
  private let allocationLock = NSLock()

  /// Counts `bytes` more (or fewer, when negative) of live device buffers.
  fileprivate func account(_ bytes: Int) { allocationLock.withLock { allocated += bytes } }

  /// The most relevant documents per query the hinge kernel takes (local memory per row).
  static let maximumHingeRelevant = 64

  /// The program's kernels.
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

  /// Creates the context and builds the kernels for `device`, or loads them from the cache of
  /// built programs (`settings.cacheFolder`), where a build with the same device, driver,
  /// source and options left them.
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

    var status: cl_int = CL_SUCCESS
    var id: cl_device_id? = device.id
    guard let context = api.CreateContext.loaded(nil, 1, &id, nil, nil, &status) else {
      throw OpenCLError.call("clCreateContext", status)
    }
    self.context = context

    let options = Self.buildOptions(tiles: tiles, rowGroup: rowGroup)
    let cache = settings.cacheFolder.map { ProgramCache(folder: $0, device: device, options: options) }
    if let cache, let cached = cache.program(api: api, context: context, device: id, options: options) {
      program = cached
      programFromCache = true
    } else {
      let source = KernelSources.program
      var program: cl_program?
      source.withCString { text in
        var pointer: UnsafePointer<CChar>? = text
        program = api.CreateProgramWithSource.loaded(context, 1, &pointer, nil, &status)
      }
      guard let program else {
        _ = api.ReleaseContext.loaded(context)
        throw OpenCLError.call("clCreateProgramWithSource", status)
      }
      self.program = program
      programFromCache = false
    }
    // From here on, deinit releases what exists.
    if !programFromCache {
      status = api.BuildProgram.loaded(program, 1, &id, options, nil, nil)
      if status == CL_BUILD_PROGRAM_FAILURE {
        throw OpenCLError.build(device: device.summary, log: buildLog())
      }
      try check(status, "clBuildProgram")
      cache?.store(program, api: api)
    }
    for kernel in Kernel.allCases where kernel != .recordStep || device.hasDoublePrecision {
      guard let created = api.CreateKernel.loaded(program, kernel.rawValue, &status) else {
        throw OpenCLError.call("clCreateKernel(\(kernel.rawValue))", status)
      }
      kernels[kernel] = created
    }
  }

  /// The program's build options: the tile parameters and ROW_GROUP, and the definitions the
  /// kernels share with Swift — Adam's constants and the loss codes — generated from the Swift
  /// side; -cl-kernel-arg-info keeps the parameters' names and types for
  /// `signatureMismatches()`.
  static func buildOptions(tiles: TileParameters, rowGroup: Int) -> String {
    let shared = [
      "ROW_GROUP": "\(rowGroup)", "MAX_RELEVANT": "\(maximumHingeRelevant)",
      "ADAM_BETA1": "\(Float(Adam.beta1))f", "ADAM_BETA2": "\(Float(Adam.beta2))f",
      "ADAM_EPSILON": "\(Float(Adam.epsilon))f",
    ].merging(Loss.allCases.map { ("LOSS_" + $0.rawValue.uppercased(), "\($0.kernelCode)") }) { $1 }
      .merging(tiles.definitions) { $1 }
    return (["-cl-std=CL1.2", "-cl-kernel-arg-info"] + shared.sorted { $0.key < $1.key }.map { "-D \($0.key)=\($0.value)" })
      .joined(separator: " ")
  }

  /// The `__local` bytes the fused step needs at dimension `d`.
  func fusedLocalBytes(dimension d: Int) -> Int { 4 * (2 * d + 3 * rowGroup) }

  deinit {
    // Clean-up failures are not actionable; the codes are ignored.
    for kernel in kernels.values { _ = api.ReleaseKernel.loaded(kernel) }
    _ = api.ReleaseProgram.loaded(program)
    _ = api.ReleaseContext.loaded(context)
  }

  /// The build log's error lines, joined into one line.
  private func buildLog() -> String {
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

  /// Enqueues `kernel` on `queue` over `global` work-items in work-groups of `local` (sizes per
  /// dimension; each global size is rounded up to a multiple of its local size).
  func launch(
    _ kernel: Kernel, on queue: CommandQueue, global: [Int], local: [Int],
    _ namedArguments: KeyValuePairs<String, Argument>
  ) throws {
    guard let handle = kernels[kernel] else { preconditionFailure("kernel \(kernel) not built") }
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
