import Foundation

/// Runs a command to completion with a bounded wait, capturing its output.
enum CommandRunner {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    struct TimedOut: Error, CustomStringConvertible {
        let command: String
        let seconds: Int
        var description: String { "\(command) did not finish within \(seconds) s" }
    }

    static func run(
        _ executable: String, _ arguments: [String], in directory: String? = nil, environment: [String: String] = [:],
        timeoutSeconds: Int = 60
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, override in override }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        let out = Drain(stdout.fileHandleForReading)
        let err = Drain(stderr.fileHandleForReading)
        if exited.wait(timeout: .now() + .seconds(timeoutSeconds)) == .timedOut {
            process.terminate()
            throw TimedOut(command: ([executable] + arguments).joined(separator: " "), seconds: timeoutSeconds)
        }
        return Result(status: process.terminationStatus, stdout: out.finish(), stderr: err.finish())
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
