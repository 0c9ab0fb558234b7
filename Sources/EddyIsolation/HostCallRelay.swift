import EddySDK

/// Applies, in the worker, the host calls an isolated plugin's exported node made in its
/// process during one `apply` or `merge`: its emits (moved to the caller's indices), errors,
/// logs, metrics and the few questions a function may ask (times, task and application id,
/// config), to the real host table with the real context, in order; and what `apply` wrote
/// to its `results`.
///
/// A node has no stores or schedules: any other call breaks the protocol and fails the call.
final class HostCallRelay {
    let host: UnsafePointer<eddy_host_api>
    let ctx: OpaquePointer
    let process: PluginProcess
    /// Added to each emitted index: the records of the caller's run before this request.
    var indexOffset = 0
    /// Where `apply`'s results go (filter, branch), at this request's first record.
    var results: UnsafeMutablePointer<Int32>?
    /// A call applied without an answer (an emit) was refused by the host, whose message is set.
    private var refused = false
    private var unexpected: Call?

    init(host: UnsafePointer<eddy_host_api>, ctx: OpaquePointer, process: PluginProcess) {
        self.host = host
        self.ctx = ctx
        self.process = process
    }

    /// Sends the request written to the process and applies its calls until it is done.
    func exchange(timeoutMs: Int, what: () -> String) throws(PluginProcessFailure) -> (
        status: eddy_status, processed: Int
    ) {
        let (status, processed) = try process.exchange(timeoutMs: timeoutMs, what: what) { call, _, reader in
            apply(call, &reader)
        }
        if let unexpected {
            setError(
                host, ctx,
                "an exported node of plugin \(process.plugin) made host call \(unexpected), which nodes may not make")
            return (eddy_status(EDDY_ERROR), processed)
        }
        if refused && status == EDDY_OK { return (eddy_status(EDDY_ERROR), processed) }
        return (status, processed)
    }

    private func apply(_ call: Call, _ reader: inout WireReader) {
        if CommonHostCalls.handles(call) {
            CommonHostCalls.apply(call, &reader, host: host, ctx: ctx, process: process)
            return
        }
        switch call {
        case .emit:
            let index = indexOffset + Int(reader.get(UInt64.self))
            let key = reader.bytes()
            if host.pointee.emit(ctx, index, key, reader.bytes()) != EDDY_OK { refused = true }
        case .results:
            let count = Int(reader.get(UInt32.self))
            for index in 0..<count {
                let value = reader.get(Int32.self)
                results?[index] = value
            }
        default:
            // Answer a call that waits with an error status; the request then fails.
            unexpected = unexpected ?? call
            if call.needsReply { process.replies.put(eddy_status(EDDY_ERROR)) }
        }
    }
}
