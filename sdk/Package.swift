// swift-tools-version: 6.1
import PackageDescription

/// The Eddy SDK: everything a processor author depends on, and nothing beyond the toolchain.
///
/// - `CEddyABI`: the C ABI (`include/eddy/eddy.h`), the only thing that crosses host <-> plugin.
/// - `EddySDK`: the Swift face of the ABI: `Processor`, `ProcessorContext`, stores, serdes,
///   and the one-line plugin export.
/// - `EddyHost`: the host side of the ABI in Swift (the `eddy_host_api` table over an
///   overridable `HostContext`), shared by the test driver and the Eddy host.
/// - `EddyEngine`: the one topology form and the task graph that runs it, with the Streams
///   DSL's operators, shared by the Eddy host and the test driver.
/// - `EddyTestKit`: runs a plugin's processors and topologies in-process, with no Kafka and
///   no `dlopen`.
/// The host-side modules skip run-time exclusivity checks in release builds, as the host's
/// per-record modules do (each access to a node's stored properties would pay one); debug
/// builds, which the tests run, keep them. Not for `EddySDK`, which plugins build.
let hostPathSettings: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))
]

let package = Package(
    name: "eddy-sdk",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "EddySDK", targets: ["EddySDK"]),
        .library(name: "EddyHost", targets: ["EddyHost"]),
        .library(name: "EddyEngine", targets: ["EddyEngine"]),
        .library(name: "EddyTestKit", targets: ["EddyTestKit"]),
    ],
    targets: [
        .systemLibrary(name: "CEddyABI", path: "include"),
        .target(name: "EddySDK", dependencies: ["CEddyABI"]),
        .target(name: "EddyHost", dependencies: ["CEddyABI", "EddySDK"], swiftSettings: hostPathSettings),
        .target(name: "EddyEngine", dependencies: ["EddySDK", "EddyHost"], swiftSettings: hostPathSettings),
        .target(name: "EddyTestKit", dependencies: ["EddySDK", "EddyHost", "EddyEngine"]),
        .testTarget(name: "EddySDKTests", dependencies: ["EddySDK", "EddyHost", "EddyEngine", "EddyTestKit"]),
    ]
)
