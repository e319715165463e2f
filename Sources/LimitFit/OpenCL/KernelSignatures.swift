import COpenCL

/// The element types device buffers hold, by their OpenCL C names.
protocol KernelElement: BitwiseCopyable {
  /// The type's name in OpenCL C: "float", "int", "uint", "double".
  static var kernelTypeName: String { get }
}

extension Float: KernelElement { static var kernelTypeName: String { "float" } }
extension Double: KernelElement { static var kernelTypeName: String { "double" } }
extension Int32: KernelElement { static var kernelTypeName: String { "int" } }
extension UInt32: KernelElement { static var kernelTypeName: String { "uint" } }

/// One parameter of a kernel: its name in the OpenCL C source and what it takes.
struct KernelParameter: Equatable, CustomStringConvertible {
  /// What a parameter takes.
  enum Kind: Equatable {
    case int, float, double
    /// A `__global` pointer to elements of the named type.
    case global(String)
    /// A `__local` array of elements of the named type.
    case local(String)
  }

  let name: String
  let kind: Kind

  var description: String {
    switch kind {
    case .int: "int \(name)"
    case .float: "float \(name)"
    case .double: "double \(name)"
    case .global(let element): "__global \(element) *\(name)"
    case .local(let element): "__local \(element) *\(name)"
    }
  }
}

extension OpenCLRuntime.Kernel {
  /// The kernel's parameters, in order, as Kernels/*.cl declares them: the one place the Swift
  /// side states them, read once. Launches name their arguments and are bound by these names,
  /// and the names are checked against the built program's own argument information
  /// (`OpenCLRuntime.signatureMismatches()`).
  var parameters: [KernelParameter] { Self.signatures[self]!.parameters }

  /// Every kernel's parameters and their positions by name, built once.
  private static let signatures: [Self: (parameters: [KernelParameter], positions: [String: Int])] = Dictionary(
    uniqueKeysWithValues: allCases.map { kernel in
      let parameters = kernel.declaredParameters
      return (kernel, (parameters, Dictionary(uniqueKeysWithValues: parameters.enumerated().map { ($1.name, $0) })))
    })

  private var declaredParameters: [KernelParameter] {
    func int(_ names: String...) -> [KernelParameter] { names.map { .init(name: $0, kind: .int) } }
    func float(_ names: String...) -> [KernelParameter] { names.map { .init(name: $0, kind: .float) } }
    func global(_ element: String, _ names: String...) -> [KernelParameter] {
      names.map { .init(name: $0, kind: .global(element)) }
    }
    func local(_ element: String, _ names: String...) -> [KernelParameter] {
      names.map { .init(name: $0, kind: .local(element)) }
    }
    switch self {
    case .scores:
      return int("rows", "n", "d", "row0") + float("inverse_temperature") + global("float", "Q", "D", "S")
    case .rowLosses:
      return int("n", "row0") + float("inverse_terms", "bias", "margin")
        + global("uint", "offsets") + global("int", "relevant") + global("float", "S", "row_loss")
        + global("int", "row_solved", "row_found") + global("float", "row_bias_gradient")
    case .queryGradient:
      return int("rows", "n", "d", "row0") + float("inverse_temperature")
        + global("float", "G", "D", "query_gradient")
    case .documentGradient:
      return int("rows", "n", "d", "row0", "part_rows") + global("float", "G", "Q", "partial")
    case .sumDocumentGradient:
      return int("n", "d", "parts") + float("inverse_temperature") + int("accumulate")
        + global("float", "partial", "document_gradient")
    case .adamRows:
      return int("rows", "d") + float("learning_rate", "first_correction", "second_correction")
        + global("float", "parameters", "gradient", "first_moment", "second_moment") + global("int", "control")
    case .reduceRows:
      return int("m") + global("float", "row_loss") + global("int", "row_solved", "row_found")
        + global("float", "row_bias_gradient") + global("uint", "totals")
    case .fusedQueryRows:
      return int("n", "d") + float("inverse_temperature", "inverse_terms") + global("uint", "offsets")
        + global("int", "relevant") + global("float", "Q", "D", "query_gradient", "row_lse", "row_loss")
        + global("int", "row_solved", "row_found") + local("float", "q", "gradient")
    case .fusedDocumentRows:
      return int("m", "d") + float("inverse_temperature", "inverse_terms") + global("uint", "offsets")
        + global("int", "relevant") + global("float", "Q", "D", "row_lse", "document_gradient")
        + local("float", "document", "gradient")
    case .recordStep:
      return int("queries", "loss_terms", "patience") + [.init(name: "min_delta", kind: .double)]
        + int("stop_when_solved", "max_iterations", "slot") + global("uint", "totals")
        + global("int", "control") + global("double", "best_loss") + global("uint", "history")
    }
  }

