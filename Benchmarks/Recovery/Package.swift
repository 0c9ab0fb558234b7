// swift-tools-version: 6.1
// Restore rate and recovery time of real `eddy run` workers against `eddy-broker`:
// restoration through the runtime's ChangelogReader into RocksDB, and the time a worker killed
// with SIGKILL under exactly_once_v2 takes to be back. Build the host first (release), then:
//
//     swift build -c release --product eddy && swift build -c release --product WordCount
//     swift run -c release --package-path Benchmarks/Recovery eddy-recovery-bench .build/release
import PackageDescription

let package = Package(
    name: "eddy-recovery-bench",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "eddy", path: "../..")
    ],
    targets: [
        .executableTarget(
            name: "eddy-recovery-bench",
            dependencies: [.product(name: "EddyKafka", package: "eddy")])
    ]
)
