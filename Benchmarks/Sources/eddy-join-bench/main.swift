import Foundation

// Usage: eddy-join-bench <products dir with a release eddy and libWordCount.so>
//          [orders (default 1,000,000)] [records/s per side (default 100,000)] [seconds (default 10)]
// The stream–table join's throughput against W3, and the windowed stream–stream join's
// latency at a steady rate, under at_least_once and exactly_once_v2. The broker, the worker
// and this process share the machine.

let arguments = Array(CommandLine.arguments.dropFirst())
guard let products = arguments.first.map({ URL(fileURLWithPath: $0).standardizedFileURL.path }),
    FileManager.default.isExecutableFile(atPath: products + "/eddy")
else {
    FileHandle.standardError.write(
        Data(
            "usage: eddy-join-bench <directory with a release eddy and libWordCount.so, e.g. .build/release> [orders] [records/s per side] [seconds]\n"
                .utf8))
    exit(64)
}
let orders = arguments.dropFirst().first.flatMap { Int($0) } ?? 1_000_000
let rate = arguments.dropFirst(2).first.flatMap { Int($0) } ?? 100_000
let duration = arguments.dropFirst(3).first.flatMap { Int($0) } ?? 10

do {
    for guarantee in ["at_least_once", "exactly_once_v2"] {
        try benchStreamTableThroughput(products: products, records: orders, keys: 10_000, guarantee: guarantee)
    }
    for guarantee in ["at_least_once", "exactly_once_v2"] {
        try benchStreamStreamLatency(products: products, rate: rate, duration: duration, guarantee: guarantee)
    }
} catch {
    FileHandle.standardError.write(Data("eddy-join-bench: \(error)\n".utf8))
    exit(1)
}
