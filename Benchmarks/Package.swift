// swift-tools-version: 6.1
import PackageDescription

/// Eddy's benchmarks, one release executable each, kept out of the test build. `run.sh`
/// builds and runs them all (`bash Benchmarks/run.sh [--quick] [--only NAME,…]`); see README.md.
let package = Package(
    name: "eddy-benchmarks",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "eddy-abi-bench", targets: ["eddy-abi-bench"]),
        .executable(name: "eddy-state-bench", targets: ["eddy-state-bench"]),
        .executable(name: "eddy-dsl-bench", targets: ["eddy-dsl-bench"]),
        .executable(name: "eddy-reload-bench", targets: ["eddy-reload-bench"]),
        .executable(name: "eddy-recovery-bench", targets: ["eddy-recovery-bench"]),
        .executable(name: "eddy-join-bench", targets: ["eddy-join-bench"]),
        // Pass-through plugins, loaded by the benchmark with dlopen.
        .library(name: "BenchSwiftPassthrough", type: .dynamic, targets: ["BenchSwiftPassthrough"]),
        .library(name: "BenchCPassthrough", type: .dynamic, targets: ["BenchCPassthrough"]),
        .library(name: "BenchDSL", type: .dynamic, targets: ["BenchDSL"]),
    ],
    dependencies: [
        .package(name: "eddy", path: ".."),
        .package(path: "../sdk"),
    ],
    targets: [
        .target(name: "BenchSwiftPassthrough", dependencies: [.product(name: "EddySDK", package: "sdk")]),
        .target(name: "BenchCPassthrough", publicHeadersPath: "."),
        .target(name: "BenchDSL", dependencies: [.product(name: "EddySDK", package: "sdk")]),
        .executableTarget(
            name: "eddy-dsl-bench",
            dependencies: [
                .product(name: "EddyPlugins", package: "eddy"),
                .product(name: "EddyEngine", package: "sdk"),
                .product(name: "EddyHost", package: "sdk"),
                .product(name: "EddySDK", package: "sdk"),
            ]),
        .executableTarget(
            name: "eddy-abi-bench",
            dependencies: [
                .product(name: "EddyPlugins", package: "eddy"),
                .product(name: "EddyHost", package: "sdk"),
                .product(name: "EddySDK", package: "sdk"),
            ]),
        .executableTarget(name: "eddy-state-bench", dependencies: [.product(name: "EddyState", package: "eddy")]),
        .executableTarget(
            name: "eddy-reload-bench",
            dependencies: [
                .product(name: "EddyRuntime", package: "eddy"), .product(name: "EddyKafka", package: "eddy"),
            ]),
        // An embedded broker, `eddy run` workers and committed-output counting, for the benchmarks that run whole workers.
        .target(name: "BenchKit", dependencies: [.product(name: "EddyKafka", package: "eddy")]),
        .executableTarget(
            name: "eddy-recovery-bench", dependencies: ["BenchKit", .product(name: "EddyKafka", package: "eddy")]),
        .executableTarget(
            name: "eddy-join-bench", dependencies: ["BenchKit", .product(name: "EddyKafka", package: "eddy")]),
    ]
)
