import EddyIsolation
import Foundation

extension StreamThread {
    /// Runs `body` (processing or punctuating), and when an isolated plugin's process failed in
    /// it (``PluginCrashes``) restarts the plugin in place: the assignment and the group
    /// membership stay, so no worker of the group rebalances. Rethrows any other error, and
    /// the failure itself once `plugin.max.restarts` is reached.
    func recoveringPluginFailures(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch {
            guard try restartPluginInPlace(after: error) else { throw error }
        }
    }

    /// After `error` ended a step of the session: when an isolated plugin's process failed on
    /// this thread and ``pluginRestarts`` admits another restart, aborts the open transaction,
    /// counts and logs the restart, waits the backoff, and rewinds every task to its last
    /// committed offsets (``rewindAllTasks()``, as after an aborted commit): the tasks close,
    /// which ends their plugin processes, and reopen with new ones, restoring their stores'
    /// committed state and reprocessing from the last commit. Returns false when no plugin
    /// failed, or when the limit is reached (logged; the error then ends the thread).
    func restartPluginInPlace(after error: any Error) throws -> Bool {
        guard let crash = PluginCrashes.takeForCurrentThread() else { return false }
        guard let (delayMs, restart) = pluginRestarts.admit() else {
            logger.error(
                "plugin \(crash.plugin): \(crash) — \(pluginRestarts.maxRestarts) restarts within plugin.restart.window.ms (\(pluginRestarts.windowMs) ms) reached (plugin.max.restarts); the thread fails"
            )
            return false
        }
        logger.error(
            "plugin \(crash.plugin): \(crash) — aborting the open transaction and restarting its process in \(delayMs) ms, then reprocessing from the last commit without leaving the group (restart \(restart) of plugin.max.restarts \(pluginRestarts.maxRestarts) within \(pluginRestarts.windowMs) ms)"
        )
        if config.isExactlyOnce, collector.inTransaction {
            try producer.abortTransaction(timeout: .seconds(60))
            collector.transactionEnded()
        }
        PluginCrashes.countRestart(after: crash)
        backOff(delayMs)
        try rewindAllTasks()
        failing = false
        return true
    }

    /// After `error` ended a session (a plugin's process failed outside processing and
    /// punctuating, e.g. in `init` while a rebalance opened a task): when ``pluginRestarts``
    /// admits another restart, aborts the open transaction and closes the tasks
    /// (``closeSessionDirty()``), counts and logs the restart, waits the backoff and returns
    /// true, so the thread rejoins and reprocesses from the last commit with new plugin
    /// processes. Returns false to let the failure end the thread.
    func restartAfterPluginFailure(_ error: any Error) -> Bool {
        guard let crash = PluginCrashes.takeForCurrentThread() else { return false }
        guard let (delayMs, restart) = pluginRestarts.admit() else {
            logger.error(
                "plugin \(crash.plugin): \(crash) — \(pluginRestarts.maxRestarts) restarts within plugin.restart.window.ms (\(pluginRestarts.windowMs) ms) reached (plugin.max.restarts); the thread fails"
            )
            return false
        }
        logger.error(
            "plugin \(crash.plugin): \(crash) — aborting the open transaction and restarting its process in \(delayMs) ms, then reprocessing from the last commit (restart \(restart) of plugin.max.restarts \(pluginRestarts.maxRestarts) within \(pluginRestarts.windowMs) ms)"
        )
        closeSessionDirty()
        PluginCrashes.countRestart(after: crash)
        backOff(delayMs)
        return true
    }

    /// Waits `delayMs` before a restart, or less when the thread is asked to stop.
    private func backOff(_ delayMs: Int) {
        let until = Date().addingTimeInterval(Double(delayMs) / 1000)
        while Date() < until, !isStopRequested {
            Thread.sleep(forTimeInterval: min(0.05, max(0, until.timeIntervalSinceNow)))
        }
    }
}
