import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One running `eddy plugin-host` child, seen from the worker: its pid, the socket and the
/// shared memory of ``IsolationProtocol``, and the instances it serves.
///
/// Used by one stream thread at a time (a child per plugin build per thread): no locking.
final class PluginProcess {
    /// The plugin's name in the topology, for messages.
    let plugin: String
    let pid: pid_t
    private let socket: Int32
    private let memory: UnsafeMutableRawPointer
    /// Why the child is no longer usable (it died, hung, or broke the protocol); nil while it runs.
    private(set) var failure: PluginProcessFailure?
    /// Instances created in it and not yet closed.
    var instanceCount = 0
    private var nextInstance: UInt64 = 1

    var requests: WireWriter
    var replies: WireWriter

    private init(plugin: String, pid: pid_t, socket: Int32, memory: UnsafeMutableRawPointer) {
        self.plugin = plugin
        self.pid = pid
        self.socket = socket
        self.memory = memory
        requests = WireWriter(base: memory + IsolationProtocol.requestOffset, capacity: IsolationProtocol.regionSize)
        replies = WireWriter(base: memory + IsolationProtocol.repliesOffset, capacity: IsolationProtocol.regionSize)
    }

    deinit {
        shutDown()
        munmap(memory, IsolationProtocol.fileSize)
    }

    /// An id for a new instance in this child.
    func newInstanceId() -> UInt64 {
        defer { nextInstance += 1 }
        return nextInstance
    }

