#if canImport(Glibc)
    import Glibc
#endif

/// Why an isolated plugin's process stopped serving: it was killed by a signal (a crash:
/// SIGSEGV, SIGABRT from `abort`, SIGILL/SIGTRAP from a Swift `fatalError` or trap), exited,
/// did not answer within `plugin.timeout.ms`, or could not be started.
public struct PluginProcessFailure: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        case killed(signal: Int32, during: String)
        case exited(status: Int32, during: String)
        case timedOut(timeoutMs: Int, during: String)
        case protocolBroken(String)
        case startFailed(String)
        /// Closed by the worker (not a failure of the plugin).
        case closed
    }

    /// The plugin's name in the topology.
    public let plugin: String
    public var pid: pid_t = 0
    public let kind: Kind

    init(plugin: String, pid: pid_t = 0, kind: Kind) {
        self.plugin = plugin
        self.pid = pid
        self.kind = kind
    }

    /// The `reason` label of `eddy_plugin_restarts_total`: the signal's name, `exit`,
    /// `timeout`, `protocol` or `start`.
    public var reason: String {
        switch kind {
        case .killed(let signal, _): Self.signalName(signal)
        case .exited: "exit"
        case .timedOut: "timeout"
        case .protocolBroken: "protocol"
        case .startFailed: "start"
        case .closed: "closed"
        }
    }

    public var description: String {
        let process = "isolated plugin \(plugin) (process \(pid))"
        switch kind {
        case .killed(let signal, let during):
            return "\(process) was killed by signal \(signal) (\(Self.signalName(signal))) during \(during)"
        case .exited(let status, let during):
            return "\(process) exited with status \(status) during \(during)"
        case .timedOut(let timeoutMs, let during):
            return
                "\(process) did not finish \(during) within plugin.timeout.ms (\(timeoutMs) ms); it was killed with SIGKILL"
        case .protocolBroken(let what):
            return "\(process) broke the isolation protocol (\(what)); it was killed with SIGKILL"
        case .startFailed(let what):
            return "cannot start the process of isolated plugin \(plugin): \(what)"
        case .closed:
            return "\(process) was closed by the worker"
        }
    }

    /// `SIGSEGV` for 11, and so on; `SIG<n>` for others.
    public static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGSEGV: "SIGSEGV"
        case SIGABRT: "SIGABRT"
        case SIGILL: "SIGILL"
        case SIGTRAP: "SIGTRAP"
        case SIGBUS: "SIGBUS"
        case SIGFPE: "SIGFPE"
        case SIGKILL: "SIGKILL"
        case SIGTERM: "SIGTERM"
        default: "SIG\(signal)"
        }
    }
}
