// swift-tools-version: 6.1
// The state-store benchmark: restore rate, put/get cost through the record cache, and the
// RSS of a million keys across twelve stores. Run it with
// `swift run -c release --package-path Benchmarks/State eddy-state-bench`.
import PackageDescription

let package = Package(
    name: "eddy-state-bench",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "eddy", path: "../..")
    ],
    targets: [
        .executableTarget(
            name: "eddy-state-bench",
            dependencies: [.product(name: "EddyState", package: "eddy")])
    ]
)
