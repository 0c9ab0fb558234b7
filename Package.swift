// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "eddy",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "eddy", targets: ["eddy"]),
        .library(name: "EddyKafka", targets: ["EddyKafka"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // MARK: - C libraries (system packages from Debian)
        .systemLibrary(
            name: "CRdKafka", path: "Sources/CRdKafka", pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(
            name: "CRocksDB", path: "Sources/CRocksDB", pkgConfig: "rocksdb",
            providers: [.apt(["librocksdb-dev"])]),
        .systemLibrary(
            name: "CLibFFI", path: "Sources/CLibFFI", pkgConfig: "libffi",
            providers: [.apt(["libffi-dev"])]),

        // MARK: - Host layers
        .target(
            name: "EddyKafka",
            dependencies: ["CRdKafka", .product(name: "Logging", package: "swift-log")]),

        // MARK: - The CLI
        .executableTarget(
            name: "eddy",
            dependencies: [
                "EddyKafka",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // MARK: - Tests
        .testTarget(name: "EddyKafkaTests", dependencies: ["EddyKafka"]),
        .testTarget(name: "EddyCLITests", dependencies: ["EddyKafka"]),
    ]
)
