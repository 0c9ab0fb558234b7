import Foundation

/// `eddy run` as a separate process, so tests can stop it gracefully or kill it with SIGKILL.
final class WorkerProcess {
    let process = Process()
    let logPath: String

    /// Starts `eddy run <app> --instance-id <instance>` with a state directory of its own (as on
    /// its own machine), logging to a file in `directory`.
    init(app: String, instance: String, directory: TemporaryDirectory, environment: [String: String] = [:]) throws {
        let eddy = URL(fileURLWithPath: productsDirectory).appendingPathComponent("eddy")
        guard FileManager.default.isExecutableFile(atPath: eddy.path) else {
            throw WorkerError(description: "\(eddy.path) not found: build it first with `swift build --build-tests`")
        }
        logPath = (directory.path as NSString).appendingPathComponent("\(instance)-\(UUID().uuidString.prefix(4)).log")
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.executableURL = eddy
        process.arguments = ["run", app, "--instance-id", instance, "--state-dir", (directory.path as NSString).appendingPathComponent("state-\(instance)"), "--quiet"]
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// SIGKILL: no commit, no leaving the group, an open transaction left behind.
    func crash() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM, then waits (bounded) for a clean exit; returns the exit status.
    func stop(timeout: Duration = .seconds(60)) throws -> Int32 {
        kill(process.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now.advanced(by: timeout)
        let exited = DispatchSemaphore(value: 0)
        Thread { [process] in
            process.waitUntilExit()
            exited.signal()
        }.start()
        guard exited.wait(timeout: .now() + .seconds(Int((deadline - .now).components.seconds))) == .success else {
            throw WorkerError(description: "worker did not stop within \(timeout); log: \(log)")
        }
        return process.terminationStatus
    }

    /// Waits (bounded) for a worker armed with a crash point (`EDDY_FAULT`) to be killed by
    /// it, and returns its log; throws when it exits any other way or outlives `timeout`.
    func waitUntilKilled(timeout: Duration = .seconds(120)) throws -> String {
        let exited = DispatchSemaphore(value: 0)
        Thread { [process] in
            process.waitUntilExit()
            exited.signal()
        }.start()
        guard exited.wait(timeout: .now() + .seconds(Int(timeout.components.seconds))) == .success else {
            kill(process.processIdentifier, SIGKILL)
            throw WorkerError(description: "the worker armed with a crash point was not killed within \(timeout); log:\n\(log.suffix(4000))")
        }
        guard process.terminationReason == .uncaughtSignal, process.terminationStatus == SIGKILL else {
            throw WorkerError(
                description: "the worker armed with a crash point exited with status \(process.terminationStatus) instead of "
                    + "being killed by SIGKILL; log:\n\(log.suffix(4000))")
        }
        return log
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Waits (bounded) until the worker's log contains `text`, e.g. until it owns a task.
    func waitForLog(_ text: String, timeout: Duration = .seconds(60)) throws {
        try waitUntil("the worker log shows '\(text)'", timeout: timeout, detail: { "; log:\n\(self.log.suffix(4000))" }) {
            guard process.isRunning || log.contains(text) else {
                throw WorkerError(description: "the worker exited before its log showed '\(text)'; log:\n\(log.suffix(4000))")
            }
            return log.contains(text)
        }
    }
}

struct WorkerError: Error, CustomStringConvertible {
    let description: String
}
