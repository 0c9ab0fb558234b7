import Foundation

/// Wall-clock seconds of `body`.
func seconds(_ body: () throws -> Void) rethrows -> Double {
    try timed(body).wall
}

/// Wall-clock seconds of `body`, and the CPU seconds (user + system) all threads of the
/// process spent meanwhile, RocksDB's background flushes and compactions included. On a
/// busy machine the CPU time is the steadier figure.
func timed(_ body: () throws -> Void) rethrows -> (wall: Double, cpu: Double) {
    let cpuStart = processCPUSeconds()
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    return (wall, processCPUSeconds() - cpuStart)
}

func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

/// The process's resident set (`VmRSS`) and its peak (`VmHWM`) in MiB, from /proc.
func residentMemoryMB() -> (current: Double, peak: Double) {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return (0, 0) }
    func field(_ name: String) -> Double {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return 0 }
        let kilobytes = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
        return kilobytes / 1024
    }
    return (field("VmRSS"), field("VmHWM"))
}

func format(_ value: Double, _ digits: Int = 0) -> String {
    String(format: "%.\(digits)f", value)
}

/// A fresh state directory under the temp directory, removed afterwards.
func withScratchDirectory<R>(_ body: (String) throws -> R) rethrows -> R {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("eddy-state-bench-\(UUID().uuidString)")
        .path
    defer { try? FileManager.default.removeItem(atPath: root) }
    return try body(root)
}
