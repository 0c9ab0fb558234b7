import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One build of an isolated plugin, seen from the worker: how to start its process, and the
/// processes running it, one per OS thread that created instances (a stream thread, or the
/// thread that trial-initializes a reload).
///
/// A thread's process starts with the thread's first instance and ends with its last close;
/// after a failure the next instance starts a new one. Processes are never shared between
/// threads, so a process serves one thread's calls, one at a time.
public final class IsolatedBuild: @unchecked Sendable {
    /// The plugin's name in the topology.
    public let plugin: String
    /// The sha256 of the build.
    public let sha256: String
    /// The `eddy` binary that serves it (this worker's own).
    let executable: String
    /// Arguments of `eddy plugin-host` that load and serve this build.
    let serveArguments: [String]
    /// `plugin.timeout.ms`.
    let timeoutMs: Int
    private let processes = Mutex<[pthread_t: ProcessBox]>([:])

    init(plugin: String, sha256: String, executable: String, serveArguments: [String], timeoutMs: Int) {
        self.plugin = plugin
        self.sha256 = sha256
        self.executable = executable
        self.serveArguments = serveArguments
        self.timeoutMs = timeoutMs
    }

    /// The calling thread's process, started if it has none or its last one failed.
    func process() throws(PluginProcessFailure) -> PluginProcess {
        let thread = pthread_self()
        if let running = processes.withLock({ $0[thread]?.process }), running.failure == nil { return running }
        let started = try PluginProcess.start(plugin: plugin, executable: executable, arguments: serveArguments)
        processes.withLock { $0[thread] = ProcessBox(process: started) }
        return started
    }

    /// An instance of `process` closed: the process ends with its last instance.
    func released(_ process: PluginProcess) {
        process.instanceCount -= 1
        guard process.instanceCount <= 0 else { return }
        processes.withLock { map in
            if let thread = map.first(where: { $0.value.process === process })?.key { map[thread] = nil }
        }
        process.shutDown()
    }

    /// The calling thread moved every use of this build to another one (a hot reload): its
    /// process ends now, or, while an instance of the build is still open on it, with that
    /// instance's close. Functions and nodes keep no instance, so without this the process of
    /// a thread that only called them would outlive the reload, idle, until the worker exits.
    func retireCallingThread() {
        let thread = pthread_self()
        guard let process = processes.withLock({ $0.removeValue(forKey: thread)?.process }) else { return }
        if process.instanceCount <= 0 { process.shutDown() }
    }

    /// Pids of the processes running now (for tests and `eddy plugin status`).
    public var runningPids: [Int32] {
        processes.withLock { $0.values.compactMap { $0.process.failure == nil ? $0.process.pid : nil } }
    }
}

/// A process kept in the map (used only by its own thread).
private struct ProcessBox: @unchecked Sendable {
    let process: PluginProcess
}
