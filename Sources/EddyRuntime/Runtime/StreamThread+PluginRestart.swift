import EddyIsolation
import Foundation

extension StreamThread {
    /// After `error` ended a session: when an isolated plugin's process failed on this thread
    /// (``PluginCrashes``) and ``pluginRestarts`` admits another restart, aborts the open
    /// transaction and closes the tasks (``closeSessionDirty()``), counts and logs the restart,
    /// waits the backoff and returns true, so the thread rejoins and reprocesses from the last
    /// commit with new plugin processes. Returns false to let the failure end the thread.
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
        let until = Date().addingTimeInterval(Double(delayMs) / 1000)
        while Date() < until, !isStopRequested {
            Thread.sleep(forTimeInterval: min(0.05, max(0, until.timeIntervalSinceNow)))
        }
        return true
    }
}
