// swift-tools-version: 6.0
import PackageDescription

// The CPU engine's source (Sources/CPUEngine) is compiled once per x86-64 instruction-set level,
// and the CPU backend runs the widest one the machine has (CPULevel): one binary, portable and
// fast. Elsewhere than on x86-64 the levels are compiled alike and only the first runs.
func cpuEngine(_ name: String, targetCPU: String?) -> Target {
  #if arch(x86_64)
    let settings: [SwiftSetting] = targetCPU.map { [.unsafeFlags(["-target-cpu", $0])] } ?? []
  #else
    let settings: [SwiftSetting] = []
  #endif
  return .target(name: name, dependencies: ["FitCore"], swiftSettings: settings)
}

let package = Package(
  name: "limitfit",
  products: [
    .library(name: "LimitFit", targets: ["LimitFit"]),
    .executable(name: "limitfit", targets: ["limitfit"]),
  ],
  // Exact versions: an application pins what it is built and tested with. (Package.resolved
  // would pin commit ids too, but this workplace's package mirrors have their own commit ids,
  // not GitHub's, so a resolved file written here would not resolve elsewhere: it stays
  // ignored, and the versions are pinned here instead.)
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
    .package(url: "https://github.com/apple/swift-numerics", exact: "1.1.1"),
  ],
  targets: [
    // Library: relevance matrices, the fit driver, backends, search and analysis.
    .target(
      name: "LimitFit",
      dependencies: [
        "FitCore", "CPUEngine", "CPUEngineAVX2", "CPUEngineAVX512", "CSumQuery", "COpenCL", "CZlib", "Kernels",
        .product(name: "RealModule", package: "swift-numerics"),
      ],
      plugins: ["GitCommit"]
    ),
    // What the library and the CPU engines share: the loss, Adam, a fit's plan, the engine's
    // interface.
    .target(name: "FitCore", dependencies: [.product(name: "RealModule", package: "swift-numerics")]),
    // The CPU engine for any x86-64 (SSE2); CPUEngineAVX2 and CPUEngineAVX512 link to its files.
    cpuEngine("CPUEngine", targetCPU: nil),
    cpuEngine("CPUEngineAVX2", targetCPU: "haswell"),
    cpuEngine("CPUEngineAVX512", targetCPU: "skylake-avx512"),
    // The exhaustive capacity check's inner loop, in C: compilers vectorise it for each
    // instruction-set level (target_clones), which Swift's integer SIMD max does not.
    .target(name: "CSumQuery", cSettings: [.unsafeFlags(["-O3"])]),
    // The OpenCL C API's types and a loader that opens libOpenCL.so.1 at run time.
    .target(name: "COpenCL", linkerSettings: [.linkedLibrary("dl")]),
    // zlib, the system's: gzip-compressed qrels and corpus files.
    .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
    // The git commit of the build, written before every build into the library's sources.
    .plugin(name: "GitCommit", capability: .buildTool()),
    // The OpenCL C kernels, embedded into the binary.
    .target(
      name: "Kernels",
      path: "Kernels",
      resources: [
        .embedInCode("common.cl"), .embedInCode("tiles.cl"), .embedInCode("scores.cl"), .embedInCode("losses.cl"),
        .embedInCode("gradients.cl"), .embedInCode("adam.cl"), .embedInCode("reduce.cl"),
        .embedInCode("fused.cl"), .embedInCode("control.cl"),
      ]
    ),

    // Tool: the `limitfit` command line.
    .executableTarget(
      name: "limitfit",
      dependencies: [
        "LimitFit",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),

    // Tests: the library's mathematics, and the tool end to end; what both share.
    .target(name: "TestSupport", dependencies: ["LimitFit"], path: "Tests/TestSupport"),
    .testTarget(
      name: "LimitFitTests",
      dependencies: ["LimitFit", "FitCore", "TestSupport"]
    ),
    .testTarget(
      name: "limitfitEndToEndTests",
      dependencies: ["limitfit", "LimitFit", "TestSupport"]
    ),
  ]
)
