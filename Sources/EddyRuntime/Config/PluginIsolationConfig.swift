/// Where each plugin's code runs, and how a worker treats a plugin process that fails:
///
/// ```yaml
/// plugins:
///   WordCount: {isolation: process}     # or in_process (the default)
/// plugin.timeout.ms: 30000               # a run of records must finish within this
/// plugin.max.restarts: 5                 # restarts of a plugin's processes allowed…
/// plugin.restart.window.ms: 300000       # …within this window, then the thread fails
/// ```
public struct PluginIsolationConfig: Sendable, Equatable {
    /// Where a plugin's code runs.
    public enum Isolation: String, Sendable, CaseIterable {
        /// `dlopen`ed into the worker (the default): fastest, but a crash of the plugin is a
        /// crash of the worker.
        case inProcess = "in_process"
        /// In `eddy plugin-host` children of the worker, one per stream thread: a crash or a
        /// hang costs a restart of the child and a retry from the last commit.
        case process
    }

    /// The plugins with `isolation: process`, by the name the topology uses.
    public var isolated: Set<String> = []
    /// `plugin.timeout.ms`: how long an isolated plugin may take for one run of records (or
    /// an init, a punctuation, a close, or its load) before the worker kills it with SIGKILL.
    public var timeoutMs = 30_000
    /// `plugin.max.restarts`: how many times a stream thread restarts isolated plugins'
    /// processes within `plugin.restart.window.ms` before the failure goes to
    /// `uncaught.exception.handler`.
    public var maxRestarts = 5
    /// `plugin.restart.window.ms`.
    public var restartWindowMs = 300_000
    /// The `eddy` binary whose hidden `plugin-host` subcommand runs isolated plugins; nil:
    /// this process's own binary (`/proc/self/exe`), which is right for `eddy run`. A program
    /// that embeds the runtime points it at an `eddy` binary of the same build.
    public var hostExecutable: String?

    public init() {}

    /// How a plugin runs.
    public func isolation(of plugin: String) -> Isolation {
        isolated.contains(plugin) ? .process : .inProcess
    }

    /// The app file's keys this reads.
    static let keys = ["plugins", "plugin.timeout.ms", "plugin.max.restarts", "plugin.restart.window.ms"]

    static func parse(_ r: YAMLReader) throws(AppConfigError) -> PluginIsolationConfig {
        var config = PluginIsolationConfig()
        if let plugins = try r.child("plugins") {
            for name in plugins.keys {
                guard let settings = try plugins.child(name) else { continue }
                try settings.rejectUnknownKeys(["isolation"])
                if try settings.choice("isolation", Isolation.self) == .process { config.isolated.insert(name) }
            }
        }
        config.timeoutMs = try r.int("plugin.timeout.ms", range: 10...3_600_000) ?? config.timeoutMs
        config.maxRestarts = try r.int("plugin.max.restarts", range: 0...1_000_000) ?? config.maxRestarts
        config.restartWindowMs =
            try r.int("plugin.restart.window.ms", range: 1000...86_400_000) ?? config.restartWindowMs
        return config
    }
}
