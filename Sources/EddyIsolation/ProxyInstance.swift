import EddyHost
import EddySDK

/// One processor instance of an isolated plugin, on the worker's side: the instance id in
/// the child, and the real host table and context its host calls are applied to.
final class ProxyInstance {
    let processor: IsolatedProcessor
    let process: PluginProcess
    let id: UInt64
    let host: UnsafePointer<eddy_host_api>
    let ctx: OpaquePointer
    /// The context behind `ctx`, told which record of a run the calls belong to.
    let context: HostContext
    /// Index in the caller's run of the first record of the request being exchanged.
    private var runStart = 0
    /// The record the last host call belonged to.
    private var currentRecord: Int32 = -1
    /// A call applied without an answer (a write, a forward) was refused by the host, whose
    /// message is set: the request fails.
    private var refused = false
    private let headers = HeaderBuffer()

    init(processor: IsolatedProcessor, process: PluginProcess, host: UnsafePointer<eddy_host_api>, ctx: OpaquePointer) {
        self.processor = processor
        self.process = process
        self.id = process.newInstanceId()
        self.host = host
        self.ctx = ctx
        self.context = HostAPITable.context(of: ctx)
    }

    static func from(_ pointer: UnsafeMutableRawPointer?) -> ProxyInstance {
        Unmanaged<ProxyInstance>.fromOpaque(pointer!).takeUnretainedValue()
    }

    // MARK: - Requests

    func initialize() -> eddy_status {
        process.requests.reset()
        process.requests.put(Request.initialize.rawValue)
        process.requests.put(id)
        process.requests.put(processor.name)
        return exchange { "init of processor \(self.processor.name) for task \(self.context.taskId)" }.status
    }

    func process(_ records: UnsafePointer<eddy_record>, count: Int, processedOut: inout Int) -> eddy_status {
        let stride = Int(records.pointee.struct_size)
        var start = 0
        while start < count {
            process.requests.reset()
            process.requests.put(Request.process.rawValue)
            process.requests.put(id)
            let countAt = process.requests.offset
            process.requests.put(UInt32(0))
            var taken = 0
            while start + taken < count {
                let record = (UnsafeRawPointer(records) + (start + taken) * stride).assumingMemoryBound(
                    to: eddy_record.self)
                guard process.requests.fits(RecordWire.size(of: record)) else { break }
                RecordWire.write(record, to: &process.requests)
                taken += 1
            }
            guard taken > 0 else {
                setError(
                    host, ctx,
                    "a record of \(RecordWire.size(of: (UnsafeRawPointer(records) + start * stride).assumingMemoryBound(to: eddy_record.self))) bytes does not fit the \(IsolationProtocol.regionSize >> 20) MiB an isolated plugin's run may take"
                )
                processedOut = start
                return eddy_status(EDDY_ERROR)
            }
            process.requests.patch(UInt32(taken), at: countAt)
            runStart = start
            let (status, processed) = exchange { "a run of \(taken) records of task \(self.context.taskId)" }
            guard status == EDDY_OK else {
                processedOut = start + min(processed, taken)
                return status
            }
            start += taken
        }
        processedOut = count
        return eddy_status(EDDY_OK)
    }

    func punctuate(_ schedule: UInt64, _ timestamp: Int64) -> eddy_status {
        process.requests.reset()
        process.requests.put(Request.punctuate.rawValue)
        process.requests.put(id)
        process.requests.put(schedule)
        process.requests.put(timestamp)
        return exchange { "a punctuation of task \(self.context.taskId)" }.status
    }

    func close() {
        defer { processor.build.released(process) }
        guard process.failure == nil else { return }
        process.requests.reset()
        process.requests.put(Request.close.rawValue)
        process.requests.put(id)
        _ = exchange { "close of processor \(self.processor.name) for task \(self.context.taskId)" }
    }

    /// Sends the written request and applies the calls until it is done. A failure of the
    /// process is recorded (``PluginCrashes``), logged and set as the call's error.
    private func exchange(what: () -> String) -> (status: eddy_status, processed: Int) {
        refused = false
        currentRecord = -1
        do {
            let (status, processed) = try process.exchange(timeoutMs: processor.build.timeoutMs, what: what) {
                call, index, reader in
                apply(call, index, &reader)
            }
            if refused && status == EDDY_OK { return (eddy_status(EDDY_ERROR), processed) }
            return (status, processed)
        } catch {
            PluginCrashes.record(error)
            var message = error.description
            message.withUTF8 { utf8 in
                host.pointee.log(
                    ctx, eddy_log_level(EDDY_LOG_ERROR),
                    eddy_str(
                        ptr: UnsafeRawPointer(utf8.baseAddress)?.assumingMemoryBound(to: CChar.self), len: utf8.count))
            }
            setError(host, ctx, message)
            return (eddy_status(EDDY_ERROR), max(0, Int(currentRecord)))
        }
    }

    // MARK: - Host calls from the child