  /// `arguments`, given by name, in the parameters' order.
  ///
  /// - Throws: `OpenCLError.signature` unless every parameter is given once, by its name, with
  ///   an argument of its kind and element type, and nothing else is given.
  func bind(_ arguments: KeyValuePairs<String, OpenCLRuntime.Argument>) throws -> [OpenCLRuntime.Argument] {
    let (parameters, positions) = Self.signatures[self]!
    var bound = [OpenCLRuntime.Argument?](repeating: nil, count: parameters.count)
    for (name, argument) in arguments {
      guard let index = positions[name] else {
        throw OpenCLError.signature("\(rawValue) has no argument named \(name)")
      }
      guard bound[index] == nil else { throw OpenCLError.signature("\(rawValue) argument \(name) given twice") }
      bound[index] = argument
    }
    if let missing = bound.firstIndex(where: { $0 == nil }) {
      throw OpenCLError.signature("\(rawValue) argument \(parameters[missing].name) not given")
    }
    let ordered = bound.map { $0! }
    try check(ordered)
    return ordered
  }

  /// Throws unless `arguments` match the parameters one for one, in kind and element type.
  private func check(_ arguments: [OpenCLRuntime.Argument]) throws {
    let parameters = parameters
    for (index, (argument, parameter)) in zip(arguments, parameters).enumerated() {
      let matches = switch (argument, parameter.kind) {
      case (.int, .int), (.float, .float), (.double, .double): true
      case (.buffer(_, let element), .global(let expected)): element == expected
      case (.local(_, let element), .local(let expected)): element == expected
      default: false
      }
      guard matches else {
        throw OpenCLError.signature("\(rawValue) argument \(index) (\(parameter)) given \(argument)")
      }
    }
  }
}

extension OpenCLRuntime {
  /// Every difference between the kernels' declared `parameters` and what the built program
  /// reports of them (count, names, type names, address spaces), one line each; empty when
  /// they agree.
  func signatureMismatches() throws -> [String] {
    for loss in Loss.allCases { _ = try lossKernel(for: loss) }
    var mismatches: [String] = []
    for (label, kernel, handle) in builtKernels {
      var count: cl_uint = 0
      try check(
        api.GetKernelInfo.loaded(handle, cl_kernel_info(CL_KERNEL_NUM_ARGS), MemoryLayout<cl_uint>.size, &count, nil),
        "clGetKernelInfo(\(label))")
      let declared = kernel.parameters
      guard Int(count) == declared.count else {
        mismatches.append("\(label): the program has \(count) arguments, the declaration \(declared.count)")
        continue
      }
      for (index, parameter) in declared.enumerated() {
        let name = try argumentString(handle, index, CL_KERNEL_ARG_NAME)
        let type = try argumentString(handle, index, CL_KERNEL_ARG_TYPE_NAME)
        var address: cl_kernel_arg_address_qualifier = 0
        try check(
          api.GetKernelArgInfo.loaded(
            handle, cl_uint(index), cl_kernel_arg_info(CL_KERNEL_ARG_ADDRESS_QUALIFIER),
            MemoryLayout<cl_kernel_arg_address_qualifier>.size, &address, nil),
          "clGetKernelArgInfo(\(label), \(index))")
        let (expectedType, expectedAddress): (String, Int32) = switch parameter.kind {
        case .int: ("int", CL_KERNEL_ARG_ADDRESS_PRIVATE)
        case .float: ("float", CL_KERNEL_ARG_ADDRESS_PRIVATE)
        case .double: ("double", CL_KERNEL_ARG_ADDRESS_PRIVATE)
        case .global(let element): (element + "*", CL_KERNEL_ARG_ADDRESS_GLOBAL)
        case .local(let element): (element + "*", CL_KERNEL_ARG_ADDRESS_LOCAL)
        }
        if name != parameter.name || type != expectedType || Int32(address) != expectedAddress {
          mismatches.append(
            "\(label) argument \(index): declared \(parameter), the program has \(type) \(name)"
              + (Int32(address) == expectedAddress ? "" : " in another address space"))
        }
      }
    }
    return mismatches
  }

  /// A string of the kernel argument information.
  private func argumentString(_ kernel: cl_kernel, _ index: Int, _ parameter: Int32) throws -> String {
    var size = 0
    let info = cl_kernel_arg_info(parameter)
    try check(api.GetKernelArgInfo.loaded(kernel, cl_uint(index), info, 0, nil, &size), "clGetKernelArgInfo")
    var bytes = [CChar](repeating: 0, count: size + 1)
    try check(api.GetKernelArgInfo.loaded(kernel, cl_uint(index), info, size, &bytes, nil), "clGetKernelArgInfo")
    return String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
