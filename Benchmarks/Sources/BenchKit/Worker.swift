import Foundation

/// One `eddy run` worker process, logging to a file that the benchmark watches for the
/// runtime's own lines ("task 0_3 created (…)", "restored …").
public final class Worker {
    public let process = Process()
    public let logPath: String
    /// When the process was launched.
    public let launched: ContinuousClock.Instant

    public init(eddy: String, app: String, instance: String, stateDir: String, logPath: String) throws {
        self.logPath = logPath
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.executableURL = URL(fileURLWithPath: eddy)
        process.arguments = ["run", app, "--instance-id", instance, "--state-dir", stateDir, "--quiet"]
        var environment = ProcessInfo.processInfo.environment
        environment["EDDY_LOG_LEVEL"] = "info"
        process.environment = environment
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        launched = .now
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// The log lines that contain `text`.
    public func lines(containing text: String) -> [String] {
        log.split(separator: "\n").filter { $0.contains(text) }.map(String.init)
    }

    /// Polls the log every 2 ms until `count` lines contain `text`; returns when that was
    /// seen, or throws after `timeout` or when the worker exits.
    @discardableResult
    public func waitForLines(_ text: String, count: Int = 1, timeout: Duration = .seconds(600)) throws
        -> ContinuousClock.Instant
    {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while lines(containing: text).count < count {
            guard process.isRunning, ContinuousClock.now < deadline else {
                throw BenchError("worker never logged \(count) × '\(text)'; log:\n\(log.suffix(3000))")
            }
            usleep(2000)
        }
        return .now
    }

    /// Polls the log every 2 ms until `count` lines contain `text`; returns when each of them
    /// was first seen.
    public func waitForEach(_ text: String, count: Int, timeout: Duration = .seconds(600)) throws -> [ContinuousClock
        .Instant]
    {
        var seen: [ContinuousClock.Instant] = []
        while seen.count < count {
            try waitForLines(text, count: seen.count + 1, timeout: timeout)
            let now = ContinuousClock.now
            seen += Array(repeating: now, count: min(count, lines(containing: text).count) - seen.count)
        }
        return seen
    }

    /// kill -9: no commit, an open transaction left behind.
    public func crash() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM and wait for the clean exit.
    public func stop() {
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
    }
}

public struct BenchError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Seconds between two instants, as a Double.
public func seconds(_ from: ContinuousClock.Instant, _ to: ContinuousClock.Instant) -> Double {
    let d = to - from
    return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

public func format(_ value: Double, _ digits: Int = 0) -> String {
    String(format: "%.\(digits)f", value)
}

/// A scratch directory for one measurement, removed afterwards.
public func withScratchDirectory<R>(_ name: String, _ body: (String) throws -> R) throws -> R {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8))")
        .path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}
