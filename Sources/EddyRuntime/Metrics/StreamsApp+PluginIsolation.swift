import EddyHost
import EddyIsolation

extension StreamsApp {
    /// Restarts of isolated plugins' processes so far, per plugin and reason (the signal's
    /// name, `exit`, `timeout`), for `eddy_plugin_restarts_total`. Counted per worker process.
    public var pluginRestarts: [(plugin: String, reason: String, count: Int)] {
        PluginCrashes.restartCounts
    }

    /// Makes a crash inside a plugin's code running in this process name the plugin on
    /// standard error before the process dies (see ``PluginCallNote``). `eddy run` calls it.
    public static func installPluginCrashHandlers() {
        PluginCallNote.installCrashHandlers()
    }
}
