import ArgumentParser
import Dispatch
import EddyRuntime
import EddyServer
import Foundation
import Logging

/// `eddy run app.yaml`: run a worker node of an application until SIGINT/SIGTERM.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a worker of an application; workers with the same application.id share the partitions.")

    @Argument(help: "The application file.") var app: String
    @Option(
        name: .customLong("instance-id"),
        help: "Override instance.id (a worker's stable identity; default: the one kept in its state.dir).")
    var instanceId: String?
    @Option(name: .customLong("state-dir"), help: "Override state.dir (e.g. to run several workers on one machine).")
    var stateDir: String?
    @Flag(name: .customLong("quiet"), help: "No progress line.") var quiet = false

    func run() throws {
        MallocTuning.apply()
        StreamsApp.installPluginCrashHandlers()
        CommandLogging.bootstrap(defaultLevel: .info)
        let logger = Logger(label: "eddy.run")
        let streams: StreamsApp
        do {
            var config = try AppConfig.load(path: app)
            if let instanceId { config.instanceId = instanceId }
            if let stateDir { config.stateDir = stateDir }
            streams = try StreamsApp(config: config, logger: logger)
            try streams.start()
        } catch {
            throw WorkerExit.couldNotStart(error)
        }
        let admin = try AdminSocket(app: streams, logger: logger)
        defer { admin.stop() }
        let endpoint: WorkerEndpoint?
        do {
            endpoint = try streams.config.operations.server.map { server in
                try WorkerEndpoint(
                    app: streams, bind: streams.config.operations.serverBind, port: server.port, logger: logger)
            }
        } catch {
            streams.requestStop()
            _ = streams.join()
            throw WorkerExit.couldNotStart(error)
        }
        defer { endpoint?.stop() }
        logger.info(
            "admin socket: \(admin.path) (eddy plugin reload|rollback|status --app \(app)\(stateDir.map { " --state-dir \($0)" } ?? ""))"
        )

        let stop: @Sendable (Int32) -> Void = { signal in
            logger.info("received signal \(signal): committing and leaving the group")
            streams.requestStop()
        }
        let sources = [SIGINT, SIGTERM].map { number -> DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { stop(number) }
            source.resume()
            return source
        }
        signal(SIGHUP, SIG_IGN)
        let hangup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        hangup.setEventHandler {
            logger.info("received SIGHUP: reloading every plugin whose file changed")
            for result in streams.reloadChanged() {
                if case .failure(let error) = result { logger.error("\(error)") }
            }
        }
        hangup.resume()
        defer { (sources + [hangup]).forEach { $0.cancel() } }

        let done = DispatchSemaphore(value: 0)
        Thread {
            _ = streams.join()
            done.signal()
        }.start()
        let meter = ProgressMeter(interactive: isatty(STDERR_FILENO) != 0, quiet: quiet)
        while done.wait(timeout: .now() + .seconds(1)) == .timedOut {
            meter.report(streams.progress())
        }
        meter.finish(streams.progress())
        try WorkerExit.check(streams.stopCause ?? .requested)
    }
}

/// Prints records/s, lag and tasks: every second in place on a terminal, every 10 seconds as
/// a log line otherwise.
final class ProgressMeter {
    private let interactive: Bool
    private let quiet: Bool
    private var lastCount = 0
    private var lastTime = ContinuousClock.now
    private var restoreMeter = RestoreMeter()

    init(interactive: Bool, quiet: Bool) {
        self.interactive = interactive
        self.quiet = quiet
    }

    func report(_ progress: StreamsApp.Progress) {
        let elapsed = ContinuousClock.now - lastTime
        guard !quiet, elapsed >= (interactive ? .seconds(1) : .seconds(10)) else { return }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = Int(Double(progress.processed - lastCount) / seconds)
        lastCount = progress.processed
        lastTime = .now
        let restoring = restoreMeter.line(progress, seconds: seconds).map { $0 + "; " } ?? ""
        let line =
            restoring
            + "processed \(progress.processed) records (\(rate)/s), lag \(progress.totalLag), tasks \(progress.tasks), commits \(progress.commits), restored \(progress.restored), failed \(progress.failed), dropped \(progress.dropped)"
        FileHandle.standardError.write(Data((interactive ? "\r\u{1B}[K" + line : line + "\n").utf8))
    }

    func finish(_ progress: StreamsApp.Progress) {
        guard !quiet else { return }
        FileHandle.standardError.write(
            Data(((interactive ? "\n" : "") + "stopped after \(progress.processed) records\n").utf8))
    }
}

/// The restoration part of the progress line: `restoring 2 tasks: 400000/1000000 (40%), ETA 1.2 s`,
/// the ETA from the rate since the previous report.
struct RestoreMeter {
    private var lastDone = 0

    mutating func line(_ progress: StreamsApp.Progress, seconds: Double) -> String? {
        defer { lastDone = progress.restoreDone }
        guard progress.restoringTasks > 0, progress.restoreTotal > 0 else { return nil }
        let rate = seconds > 0 ? Double(max(0, progress.restoreDone - lastDone)) / seconds : 0
        let remaining = progress.restoreTotal - progress.restoreDone
        let eta = rate > 0 ? String(format: "ETA %.1f s", Double(remaining) / rate) : "ETA unknown"
        let tasks = progress.restoringTasks == 1 ? "1 task" : "\(progress.restoringTasks) tasks"
        return
            "restoring \(tasks): \(progress.restoreDone)/\(progress.restoreTotal) (\(progress.restoreDone * 100 / progress.restoreTotal)%), \(eta)"
    }
}
