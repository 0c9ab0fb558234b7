import Foundation

/// Runs the `eddy` executable built next to this test bundle, as a user would.
struct EddyProcess {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The build products directory: the test runner lives there.
    static let productsDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()

    static var executable: URL {
        get throws {
            let url = productsDirectory.appendingPathComponent("eddy")
            guard FileManager.default.isExecutableFile(atPath: url.path) else {
                throw MissingExecutable(path: url.path)
            }
            return url
        }
    }

    struct MissingExecutable: Error, CustomStringConvertible {
        let path: String
        var description: String { "\(path) not found: build it first with `swift build --build-tests`" }
    }

    /// Runs `eddy arguments…` with `input` on stdin and waits for it to exit (bounded).
    static func run(_ arguments: [String], input: String = "", timeout: Duration = .seconds(60)) throws -> Result {
        let process = Process()
        process.executableURL = try executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["EDDY_LOG_LEVEL"] = "critical"
        process.environment = environment
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let out = Reader(stdout.fileHandleForReading), err = Reader(stderr.fileHandleForReading)
        if exited.wait(timeout: .now() + .seconds(Int(timeout.components.seconds))) == .timedOut {
            process.terminate()
            throw TimedOut(arguments: arguments)
        }
        return Result(status: process.terminationStatus, stdout: out.finish(), stderr: err.finish())
    }

    struct TimedOut: Error, CustomStringConvertible {
        let arguments: [String]
        var description: String { "eddy \(arguments.joined(separator: " ")) did not exit in time" }
    }

    /// Drains a pipe on a background thread so a chatty child never blocks on a full pipe.
    final class Reader: @unchecked Sendable {
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
