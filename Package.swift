// swift-tools-version: 6.0
import PackageDescription

// LIMITFIT_TARGET_CPU=haswell (or znver3, skylake-avx512, …) compiles the library for that CPU:
// AVX2 and FMA for the CPU backend's loops. Without it the build runs on any x86-64 (SSE2).
let targetCPU: [SwiftSetting] = Context.environment["LIMITFIT_TARGET_CPU"].map {
  [.unsafeFlags(["-target-cpu", $0])]
} ?? []

let package = Package(
  name: "limitfit",
  products: [
    .library(name: "LimitFit", targets: ["LimitFit"]),
    .executable(name: "limitfit", targets: ["limitfit"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
  ],
  targets: [
    // Library: relevance matrices, the fit driver, backends, search and analysis.
    .target(
      name: "LimitFit",
      dependencies: [
        "COpenCL", "Kernels", .product(name: "RealModule", package: "swift-numerics"),
      ],
      swiftSettings: targetCPU
    ),
    // The OpenCL C API's types and a loader that opens libOpenCL.so.1 at run time.
    .target(name: "COpenCL", linkerSettings: [.linkedLibrary("dl")]),
    // The OpenCL C kernels, embedded into the binary.
    .target(
      name: "Kernels",
      path: "Kernels",
      resources: [
        .embedInCode("common.cl"), .embedInCode("scores.cl"), .embedInCode("losses.cl"),
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
      dependencies: ["LimitFit", "TestSupport"]
    ),
    .testTarget(
      name: "limitfitEndToEndTests",
      dependencies: ["limitfit", "LimitFit", "TestSupport"]
    ),
  ]
)
