import EddyTestSupport
import Foundation

/// `eddy run` as a separate process, so tests can stop it gracefully or kill it with SIGKILL.
final class WorkerProcess {
    let process = Process()
    let logPath: String

    /// Starts `eddy run <app> --instance-id <instance>` with a state directory of its own (as on
    /// its own machine), `directory/state-<instance>`, logging to a file in `directory`. Without
    /// `givingInstanceId` the worker takes the identity kept in that state directory instead.
    init(
        app: String, instance: String, directory: TemporaryDirectory, givingInstanceId: Bool = true,
        environment: [String: String] = [:]
    ) throws {
        let eddy = URL(fileURLWithPath: productsDirectory).appendingPathComponent("eddy")
        guard FileManager.default.isExecutableFile(atPath: eddy.path) else {
            throw WorkerError(description: "\(eddy.path) not found: build it first with `swift build --build-tests`")
        }
        logPath = (directory.path as NSString).appendingPathComponent("\(instance)-\(UUID().uuidString.prefix(4)).log")
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.executableURL = eddy
        let stateDir = (directory.path as NSString).appendingPathComponent("state-\(instance)")
        process.arguments =
            ["run", app] + (givingInstanceId ? ["--instance-id", instance] : []) + ["--state-dir", stateDir, "--quiet"]
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

    /// SIGCONT: a worker stopped by a `stop-…` fault point (`EDDY_FAULT`) carries on.
    func resume() {
        kill(process.processIdentifier, SIGCONT)
    }

    /// SIGTERM, then waits (bounded) for a clean exit; returns the exit status.
    func stop(timeout: Duration = .seconds(60)) throws -> Int32 {
        kill(process.processIdentifier, SIGTERM)
        guard exits(within: timeout) else {
            throw WorkerError(description: "worker did not stop within \(timeout); log: \(log)")
        }
        return process.terminationStatus
    }

    /// Waits (bounded) for the worker to exit on its own; returns its exit status.
    func exitStatus(within timeout: Duration = .seconds(60)) throws -> Int32 {
        guard exits(within: timeout) else {
            throw WorkerError(description: "the worker did not exit within \(timeout); log:\n\(log.suffix(4000))")
        }
        return process.terminationStatus
    }

    /// Waits (bounded) for a worker armed with a crash point (`EDDY_FAULT`) to be killed by
    /// it, and returns its log; throws when it exits any other way or outlives `timeout`.
    func waitUntilKilled(timeout: Duration = .seconds(120)) throws -> String {
        guard exits(within: timeout) else {
            kill(process.processIdentifier, SIGKILL)
            throw WorkerError(
                description:
                    "the worker armed with a crash point was not killed within \(timeout); log:\n\(log.suffix(4000))")
        }
        guard process.terminationReason == .uncaughtSignal, process.terminationStatus == SIGKILL else {
            throw WorkerError(
                description:
                    "the worker armed with a crash point exited with status \(process.terminationStatus) instead of "
                    + "being killed by SIGKILL; log:\n\(log.suffix(4000))")
        }
        return log
    }

    /// Whether the process exits within `timeout`.
    private func exits(within timeout: Duration) -> Bool {
        let exited = DispatchSemaphore(value: 0)
        Thread { [process] in
            process.waitUntilExit()
            exited.signal()
        }.start()
        return exited.wait(timeout: .now() + .seconds(Int(timeout.components.seconds))) == .success
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Waits (bounded) until the worker's log contains `text`, e.g. until it owns a task.
    func waitForLog(_ text: String, timeout: Duration = .seconds(60)) throws {
        try waitUntil(
            "the worker log shows '\(text)'", timeout: timeout, detail: { "; log:\n\(self.log.suffix(4000))" }
        ) {
            guard process.isRunning || log.contains(text) else {
                throw WorkerError(
                    description: "the worker exited before its log showed '\(text)'; log:\n\(log.suffix(4000))")
            }
            return log.contains(text)
        }
    }
}

struct WorkerError: Error, CustomStringConvertible {
    let description: String
}
