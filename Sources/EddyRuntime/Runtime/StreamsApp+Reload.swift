import EddyPlugins
import Foundation
import Logging

/// Hot reload: swapping a plugin's code while the worker runs, with no rebalance, no
/// restore, and every record processed by exactly one build.
extension StreamsApp {
    /// Loads the plugin's new build (from `file`, or its file in `plugins.dir`), checks it
    /// against the running topology, and swaps every stream thread to it at its next commit
    /// boundary.
    ///
    /// - Returns: nil when the file is the build already running.
    /// - Throws: ``ReloadError`` with the reason when the build is refused; the running build
    ///   then stays on every thread.
    @discardableResult
    public func reload(_ name: String, file: String? = nil) throws -> ReloadReport? {
        try reloads.withLock { _ in
            let candidate: PluginSet.Candidate?
            do {
                candidate = try plugins.candidate(name, file: file, config: config, topology: topology)
            } catch let error as ReloadError {
                plugins.refused(name, error.reason)
                logger.error("\(error)")
                throw error
            }
            guard let candidate else { return nil }
            return try swap(to: candidate)
        }
    }

    /// Swaps back to the build that ran before the current one.
    @discardableResult
    public func rollback(_ name: String) throws -> ReloadReport {
        try reloads.withLock { _ in try swap(to: try plugins.previous(name)) }
    }

    /// Reloads every plugin whose file in `plugins.dir` is not the build running (SIGHUP).
    public func reloadChanged() -> [Result<ReloadReport?, any Error>] {
        plugins.plugins.keys.sorted().map { name in Result { try reload(name) } }
    }

    /// Each plugin's current build, the builds held in memory and the last refusal.
    public func pluginStatus() -> [PluginStatus] { plugins.status() }

    // MARK: - Private

    private func swap(to candidate: PluginSet.Candidate) throws -> ReloadReport {
        let from = PluginVersion(plugins.plugins[candidate.name]!)
        let requests = threads.map { thread in
            let swap = PluginSwap(candidate)
            thread.requestSwap(swap)
            return (thread, swap)
        }
        let timeout = Duration.milliseconds(config.commitIntervalMs) + .seconds(60)
        var reports: [PluginSwapReport] = []
        var failure: ReloadError?
        var swapped: [StreamThread] = []
        for (thread, swap) in requests {
            switch swap.wait(timeout: timeout) {
            case .success(let report):
                reports.append(report)
                swapped.append(thread)
            case .failure(let error):
                failure = failure ?? error
            }
        }
        if let failure {
            // Put the threads that already moved back on the running build.
            let back = PluginSet.Candidate(name: candidate.name, plugin: plugins.plugins[candidate.name]!)
            for thread in swapped {
                let undo = PluginSwap(back)
                thread.requestSwap(undo)
                if case .failure(let error) = undo.wait(timeout: timeout) {
                    logger.critical("thread \(thread.index) could not return to \(from): \(error)")
                }
            }
            plugins.refused(candidate.name, failure.reason)
            logger.error("\(failure)")
            throw failure
        }
        plugins.adopt(candidate)
        let report = ReloadReport(
            plugin: candidate.name, from: from, to: PluginVersion(candidate.plugin), threads: reports)
        reloadCount.add(1, ordering: .relaxed)
        let replaced = reports.reduce(into: [PluginVersion: Int]()) { $0.merge($1.processedByReplaced) { $0 + $1 } }
        logger.notice(
            "reloaded \(report); records processed by the replaced build: \(replaced.map { "\($0.key): \($0.value)" }.joined(separator: ", "))"
        )
        return report
    }
}
