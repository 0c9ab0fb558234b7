import EddySDK

#if canImport(Glibc)
    import Glibc
#endif

/// The plugin process's end of ``IsolationProtocol``: the socket (fd 3), the shared memory
/// (fd 4), and the calls region the relayed host table writes into.
///
/// The plugin process runs one thread, so there is one channel and no locking.
final class ChildChannel {
    nonisolated(unsafe) static var shared: ChildChannel!

    let socket: Int32
    let memory: UnsafeMutableRawPointer
    var calls: WireWriter
    /// The record of the current run the plugin is processing; -1 outside a run.
    var currentRecord: Int32 = -1

    init(socket: Int32, memoryFd: Int32) throws(PluginHostError) {
        guard let memory = mmap(nil, IsolationProtocol.fileSize, PROT_READ | PROT_WRITE, MAP_SHARED, memoryFd, 0),
            memory != MAP_FAILED
        else {
            throw PluginHostError("cannot map the shared memory (fd \(memoryFd)): \(String(cString: strerror(errno)))")
        }
        self.socket = socket
        self.memory = memory
        calls = WireWriter(base: memory + IsolationProtocol.callsOffset, capacity: IsolationProtocol.regionSize)
    }

    var requestBase: UnsafeRawPointer { UnsafeRawPointer(memory + IsolationProtocol.requestOffset) }

    /// Starts a call of about `size` argument bytes, first flushing the region if it lacks the
    /// room. Returns false when the call cannot fit even an empty region.
    func begin(_ call: Call, size: Int) -> Bool {
        let needed = 8 + size + IsolationProtocol.callsReserve
        if !calls.fits(needed) {
            guard needed <= IsolationProtocol.regionSize else { return false }
            calls.put(Call.flush.rawValue)
            calls.put(currentRecord)
            _ = awaitReply()
        }
        calls.put(call.rawValue)
        calls.put(currentRecord)
        return true
    }

    /// Hands the calls written so far to the worker and waits for its reply to the last one.
    func awaitReply() -> WireReader {
        announce()
        waitFor(.reply)
        return WireReader(base: UnsafeRawPointer(memory + IsolationProtocol.repliesOffset))
    }

    /// Ends the current request.
    func done(_ status: eddy_status, processed: Int) {
        calls.put(Call.done.rawValue)
        calls.put(currentRecord)
        calls.put(status)
        calls.put(UInt32(processed))
        announce()
    }

    /// Blocks until the worker sends `wake`; exits when the worker is gone.
    func waitFor(_ wake: Wake) {
        while true {
            var byte: UInt8 = 0
            let count = read(socket, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            guard count == 1 else { _exit(0) }
            guard byte == wake.rawValue else {
                PluginHostError("expected wake-up \(wake.rawValue), got \(byte)").report()
                _exit(3)
            }
            return
        }
    }

    private func announce() {
        calls.reset()
        guard send(.calls, on: socket) else { _exit(0) }
    }
}

/// The plugin process cannot go on; the message goes to its standard error (the worker's).
struct PluginHostError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }

    func report() {
        var line = "eddy plugin-host: \(description)\n"
        line.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
