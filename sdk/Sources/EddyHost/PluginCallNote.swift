#if canImport(Glibc)
    import Glibc
#endif

/// Which plugin code a thread is running, so that a plugin that crashes a worker in-process
/// is named in the worker's last words: a node sets its note (``enter(_:)``) around its calls
/// into the plugin, and the handler ``installCrashHandlers()`` installs writes
/// `eddy: SIGSEGV<note>` to standard error before the signal takes its course.
///
/// The handler uses only async-signal-safe calls (`pthread_getspecific`, `write`,
/// `sigaction`) on memory made before the crash; it then restores the previous handler and
/// returns, so the faulting instruction (or `abort`'s second raise) ends the process as it
/// would have — the exit status still says which signal.
public enum PluginCallNote {
    /// A note: a NUL-terminated string, the text after the signal name (made with
    /// ``make(_:)``), owned by whoever entered it and valid while it is entered.
    public typealias Note = UnsafePointer<CChar>

    /// The thread-local slot holding the current note.
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// The handlers that were installed before ours, per signal number.
    nonisolated(unsafe) private static let previous = UnsafeMutablePointer<sigaction>.allocate(capacity: 65)

    private static let signals: [Int32] = [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP]

    /// A permanent copy of `text` as a note, e.g. ` in plugin X (processor p, node n)…\n`.
    public static func make(_ text: String) -> Note {
        UnsafePointer(strdup(text)!)
    }

    /// Frees a note made with ``make(_:)`` that no thread has entered.
    public static func release(_ note: Note) {
        free(UnsafeMutablePointer(mutating: note))
    }

    /// Makes `note` the calling thread's current note; returns the one it replaces, to give
    /// back to ``leave(_:)``.
    @inline(__always)
    public static func enter(_ note: Note?) -> UnsafeMutableRawPointer? {
        let outer = pthread_getspecific(key)
        pthread_setspecific(key, note.map { UnsafeRawPointer($0) })
        return outer
    }

    /// Restores the note ``enter(_:)`` replaced.
    @inline(__always)
    public static func leave(_ outer: UnsafeMutableRawPointer?) {
        pthread_setspecific(key, outer.map { UnsafeRawPointer($0) })
    }

    /// Installs the crash handler for SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT and SIGTRAP
    /// (once, at a worker's start).
    public static func installCrashHandlers() {
        _ = key
        for signal in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = handler
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(signal, &action, previous + Int(signal))
        }
    }

    private static let handler: @convention(c) (Int32) -> Void = { signal in
        if let note = pthread_getspecific(key) {
            let name: StaticString =
                switch signal {
                case SIGSEGV: "eddy: SIGSEGV"
                case SIGBUS: "eddy: SIGBUS"
                case SIGILL: "eddy: SIGILL"
                case SIGFPE: "eddy: SIGFPE"
                case SIGABRT: "eddy: SIGABRT"
                default: "eddy: SIGTRAP"
                }
            _ = write(STDERR_FILENO, name.utf8Start, name.utf8CodeUnitCount)
            _ = write(STDERR_FILENO, note, strlen(note.assumingMemoryBound(to: CChar.self)))
        }
        sigaction(signal, previous + Int(signal), nil)
    }
}
