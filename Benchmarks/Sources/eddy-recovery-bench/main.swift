import Foundation

// Usage: eddy-recovery-bench <products dir with eddy and libWordCount.so> [all|restore|recovery|plugin-crash]
//          [records (default 1,000,000): restored records, and the most keys recovery counts]
//          [session.timeout.ms for recovery (default 1000)]
// Prints one line per figure. The broker, the workers and this process share the machine.

let arguments = Array(CommandLine.arguments.dropFirst())
guard let products = arguments.first.map({ URL(fileURLWithPath: $0).standardizedFileURL.path }),
    FileManager.default.isExecutableFile(atPath: products + "/eddy")
else {
    FileHandle.standardError.write(
        Data(
            "usage: eddy-recovery-bench <directory with a release eddy and libWordCount.so, e.g. .build/release> [all|restore|recovery|plugin-crash] [records] [session.timeout.ms]\n"
                .utf8))
    exit(64)
}
let mode = arguments.dropFirst().first ?? "all"
let records = arguments.dropFirst(2).first.flatMap { Int($0) } ?? 1_000_000
let sessionTimeoutMs = arguments.dropFirst(3).first.flatMap { Int($0) } ?? 1000

do {
    if mode == "all" || mode == "restore" {
        try benchRestoreRate(products: products, records: records, runs: 3)
    }
    if mode == "all" || mode == "plugin-crash" {
        try benchPluginCrash(products: products, rounds: 3)
    }
    if mode == "all" || mode == "recovery" {
        for keys in records > 100_000 ? [100_000, records] : [records] {
            for staticMembership in [false, true] {
                try benchRecoveryTime(
                    products: products, keys: keys, updates: 200_000, sessionTimeoutMs: sessionTimeoutMs,
                    staticMembership: staticMembership)
            }
        }
    }
} catch {
    FileHandle.standardError.write(Data("eddy-recovery-bench: \(error)\n".utf8))
    exit(1)
}
