import EddyIsolation
import Foundation

/// When a stream thread restarts after an isolated plugin's process failed (crashed, exited,
/// or outlived `plugin.timeout.ms`): like a task failure it can retry, it aborts the open
/// transaction, closes its tasks (their processes end), waits a backoff — 100 ms, doubling
/// per restart in the window, at most 10 s — and rejoins, so the tasks start new processes and
/// reprocess from the last commit. More than `plugin.max.restarts` restarts within
/// `plugin.restart.window.ms` and the failure goes to `uncaught.exception.handler` instead.
///
/// Owned by one stream thread.
struct PluginRestartPolicy {
    let maxRestarts: Int
    let windowMs: Int
    /// When the restarts in the window happened (monotonic ms).
    private var recent: [Int64] = []

    init(_ config: PluginIsolationConfig) {
        maxRestarts = config.maxRestarts
        windowMs = config.restartWindowMs
    }

    /// The backoff before the next restart, or nil when the limit is reached.
    mutating func admit(now: Int64 = Self.now()) -> (delayMs: Int, restart: Int)? {
        recent.removeAll { now - $0 >= Int64(windowMs) }
        guard recent.count < maxRestarts else { return nil }
        recent.append(now)
        let delay = min(10_000, 100 << min(recent.count - 1, 7))
        return (delay, recent.count)
    }

    static func now() -> Int64 {
        Int64(ProcessInfo.processInfo.systemUptime * 1000)
    }
}
