import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The failures of isolated plugins' processes, as the worker needs them: the last one on
/// each thread (the stream thread that saw it decides whether to restart, after the failed
/// task's error reached it), and the restarts counted per plugin and reason for `/metrics`
/// (`eddy_plugin_restarts_total{plugin,reason}`).
public enum PluginCrashes {
    private static let lastByThread = Mutex<[pthread_t: PluginProcessFailure]>([:])
    private static let restarts = Mutex<[RestartKey: Int]>([:])

    /// A plugin's process failed on the calling thread.
    static func record(_ failure: PluginProcessFailure) {
        let thread = pthread_self()
        lastByThread.withLock { $0[thread] = failure }
    }

    /// The failure recorded on the calling thread since it last asked, if any (cleared).
    public static func takeForCurrentThread() -> PluginProcessFailure? {
        let thread = pthread_self()
        return lastByThread.withLock { $0.removeValue(forKey: thread) }
    }

    /// Counts a restart after `failure`.
    public static func countRestart(after failure: PluginProcessFailure) {
        restarts.withLock { $0[RestartKey(plugin: failure.plugin, reason: failure.reason), default: 0] += 1 }
    }

    /// Restarts so far, per plugin and reason.
    public static var restartCounts: [(plugin: String, reason: String, count: Int)] {
        restarts.withLock { map in
            map.map { (plugin: $0.key.plugin, reason: $0.key.reason, count: $0.value) }
                .sorted { ($0.plugin, $0.reason) < ($1.plugin, $1.reason) }
        }
    }

    private struct RestartKey: Hashable {
        let plugin: String
        let reason: String
    }
}
