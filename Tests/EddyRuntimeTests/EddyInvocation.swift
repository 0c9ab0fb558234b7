import Foundation

/// The built `eddy` executable run as a user runs it, for commands that end on their own
/// (`eddy store …`) and for workers armed with a crash point (`EDDY_FAULT`).
enum EddyInvocation {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `eddy arguments…` and waits (bounded) for it to exit.
    static func run(_ arguments: [String], in directory: TemporaryDirectory, timeout: Duration = .seconds(60)) throws -> Result {
        let out = (directory.path as NSString).appendingPathComponent("eddy-\(UUID().uuidString.prefix(8)).out")
        let err = out + ".err"
        let process = try launch(arguments, environment: [:], stdout: out, stderr: err)
        try wait(process, timeout: timeout) { "eddy \(arguments.joined(separator: " ")) did not exit within \(timeout)" }
        defer {
            try? FileManager.default.removeItem(atPath: out)
            try? FileManager.default.removeItem(atPath: err)
        }
        return Result(status: process.terminationStatus, stdout: try contents(out), stderr: try contents(err))
    }

    /// Runs `eddy run <app>` with `EDDY_FAULT=<fault>` until the crash point kills it, and
    /// returns its log; throws when it exits any other way or outlives `timeout`.
    static func runUntilKilled(
        app: String, instance: String, stateDir: String, fault: String, in directory: TemporaryDirectory,
        timeout: Duration = .seconds(120)
    ) throws -> String {
        let log = (directory.path as NSString).appendingPathComponent("\(instance)-faulty-\(UUID().uuidString.prefix(4)).log")
        let process = try launch(
            ["run", app, "--instance-id", instance, "--state-dir", stateDir, "--quiet"], environment: ["EDDY_FAULT": fault],
            stdout: log, stderr: log)
        try wait(process, timeout: timeout) { "the worker armed with EDDY_FAULT=\(fault) was not killed within \(timeout)" }
        let text = try contents(log)
        guard process.terminationReason == .uncaughtSignal, process.terminationStatus == SIGKILL else {
            throw WorkerError(
                description: "the worker armed with EDDY_FAULT=\(fault) exited with status \(process.terminationStatus) instead of "
                    + "being killed by SIGKILL; log:\n\(text.suffix(4000))")
        }
        return text
    }

    // MARK: - Private

    private static func launch(_ arguments: [String], environment: [String: String], stdout: String, stderr: String) throws -> Process {
        let eddy = URL(fileURLWithPath: productsDirectory).appendingPathComponent("eddy")
        guard FileManager.default.isExecutableFile(atPath: eddy.path) else {
            throw WorkerError(description: "\(eddy.path) not found: build it first with `swift build --build-tests`")
        }
        for file in Set([stdout, stderr]) { _ = FileManager.default.createFile(atPath: file, contents: nil) }
        let process = Process()
        process.executableURL = eddy
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        let outHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: stdout))
        process.standardOutput = outHandle
        process.standardError = stdout == stderr ? outHandle : try FileHandle(forWritingTo: URL(fileURLWithPath: stderr))
        try process.run()
        return process
    }

    private static func wait(_ process: Process, timeout: Duration, _ message: () -> String) throws {
        let exited = DispatchSemaphore(value: 0)
        Thread {
            process.waitUntilExit()
            exited.signal()
        }.start()
        guard exited.wait(timeout: .now() + .seconds(Int(timeout.components.seconds))) == .success else {
            kill(process.processIdentifier, SIGKILL)
            throw WorkerError(description: message())
        }
    }

    private static func contents(_ file: String) throws -> String {
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: file)), as: UTF8.self)
    }
}