    /// Starts `executable plugin-host --serve …` for the plugin build at `path`, with the
    /// socket as fd 3 and the shared memory as fd 4: the child holds its standard input,
    /// output and error, and these two, nothing more.
    static func start(plugin: String, executable: String, arguments: [String]) throws(PluginProcessFailure)
        -> PluginProcess
    {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw PluginProcessFailure(
                plugin: plugin, kind: .startFailed("socketpair: \(String(cString: strerror(errno)))"))
        }
        // shm_open sets FD_CLOEXEC; the name is unlinked at once, so only the two processes hold it.
        let name = "/eddy-plugin-\(getpid())-\(sharedMemoryCounter.add(1, ordering: .relaxed).newValue)"
        let memoryFd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0o600)
        if memoryFd >= 0 { shm_unlink(name) }
        guard memoryFd >= 0, ftruncate(memoryFd, off_t(IsolationProtocol.fileSize)) == 0,
            let memory = mmap(nil, IsolationProtocol.fileSize, PROT_READ | PROT_WRITE, MAP_SHARED, memoryFd, 0),
            memory != MAP_FAILED
        else {
            let reason = String(cString: strerror(errno))
            close(pair[0])
            close(pair[1])
            if memoryFd >= 0 { close(memoryFd) }
            throw PluginProcessFailure(plugin: plugin, kind: .startFailed("shared memory: \(reason)"))
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pair[1], 3)
        posix_spawn_file_actions_adddup2(&actions, memoryFd, 4)
        // Nothing else of the worker's: fds it opened without close-on-exec (RocksDB's files,
        // sockets) would otherwise stay open in the child for as long as it runs.
        closeFrom(5, in: &actions)
        let argv = ([executable, "plugin-host"] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        close(pair[1])
        close(memoryFd)
        guard status == 0 else {
            close(pair[0])
            munmap(memory, IsolationProtocol.fileSize)
            throw PluginProcessFailure(
                plugin: plugin, kind: .startFailed("posix_spawn \(executable): \(String(cString: strerror(status)))"))
        }
        return PluginProcess(plugin: plugin, pid: pid, socket: pair[0], memory: memory)
    }

    /// Sends the request written to ``requests`` and applies the child's calls with `apply`
    /// (which writes the answer of a call that needs one to ``replies``) until the request is
    /// done. Returns the request's status and how many records it processed.
    ///
    /// - Parameters:
    ///   - timeoutMs: the child must finish within this (`plugin.timeout.ms`), or it is killed.
    ///   - what: the request in words, for a failure's message (made only then).
    ///   - apply: called per call, in order, with its code, the record index it belongs to
    ///     (-1 outside a run) and a reader over its arguments.
    func exchange(
        timeoutMs: Int, what: () -> String, apply: (Call, Int32, inout WireReader) -> Void
    ) throws(PluginProcessFailure) -> (status: Int32, processed: Int) {
        if let failure { throw failure }
        let deadline = monotonicMs() + Int64(timeoutMs)
        guard send(.request, on: socket) else { throw fail(waiting: what()) }
        while true {
            try awaitCalls(until: deadline, timeoutMs: timeoutMs, what: what)
            var reader = WireReader(base: memory + IsolationProtocol.callsOffset)
            stretch: while true {
                guard let call = Call(rawValue: reader.get(UInt32.self)) else {
                    throw markFailed(.protocolBroken("unknown call code"))
                }
                let index = reader.get(Int32.self)
                switch call {
                case .done:
                    let status = reader.get(Int32.self)
                    let processed = Int(reader.get(UInt32.self))
                    return (status, processed)
                case .flush:
                    replies.reset()
                    guard send(.reply, on: socket) else { throw fail(waiting: what()) }
                    break stretch
                default:
                    if call.needsReply { replies.reset() }
                    apply(call, index, &reader)
                    if call.needsReply {
                        guard send(.reply, on: socket) else { throw fail(waiting: what()) }
                        break stretch
                    }
                }
            }
        }
    }

    /// Ends the child: closes the socket (it exits on end-of-file) and reaps it, killing it
    /// when it does not exit within a second.
    func shutDown() {
        guard failure == nil else { return }
        failure = PluginProcessFailure(plugin: plugin, kind: .closed)
        close(socket)
        for _ in 0..<100 {
            if waitpid(pid, nil, WNOHANG) == pid { return }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, nil, 0)
    }

    // MARK: - Private

    private func awaitCalls(until deadline: Int64, timeoutMs: Int, what: () -> String) throws(PluginProcessFailure) {
        while true {
            let remaining = deadline - monotonicMs()
            guard remaining > 0 else { throw markFailed(.timedOut(timeoutMs: timeoutMs, during: what())) }
            var poller = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(min(remaining, Int64(Int32.max))))
            if ready < 0 && errno == EINTR { continue }
            if ready == 0 { continue }
            var byte: UInt8 = 0
            let count = read(socket, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            guard count == 1 else { throw fail(waiting: what()) }
            guard byte == Wake.calls.rawValue else { throw markFailed(.protocolBroken("unexpected wake-up \(byte)")) }
            return
        }
    }

    /// The socket broke: the child ended. Reaps it and says how it ended.
    private func fail(waiting what: String) -> PluginProcessFailure {
        var status: Int32 = 0
        close(socket)
        let reaped = waitpid(pid, &status, 0) == pid
        guard reaped else {
            let failure = PluginProcessFailure(plugin: plugin, pid: pid, kind: .exited(status: -1, during: what))
            self.failure = failure
            return failure
        }
        let signal = status & 0x7f
        if signal != 0 { return markFailed(.killed(signal: signal, during: what)) }
        return markFailed(.exited(status: (status >> 8) & 0xff, during: what))
    }

    /// Records why the child is unusable; one that still runs (it hung or broke the
    /// protocol) is killed with SIGKILL and reaped.
    private func markFailed(_ kind: PluginProcessFailure.Kind) -> PluginProcessFailure {
        let failure = PluginProcessFailure(plugin: plugin, pid: pid, kind: kind)
        switch kind {
        case .timedOut, .protocolBroken:
            kill(pid, SIGKILL)
            close(socket)
            waitpid(pid, nil, 0)
        default:
            break
        }
        self.failure = failure
        return failure
    }
}

/// Adds to `actions` the closing of every descriptor from `first` on: glibc's
/// `posix_spawn_file_actions_addclosefrom_np` (2.34 and later; looked up at run time, as
/// Swift's Glibc module does not import it), or else a close per descriptor open now.
private func closeFrom(_ first: Int32, in actions: inout posix_spawn_file_actions_t) {
    if let addCloseFrom {
        _ = addCloseFrom(&actions, first)
        return
    }
    let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    for fd in open.compactMap({ Int32($0) }) where fd >= first {
        posix_spawn_file_actions_addclose(&actions, fd)
    }
}

private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
private let addCloseFrom: AddCloseFrom? = dlsym(
    UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np"
)
.map { unsafeBitCast($0, to: AddCloseFrom.self) }

/// Makes the names of shared memory files unique within the worker.
private let sharedMemoryCounter = Atomic<Int>(0)

/// Milliseconds of the monotonic clock.
func monotonicMs() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
}
