import EddySDK

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The host's side of one processor instance: what the `eddy_host_api` functions act on
/// when a plugin calls them with this instance's `eddy_context`.
///
/// Holds the task identity, the validated config, the instance's stores, its punctuation
/// schedules and the error slot. Subclass it to decide where forwarded records go (the
/// runtime sends them to child nodes; the test driver records them) and where logs and
/// metrics go. Used only on the stream thread that owns the task.
open class HostContext {
    /// The task id, e.g. `1_3`.
    public let taskId: String
    /// The application id.
    public let applicationId: String
    /// The config values (validated, defaults applied).
    public let config: [String: String]
    /// Stream time (ms): the largest record timestamp the task has seen, -1 before any.
    /// Advanced by whoever drives the task.
    public var streamTime: Int64 = -1
    /// The message the plugin gave with `set_error` in the current callback, if any.
    public internal(set) var lastError: String?
    /// Counters the instance reported with `counter_add`.
    public private(set) var counters: [String: Int64] = [:]
    /// Gauges the instance reported with `gauge_set`.
    public private(set) var gauges: [String: Double] = [:]
    /// Whether the instance asked for a commit since this flag was last cleared.
    public var commitRequested = false

    let stores: [String: HostStore]
    let schedules = PunctuationSchedules()
    let scratch = ScratchBuffer()
    var openIterators: [UnsafeMutableRawPointer: OpenIterator] = [:]
    private let lentStrings: LentStrings

    /// Creates the context of one instance.
    ///
    /// - Parameters:
    ///   - taskId: e.g. `1_3`.
    ///   - applicationId: the app's `application.id`.
    ///   - config: config values, already validated against the processor's keys.
    ///   - stores: the instance's stores, by name.
    public init(taskId: String, applicationId: String, config: [String: String], stores: [HostStore]) {
        self.taskId = taskId
        self.applicationId = applicationId
        self.config = config
        self.stores = Dictionary(uniqueKeysWithValues: stores.map { ($0.name, $0) })
        self.lentStrings = LentStrings([taskId, applicationId] + config.keys.sorted().map { config[$0]! })
    }

    // MARK: - What subclasses decide

    /// A record the plugin forwards (borrowed for this call: copy what you keep), to the
    /// child named by the NUL-terminated `child`, or to all children when nil. Return
    /// `EDDY_INVALID_ARGUMENT` (after `setError`) for an unknown child. The base class has
    /// no children and refuses. (Raw arguments: this is the per-record hot path.)
    open func forward(_ record: UnsafePointer<eddy_record>, to child: UnsafePointer<CChar>?) -> eddy_status {
        setError("this host context has no downstream nodes to forward to")
        return eddy_status(EDDY_UNSUPPORTED)
    }

    /// An output of a DSL node's `apply` for record `index` of the current call (bytes
    /// borrowed for this call: copy what you keep). The base class belongs to no DSL node
    /// and refuses. (Raw arguments: this is the per-record hot path.)
    open func emit(index: Int, key: eddy_bytes, value: eddy_bytes) -> eddy_status {
        setError("emit: this context is not a DSL node's; emit is only for eddy_node.apply")
        return eddy_status(EDDY_INVALID_ARGUMENT)
    }

    /// A log message from the plugin. The base class writes it to standard error.
    open func log(_ level: LogLevel, _ message: String) {
        var line = "[\(level)] task \(taskId): \(message)\n"
        line.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    /// A processor that runs in another process (`isolation: process`) got a whole run of
    /// records in one call and has reached record `index` of it: the host calls that follow
    /// (forwards, stream time) belong to that record. Subclasses that track the record being
    /// processed (its origin, its stream time) move to it; the base class does nothing.
    open func recordStarted(at index: Int) {}

    /// The host's wall-clock time in ms. The base class reads the system clock.
    open var wallClockTime: Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }

    // MARK: - Services the base class provides

    /// Records why the current callback fails (what `set_error` does).
    public func setError(_ message: String) {
        lastError = message
    }

    func addToCounter(_ name: String, _ delta: Int64) {
        counters[name, default: 0] += delta
    }

    func setGauge(_ name: String, _ value: Double) {
        gauges[name] = value
    }

    /// A string lent to the plugin until the instance closes (task id, app id, config).
    func lent(_ text: String) -> eddy_str {
        lentStrings.slice(for: text)
    }

    /// When the instance's next punctuation of `type` is due (ms): nil when it has none;
    /// `Int64.min` when a stream-time one waits for the first record.
    public func nextDue(_ type: PunctuationType) -> Int64? {
        schedules.nextDue(type)
    }

    /// Releases iterators the plugin left open.
    func closeIterators() {
        openIterators.removeAll()
    }
}

/// An iterator opened by a plugin, with the buffers its current entry is lent from.
final class OpenIterator {
    let iterator: any StoreIterator
    let keyScratch = ScratchBuffer()
    let valueScratch = ScratchBuffer()

    init(_ iterator: any StoreIterator) { self.iterator = iterator }
}

/// Strings the host lends to a plugin for the life of an instance, as stable UTF-8 copies.
final class LentStrings {
    private var slices: [String: eddy_str] = [:]
    private var buffers: [UnsafeMutableRawBufferPointer] = []

    init(_ texts: [String]) {
        for text in texts where slices[text] == nil {
            let utf8 = Array(text.utf8)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(utf8.count, 1), alignment: 1)
            buffer.copyBytes(from: utf8)
            buffers.append(buffer)
            slices[text] = eddy_str(ptr: buffer.baseAddress!.assumingMemoryBound(to: CChar.self), len: utf8.count)
        }
    }

    deinit { buffers.forEach { $0.deallocate() } }

    func slice(for text: String) -> eddy_str {
        slices[text] ?? eddy_str(ptr: nil, len: 0)
    }
}
