import Foundation

/// Runs a program to completion as a user would — the built `eddy`, a compiler — with a
/// bounded wait, capturing its output. Shared by the test targets.
public enum ProcessRunner {
    public struct Result: Sendable {
        /// The exit status, or the signal's number when a signal ended the program.
        public var status: Int32
        /// The signal that ended the program (SIGBUS for a crash in `dlopen`), or nil when it exited.
        public var signal: Int32?
        public var stdout: String
        public var stderr: String
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The build products directory: the test runner lives there, next to `eddy` and the plugins.
    public static let productsDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .path

    /// The built `eddy` executable, or a clear error when it was not built.
    public static func eddy() throws -> String {
        let path = (productsDirectory as NSString).appendingPathComponent("eddy")
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw Failure(description: "\(path) not found: build it first with `swift build --build-tests`")
        }
        return path
    }

    /// Runs `eddy arguments…` (see ``run(_:_:input:in:environment:timeout:)``).
    public static func eddy(
        _ arguments: [String], input: String? = nil, environment: [String: String] = [:],
        timeout: Duration = .seconds(60)
    ) throws -> Result {
        try run(try eddy(), arguments, input: input, environment: environment, timeout: timeout)
    }

    /// Runs `executable arguments…` with `input` on stdin (or none), waits up to `timeout` for
    /// it to exit (killing it and throwing after that), and returns its status and output.
    public static func run(
        _ executable: String, _ arguments: [String], input: String? = nil, in directory: String? = nil,
        environment: [String: String] = [:], timeout: Duration = .seconds(60)
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, override in override }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        process.standardOutput = stdout
        process.standardError = stderr
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        let out = Drain(stdout.fileHandleForReading), err = Drain(stderr.fileHandleForReading)
        if let input {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
        }
        if exited.wait(timeout: .now() + .seconds(Int(timeout.components.seconds))) == .timedOut {
            process.terminate()
            throw Failure(
                description: "\(([executable] + arguments).joined(separator: " ")) did not exit within \(timeout)")
        }
        return Result(
            status: process.terminationStatus,
            signal: process.terminationReason == .uncaughtSignal ? process.terminationStatus : nil,
            stdout: out.finish(), stderr: err.finish())
    }

    /// Reads a pipe on its own thread so a chatty child never blocks on a full pipe.
    final class Drain: @unchecked Sendable {
        private var data = Data()
        private let done = DispatchSemaphore(value: 0)

        init(_ handle: FileHandle) {
            Thread { [self] in
                data = handle.readDataToEndOfFile()
                done.signal()
            }.start()
        }

        func finish() -> String {
            done.wait()
            return String(decoding: data, as: UTF8.self)
        }
    }
}
