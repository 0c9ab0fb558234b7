// swift-tools-version: 6.1
import PackageDescription

/// The per-record modules skip run-time exclusivity checks in release builds: measured at a
/// tenth of a pass-through's stream thread (every access to a task's stored properties).
/// Debug builds, which the tests run, keep them, so a violation is still caught there.
let hotPathSettings: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "eddy",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "eddy", targets: ["eddy"]),
        .library(name: "EddyKafka", targets: ["EddyKafka"]),
        .library(name: "EddyState", targets: ["EddyState"]),
        .library(name: "EddyPlugins", targets: ["EddyPlugins"]),
        .library(name: "EddyRuntime", targets: ["EddyRuntime"]),
        // Example plugins: each its own shared library, loaded by the host with dlopen.
        .library(name: "WordCount", type: .dynamic, targets: ["WordCountPlugin"]),
        .library(name: "WordCountV2", type: .dynamic, targets: ["WordCountV2Plugin"]),
        .library(name: "Enrich", type: .dynamic, targets: ["EnrichPlugin"]),
        .library(name: "Uppercase", type: .dynamic, targets: ["Uppercase"]),
        .library(name: "Fraud", type: .dynamic, targets: ["FraudPlugin"]),
        .library(name: "FraudV2", type: .dynamic, targets: ["FraudV2Plugin"]),
        .library(name: "Orders", type: .dynamic, targets: ["OrdersPlugin"]),
        .library(name: "Shops", type: .dynamic, targets: ["ShopsPlugin"]),
    ],
    dependencies: [
        .package(path: "sdk"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
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
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),

        // MARK: - Host layers
        .target(
            name: "EddyKafka",
            dependencies: ["CRdKafka", .product(name: "Logging", package: "swift-log")],
            swiftSettings: hotPathSettings),
        .target(name: "EddyState", dependencies: ["CRocksDB"], swiftSettings: hotPathSettings),

        .target(
            name: "EddyIsolation",
            dependencies: [
                "EddyPlugins",
                .product(name: "EddySDK", package: "sdk"),
                .product(name: "EddyHost", package: "sdk"),
            ]),

        .target(
            name: "EddyRuntime",
            dependencies: [
                "EddyKafka",
                "EddyState",
                "EddyPlugins",
                "EddyIsolation",
                .product(name: "EddyEngine", package: "sdk"),
                .product(name: "EddyHost", package: "sdk"),
                .product(name: "EddySDK", package: "sdk"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: hotPathSettings),

        .target(
            name: "EddyPlugins",
            dependencies: [
                "CLibFFI",
                .product(name: "EddySDK", package: "sdk"),
                .product(name: "EddyHost", package: "sdk"),
            ]),

        // MARK: - Example plugins (Plugins/): the SDK's living documentation
        .target(
            name: "WordCount", dependencies: [.product(name: "EddySDK", package: "sdk")],
            path: "Plugins/WordCount/Sources/WordCount"),
        .target(
            name: "WordCountPlugin", dependencies: ["WordCount", .product(name: "EddySDK", package: "sdk")],
            path: "Plugins/WordCount/Sources/WordCountPlugin"),
        .target(
            name: "WordCountV2Plugin", dependencies: ["WordCount", .product(name: "EddySDK", package: "sdk")],
            path: "Plugins/WordCountV2"),
        .target(
            name: "Enrich", dependencies: [.product(name: "EddySDK", package: "sdk")],
            path: "Plugins/Enrich/Sources/Enrich"),
        .target(
            name: "EnrichPlugin", dependencies: ["Enrich", .product(name: "EddySDK", package: "sdk")],
            path: "Plugins/Enrich/Sources/EnrichPlugin"),
        .target(
            name: "Fraud", dependencies: [.product(name: "EddySDK", package: "sdk")],
            path: "Plugins/Fraud/Sources/Fraud"),
        .target(
            name: "FraudPlugin", dependencies: ["Fraud", .product(name: "EddySDK", package: "sdk")],
            path: "Plugins/Fraud/Sources/FraudPlugin"),
        .target(
            name: "FraudV2Plugin", dependencies: ["Fraud", .product(name: "EddySDK", package: "sdk")],
            path: "Plugins/FraudV2"),
        .target(
            name: "OrdersPlugin", dependencies: [.product(name: "EddySDK", package: "sdk")], path: "Plugins/Orders"),
        .target(name: "ShopsPlugin", dependencies: [.product(name: "EddySDK", package: "sdk")], path: "Plugins/Shops"),
        .target(
            name: "Uppercase", path: "Plugins/Uppercase",
            publicHeadersPath: ".",
            // Hidden by default, as a careful C plugin builds: only EDDY_EXPORT's entry symbol leaves the library.
            cSettings: [.headerSearchPath("../../sdk/include"), .unsafeFlags(["-fvisibility=hidden"])]),

        .target(
            name: "EddyServer",
            dependencies: [
                "EddyRuntime",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]),

        // MARK: - The CLI
        .executableTarget(
            name: "eddy",
            dependencies: [
                "CMalloc",
                "EddyKafka",
                "EddyRuntime",
                "EddyServer",
                "EddyState",
                "EddyPlugins",
                "EddyIsolation",
                .product(name: "EddyEngine", package: "sdk"),
                .product(name: "EddySDK", package: "sdk"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // MARK: - Tests
        .testTarget(name: "EddyKafkaTests", dependencies: ["EddyKafka", "EddyTestSupport"]),
        .testTarget(name: "EddyStateTests", dependencies: ["EddyState", "EddyTestSupport"]),
        .testTarget(
            name: "EddyPluginsTests",
            dependencies: ["EddyPlugins", "EddyTestSupport", .product(name: "EddyTestKit", package: "sdk")]),
        .testTarget(
            name: "WordCountTests", dependencies: ["WordCount", .product(name: "EddyTestKit", package: "sdk")],
            path: "Plugins/WordCount/Tests"),
        .testTarget(
            name: "EnrichTests", dependencies: ["Enrich", .product(name: "EddyTestKit", package: "sdk")],
            path: "Plugins/Enrich/Tests"),
        .testTarget(
            name: "FraudTests", dependencies: ["Fraud", .product(name: "EddyTestKit", package: "sdk")],
            path: "Plugins/Fraud/Tests"),
        .target(name: "EddyTestSupport", path: "Tests/EddyTestSupport"),
        .testTarget(name: "EddyCLITests", dependencies: ["EddyKafka", "EddyTestSupport"]),
        .testTarget(
            name: "EddyRuntimeTests",
            dependencies: [
                "EddyRuntime", "EddyServer", "EddyKafka", "EddyState", "EddyTestSupport",
                .product(name: "EddyEngine", package: "sdk"),
            ]),
        .testTarget(name: "EddyBrokerTests", dependencies: ["EddyKafka", "EddyTestSupport"]),
    ]
)
