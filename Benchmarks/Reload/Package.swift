// swift-tools-version: 6.1
import PackageDescription

/// The hot-reload benchmark: output gaps and end-to-end latency while a plugin is swapped,
/// against steady state and against a restart.
///
///     swift build -c release --product WordCount      # the two builds, in ../../.build/release
///     swift build -c release --product WordCountV2
///     swift build -c release --package-path Benchmarks/Reload
///     Benchmarks/Reload/.build/release/eddy-reload-bench
let package = Package(
    name: "eddy-reload-bench",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "eddy", path: "../..")],
    targets: [
        .executableTarget(
            name: "eddy-reload-bench",
            dependencies: [
                .product(name: "EddyRuntime", package: "eddy"),
                .product(name: "EddyKafka", package: "eddy"),
            ]),
    ]
)
