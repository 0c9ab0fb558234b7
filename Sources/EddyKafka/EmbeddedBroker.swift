import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A running `eddy-broker`: the embedded development and test broker, as a child process.
///
/// `eddy-broker` is librdkafka's mock cluster with Eddy's patch that gives it Kafka's
/// transactional semantics (control records, `read_committed`, transactional offsets, fencing,
/// transaction timeouts, CreateTopics). It is memory-only and single-process: use it for
/// tests, demos and `bootstrap.servers: embedded`; production points at a real Kafka cluster.
///
/// The broker lives as long as this object: ``stop()`` or `deinit` terminates it, and it also
/// exits by itself when this process dies (it serves until its stdin closes). The control
/// methods (``setBrokerDown(_:)``, ``pushRequestErrors(apiKey:_:)``, ``committedOffset(group:topic:partition:)``
/// in `EmbeddedBroker+Control.swift`) block until the broker answers: call them from a
/// dedicated thread, not from Swift's cooperative pool.
public final class EmbeddedBroker: @unchecked Sendable {
    /// The `bootstrap.servers` string for clients, e.g. `127.0.0.1:39123,127.0.0.1:39124`.
    public let bootstrapServers: String
    /// The number of brokers; their ids are `1...brokerCount`.
    public let brokerCount: Int
    /// The `eddy-broker` binary this broker runs.
    public let executablePath: String

    private let process: Process
    private let stdinPipe = Pipe()
    private let stdoutPipe = Pipe()
    let channel: EmbeddedBrokerChannel
    private let lock = NSLock()
    private var stopped = false

    /// Starts `eddy-broker` and waits until it prints its bootstrap servers.
    ///
    /// - Parameters:
    ///   - brokers: how many brokers the cluster has (ids `1...brokers`).
    ///   - port: bind broker *i* to `127.0.0.1:port+i-1`; `nil` binds ephemeral ports.
    ///   - groupInitialRebalanceDelay: how long a new consumer group's first join round waits
    ///     for more members (Kafka's `group.initial.rebalance.delay.ms`).
    ///   - executable: the binary to run; `nil` finds it with ``locateExecutable()``.
    ///   - startupTimeout: how long to wait for the broker to come up.
    public init(
        brokers: Int = 1,
        port: Int? = nil,
        groupInitialRebalanceDelay: Duration = .zero,
        executable: String? = nil,
        startupTimeout: Duration = .seconds(30)
    ) throws(EmbeddedBrokerError) {
        guard brokers >= 1 else {
            throw .invalidArgument("brokers must be at least 1, got \(brokers)")
        }
        if let port, !(1...65535).contains(port + brokers - 1) || port < 1 {
            throw .invalidArgument("port \(port) with \(brokers) broker(s) leaves the range 1...65535")
        }
        let path: String
        if let executable { path = executable } else { path = try Self.locateExecutable() }
        executablePath = path
        brokerCount = brokers

        var arguments = [
            "--brokers", "\(brokers)",
            "--group-initial-rebalance-delay-ms", "\(groupInitialRebalanceDelay.milliseconds)",
        ]
        if let port { arguments += ["--port", "\(port)"] }

        process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        do {
            try process.run()
        } catch {
            throw .launchFailed(path: path, reason: "\(error)")
        }
        channel = EmbeddedBrokerChannel(
            input: stdinPipe.fileHandleForWriting.fileDescriptor,
            output: stdoutPipe.fileHandleForReading.fileDescriptor)

        let prefix = "bootstrap.servers="
        let first: String
        do {
            first = try channel.readLine(timeout: startupTimeout)
        } catch {
            Self.terminate(process, stdin: stdinPipe)
            throw .launchFailed(path: path, reason: "\(error) (its stderr says why)")
        }
        guard first.hasPrefix(prefix) else {
            Self.terminate(process, stdin: stdinPipe)
            throw .launchFailed(path: path, reason: "expected '\(prefix)…' as its first line, got '\(first)'")
        }
        bootstrapServers = String(first.dropFirst(prefix.count))
    }

    deinit { stop() }

    /// Terminates the broker and waits for it to exit. Its topics, offsets and transactions
    /// are gone; calling this again does nothing.
    public func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        stopped = true
        Self.terminate(process, stdin: stdinPipe)
    }

    /// Closes the broker's stdin, sends SIGTERM and waits for the process to exit.
    private static func terminate(_ process: Process, stdin: Pipe) {
        try? stdin.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    /// Runs one control command and returns the value of its `ok` reply.
    func control(_ command: String, timeout: Duration = .seconds(30)) throws(EmbeddedBrokerError) -> String {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { throw .control(command: command, reason: "the broker was stopped") }
        return try channel.request(command, timeout: timeout)
    }

    // MARK: - Finding the binary

    /// The path of the `eddy-broker` binary: `$EDDY_BROKER` if set, else
    /// `.build-broker/bin/eddy-broker` in the nearest directory, walking up from this
    /// executable's directory and then from the current directory.
    public static func locateExecutable() throws(EmbeddedBrokerError) -> String {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["EDDY_BROKER"], !path.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw .notFound(searched: ["$EDDY_BROKER=\(path) (not an executable file)"])
            }
            return path
        }
        var searched: [String] = []
        let starts = [
            Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent(),
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
        ].compactMap { $0 }
        for start in starts {
            var directory = start.standardizedFileURL
            while true {
                let candidate = directory.appendingPathComponent(".build-broker/bin/eddy-broker").path
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
                let parent = directory.deletingLastPathComponent()
                if parent.path == directory.path { break }
                directory = parent
            }
            searched.append("\(start.path) and its parents")
        }
        throw .notFound(searched: searched)
    }
}

/// Why an ``EmbeddedBroker`` could not start or answer.
public enum EmbeddedBrokerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No `eddy-broker` binary was found.
    case notFound(searched: [String])
    /// The binary could not be started or did not come up.
    case launchFailed(path: String, reason: String)
    /// A control command failed or got no answer.
    case control(command: String, reason: String)
    /// An argument was out of range.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .notFound(let searched):
            return
                "eddy-broker not found; build it with `bash broker/build.sh` (or set EDDY_BROKER to its path); searched: "
                + searched.joined(separator: "; ")
        case .launchFailed(let path, let reason):
            return "eddy-broker (\(path)) did not start: \(reason)"
        case .control(let command, let reason):
            return "eddy-broker control command '\(command)' failed: \(reason)"
        case .invalidArgument(let reason):
            return "invalid eddy-broker argument: \(reason)"
        }
    }
}
