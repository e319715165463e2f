// swift-tools-version: 6.0
import PackageDescription

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
      dependencies: [.product(name: "RealModule", package: "swift-numerics")]
    ),

    // Tool: the `limitfit` command line.
    .executableTarget(
      name: "limitfit",
      dependencies: [
        "LimitFit",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),

    // Tests: the library's mathematics, and the tool end to end.
    .testTarget(
      name: "LimitFitTests",
      dependencies: ["LimitFit"]
    ),
    .testTarget(
      name: "limitfitEndToEndTests",
      dependencies: ["limitfit"]
    ),
  ]
)