    private func apply(_ call: Call, _ index: Int32, _ reader: inout WireReader) {
        if index >= 0, index != currentRecord {
            currentRecord = index
            context.recordStarted(at: runStart + Int(index))
        }
        let api = host.pointee
        switch call {
        case .setError, .log, .counterAdd, .gaugeSet, .streamTime, .wallClockTime, .taskId, .applicationId, .config:
            CommonHostCalls.apply(call, &reader, host: host, ctx: ctx, process: process)
        case .forward, .forwardTo:
            let child = call == .forwardTo ? reader.cString() : nil
            headers.reset()
            var (record, start) = RecordWire.read(from: &reader, headers: headers)
            record.headers = headers.headers(from: start, count: record.header_count)
            let status = api.forward(ctx, child, &record)
            if call == .forwardTo { reply(status) } else if status != EDDY_OK { refused = true }
        case .getStore:
            var store: OpaquePointer?
            let status = api.get_store(ctx, reader.cString(), &store)
            reply(status, handle: store)
        case .kvGet:
            let store = handle(&reader)
            var value = eddy_bytes(ptr: nil, len: 0)
            let status = api.kv_get(ctx, store, reader.bytes(), &value)
            reply(status)
            process.replies.put(status == EDDY_OK ? value : eddy_bytes(ptr: nil, len: 0))
        case .kvPut:
            let store = handle(&reader)
            let key = reader.bytes()
            applied(api.kv_put(ctx, store, key, reader.bytes()))
        case .kvDelete:
            let store = handle(&reader)
            applied(api.kv_delete(ctx, store, reader.bytes()))
        case .kvRange:
            let store = handle(&reader)
            let from = reader.bytes()
            var iterator: OpaquePointer?
            reply(api.kv_range(ctx, store, from, reader.bytes(), &iterator), handle: iterator)
        case .kvPrefixScan:
            let store = handle(&reader)
            var iterator: OpaquePointer?
            reply(api.kv_prefix_scan(ctx, store, reader.bytes(), &iterator), handle: iterator)
        case .windowPut:
            let store = handle(&reader)
            let key = reader.bytes()
            let start = reader.get(Int64.self)
            applied(api.window_put(ctx, store, key, start, reader.bytes()))
        case .windowFetch:
            let store = handle(&reader)
            let key = reader.bytes()
            let from = reader.get(Int64.self)
            var iterator: OpaquePointer?
            reply(api.window_fetch(ctx, store, key, from, reader.get(Int64.self), &iterator), handle: iterator)
        case .iteratorNext:
            var entry = eddy_entry()
            entry.struct_size = UInt32(MemoryLayout<eddy_entry>.size)
            let status = api.iterator_next(ctx, handle(&reader), &entry)
            reply(status)
            if status == EDDY_OK {
                process.replies.put(entry.key)
                process.replies.put(entry.value)
                process.replies.put(entry.window_start)
                process.replies.put(entry.window_end)
            }
        case .iteratorClose:
            api.iterator_close(ctx, handle(&reader))
        case .schedule:
            let type = reader.get(Int32.self)
            var schedule: UInt64 = 0
            let status = api.schedule(ctx, type, reader.get(Int64.self), &schedule)
            reply(status)
            process.replies.put(schedule)
        case .cancel:
            reply(api.cancel(ctx, reader.get(UInt64.self)))
        case .requestCommit:
            api.request_commit(ctx)
        case .emit:
            let index = Int(reader.get(UInt64.self))
            let key = reader.bytes()
            applied(api.emit(ctx, index, key, reader.bytes()))
        case .sessionPut:
            let store = handle(&reader)
            let key = reader.bytes()
            let start = reader.get(Int64.self)
            let end = reader.get(Int64.self)
            applied(api.session_put(ctx, store, key, start, end, reader.bytes()))
        case .sessionRemove:
            let store = handle(&reader)
            let key = reader.bytes()
            let start = reader.get(Int64.self)
            applied(api.session_remove(ctx, store, key, start, reader.get(Int64.self)))
        case .sessionFetch:
            let store = handle(&reader)
            let key = reader.bytes()
            let earliestEnd = reader.get(Int64.self)
            var iterator: OpaquePointer?
            reply(api.session_fetch(ctx, store, key, earliestEnd, reader.get(Int64.self), &iterator), handle: iterator)
        case .done, .flush, .result, .results:
            break
        }
    }

    private func handle(_ reader: inout WireReader) -> OpaquePointer? {
        OpaquePointer(bitPattern: UInt(reader.get(UInt64.self)))
    }

    private func reply(_ status: eddy_status) {
        process.replies.put(status)
    }

    /// A status and a host handle (a store, an iterator; 0 for none), which the child lends
    /// back to the host as it is.
    private func reply(_ status: eddy_status, handle: OpaquePointer?) {
        process.replies.put(status)
        process.replies.put(UInt64(handle.map { UInt(bitPattern: $0) } ?? 0))
    }

    private func applied(_ status: eddy_status) {
        if status != EDDY_OK { refused = true }
    }
}
