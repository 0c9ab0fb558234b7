import EddySDK

/// The `eddy_host_api` table, implemented over `HostContext`.
///
/// One static table for the process. Every entry turns the plugin's `eddy_context` back into
/// the `HostContext` it is (an unmanaged, guaranteed reference: no retain/release per call)
/// and acts on it. The entries are static members, so they carry no actor isolation and run
/// on the stream thread that calls them.
public enum HostAPITable {
    /// The table to hand to `eddy_processor.init`.
    nonisolated(unsafe) public static let pointer: UnsafePointer<eddy_host_api> = {
        var table = eddy_host_api()
        table.struct_size = UInt32(MemoryLayout<eddy_host_api>.size)
        table.abi_major = ABIVersion.major
        table.abi_minor = ABIVersion.minor
        table.set_error = setError
        table.forward = forward
        table.get_store = getStore
        table.kv_get = kvGet
        table.kv_put = kvPut
        table.kv_delete = kvDelete
        table.kv_range = kvRange
        table.kv_prefix_scan = kvPrefixScan
        table.window_put = windowPut
        table.window_fetch = windowFetch
        table.iterator_next = iteratorNext
        table.iterator_close = iteratorClose
        table.schedule = schedule
        table.cancel = cancel
        table.stream_time = streamTime
        table.wall_clock_time = wallClockTime
        table.task_id = taskId
        table.application_id = applicationId
        table.config = config
        table.log = log
        table.counter_add = counterAdd
        table.gauge_set = gaugeSet
        table.request_commit = requestCommit
        table.emit = emit
        table.session_put = sessionPut
        table.session_remove = sessionRemove
        table.session_fetch = sessionFetch
        let pointer = UnsafeMutablePointer<eddy_host_api>.allocate(capacity: 1)
        pointer.initialize(to: table)
        return UnsafePointer(pointer)
    }()

    /// The `eddy_context` pointer for `context` (unretained: the caller keeps `context` alive
    /// for as long as the plugin may use the pointer).
    public static func contextPointer(_ context: HostContext) -> OpaquePointer {
        OpaquePointer(Unmanaged.passUnretained(context).toOpaque())
    }

    /// The `HostContext` behind an `eddy_context` pointer this table handed out (for a host
    /// that relays a plugin's calls, such as an isolated plugin's proxy).
    public static func context(of ctx: OpaquePointer) -> HostContext {
        Unmanaged<HostContext>.fromOpaque(UnsafeRawPointer(ctx)).takeUnretainedValue()
    }

    @inline(__always)
    static func with<R>(_ ctx: OpaquePointer?, _ body: (HostContext) -> R) -> R {
        Unmanaged<HostContext>.fromOpaque(UnsafeRawPointer(ctx.unsafelyUnwrapped))._withUnsafeGuaranteedRef(body)
    }

    @inline(__always)
    static func buffer(_ bytes: eddy_bytes) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: bytes.ptr, count: bytes.len)
    }

    // MARK: - Errors and forwarding

    static let setError: @convention(c) (OpaquePointer?, eddy_str) -> Void = { ctx, message in
        with(ctx) { $0.setError(message.string) }
    }

    static let forward:
        @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, UnsafePointer<eddy_record>?) -> eddy_status = {
            ctx, child, record in
            with(ctx) { context in
                guard let record else {
                    context.setError("forward: record is NULL")
                    return eddy_status(EDDY_INVALID_ARGUMENT)
                }
                return context.forward(record, to: child)
            }
        }

    // MARK: - Stores

    static let getStore:
        @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, UnsafeMutablePointer<OpaquePointer?>?) -> eddy_status = {
            ctx, name, storeOut in
            with(ctx) { context in
                guard let name, let storeOut, let store = context.stores[String(cString: name)] else {
                    return eddy_status(EDDY_NOT_FOUND)
                }
                storeOut.pointee = OpaquePointer(Unmanaged.passUnretained(store).toOpaque())
                return eddy_status(EDDY_OK)
            }
        }

    @inline(__always)
    static func withStore(_ store: OpaquePointer?, _ body: (HostStore) -> eddy_status) -> eddy_status {
        guard let store else { return eddy_status(EDDY_INVALID_ARGUMENT) }
        return Unmanaged<HostStore>.fromOpaque(UnsafeRawPointer(store))._withUnsafeGuaranteedRef(body)
    }

    static func keyValue(_ store: HostStore, _ context: HostContext, _ operation: String) -> (any KeyValueStorage)? {
        guard case .keyValue(let storage) = store.storage else {
            context.setError("\(operation): store \(store.name) is a \(store.kindName) store, not a key-value store")
            return nil
        }
        return storage
    }

    /// Calls `body` with the key-value storage of `store` borrowed from it, or sets the error
    /// and returns `EDDY_INVALID_ARGUMENT` when it is another kind: the per-record `kv_get`,
    /// `kv_put` and `kv_delete` use it, because ``keyValue(_:_:_:)`` hands out a retained
    /// copy (a retain and a release per call).
    @inline(__always)
    static func withKeyValue(
        _ store: HostStore, _ context: HostContext, _ operation: String, _ body: (any KeyValueStorage) -> eddy_status
    ) -> eddy_status {
        guard case .keyValue(let storage) = store.storage else {
            context.setError("\(operation): store \(store.name) is a \(store.kindName) store, not a key-value store")
            return eddy_status(EDDY_INVALID_ARGUMENT)
        }
        return body(storage)
    }

    static func window(_ store: HostStore, _ context: HostContext, _ operation: String) -> (any WindowStorage)? {
        guard case .window(let storage) = store.storage else {
            context.setError("\(operation): store \(store.name) is a \(store.kindName) store, not a window store")
            return nil
        }
        return storage
    }

    static func session(_ store: HostStore, _ context: HostContext, _ operation: String) -> (any SessionStorage)? {
        guard case .session(let storage) = store.storage else {
            context.setError("\(operation): store \(store.name) is a \(store.kindName) store, not a session store")
            return nil
        }
        return storage
    }

    static let kvGet:
        @convention(c) (OpaquePointer?, OpaquePointer?, eddy_bytes, UnsafeMutablePointer<eddy_bytes>?) -> eddy_status =
            {
                ctx, store, key, valueOut in
                with(ctx) { context in
                    withStore(store) { store in
                        guard let valueOut else { return eddy_status(EDDY_INVALID_ARGUMENT) }
                        return withKeyValue(store, context, "kv_get") { storage in
                            var status = eddy_status(EDDY_NOT_FOUND)
                            storage.get(buffer(key)) { value in
                                guard let value else { return }
                                valueOut.pointee = context.scratch.lend(value)
                                status = eddy_status(EDDY_OK)
                            }
                            return status
                        }
                    }
                }
            }

    static let kvPut: @convention(c) (OpaquePointer?, OpaquePointer?, eddy_bytes, eddy_bytes) -> eddy_status = {
        ctx, store, key, value in
        with(ctx) { context in
            withStore(store) { store in
                withKeyValue(store, context, "kv_put") { storage in
                    storage.put(buffer(key), buffer(value))
                    return eddy_status(EDDY_OK)
                }
            }
        }
    }

    static let kvDelete: @convention(c) (OpaquePointer?, OpaquePointer?, eddy_bytes) -> eddy_status = {
        ctx, store, key in
        with(ctx) { context in
            withStore(store) { store in
                withKeyValue(store, context, "kv_delete") { storage in
                    storage.delete(buffer(key))
                    return eddy_status(EDDY_OK)
                }
            }
        }
    }

    static func open(
        _ iterator: any StoreIterator, in context: HostContext, _ out: UnsafeMutablePointer<OpaquePointer?>
    ) {
        let handle = OpenIterator(iterator)
        let pointer = Unmanaged.passUnretained(handle).toOpaque()
        context.openIterators[pointer] = handle
        out.pointee = OpaquePointer(pointer)
    }

    static let kvRange:
        @convention(c) (OpaquePointer?, OpaquePointer?, eddy_bytes, eddy_bytes, UnsafeMutablePointer<OpaquePointer?>?)
            -> eddy_status = {
                ctx, store, from, to, iteratorOut in
                with(ctx) { context in
                    withStore(store) { store in
                        guard let storage = keyValue(store, context, "kv_range"), let iteratorOut else {
                            return eddy_status(EDDY_INVALID_ARGUMENT)
                        }
                        open(storage.range(from: from.bytes, to: to.bytes), in: context, iteratorOut)
                        return eddy_status(EDDY_OK)
                    }
                }
            }

    static let kvPrefixScan:
        @convention(c) (OpaquePointer?, OpaquePointer?, eddy_bytes, UnsafeMutablePointer<OpaquePointer?>?) ->
            eddy_status = {
                ctx, store, prefix, iteratorOut in
                with(ctx) { context in
                    withStore(store) { store in
                        guard let storage = keyValue(store, context, "kv_prefix_scan"), let iteratorOut else {
                            return eddy_status(EDDY_INVALID_ARGUMENT)
                        }
                        open(storage.prefixScan(prefix.bytes ?? []), in: context, iteratorOut)
                        return eddy_status(EDDY_OK)
                    }
                }
            }

    static let windowPut:
        @convention(c) (OpaquePointer?, OpaquePointer?, eddy_bytes, Int64, eddy_bytes) -> eddy_status = {
            ctx, store, key, windowStart, value in
            with(ctx) { context in
                withStore(store) { store in
                    guard let storage = window(store, context, "window_put") else {
                        return eddy_status(EDDY_INVALID_ARGUMENT)
                    }
                    storage.put(buffer(key), windowStart: windowStart, buffer(value))
                    return eddy_status(EDDY_OK)
                }
            }
        }

    static let windowFetch:
        @convention(c) (OpaquePointer?, OpaquePointer?, eddy_bytes, Int64, Int64, UnsafeMutablePointer<OpaquePointer?>?)
            -> eddy_status = {
                ctx, store, key, from, to, iteratorOut in
                with(ctx) { context in
                    withStore(store) { store in
                        guard let storage = window(store, context, "window_fetch"), let iteratorOut else {
                            return eddy_status(EDDY_INVALID_ARGUMENT)
                        }
                        open(storage.fetch(key.bytes ?? [], from: from, to: to), in: context, iteratorOut)
                        return eddy_status(EDDY_OK)
                    }
                }
            }

    /// Whether `[start, end]` is a session window (`0 ≤ start ≤ end`); sets the error when not.
    static func checkSession(_ start: Int64, _ end: Int64, _ context: HostContext, _ operation: String) -> Bool {
        guard start >= 0, start <= end else {
            context.setError(
                "\(operation): session [\(start), \(end)] is not a session window; times are epoch ms with 0 <= start <= end"
            )
            return false
        }
        return true
    }

    static let sessionPut:
        @convention(c) (OpaquePointer?, OpaquePointer?, eddy_bytes, Int64, Int64, eddy_bytes) -> eddy_status = {
            ctx, store, key, start, end, value in
            with(ctx) { context in
                withStore(store) { store in
                    guard let storage = session(store, context, "session_put"),
                        checkSession(start, end, context, "session_put")
                    else {
                        return eddy_status(EDDY_INVALID_ARGUMENT)
                    }
                    guard value.ptr != nil else {
                        context.setError("session_put: the value is absent; remove a session with session_remove")
                        return eddy_status(EDDY_INVALID_ARGUMENT)
                    }
                    storage.put(buffer(key), start: start, end: end, buffer(value))
                    return eddy_status(EDDY_OK)
                }
            }
        }

    static let sessionRemove: @convention(c) (OpaquePointer?, OpaquePointer?, eddy_bytes, Int64, Int64) -> eddy_status =
        {
            ctx, store, key, start, end in
            with(ctx) { context in
                withStore(store) { store in
                    guard let storage = session(store, context, "session_remove"),
                        checkSession(start, end, context, "session_remove")
                    else {
                        return eddy_status(EDDY_INVALID_ARGUMENT)
                    }
                    storage.remove(buffer(key), start: start, end: end)
                    return eddy_status(EDDY_OK)
                }
            }
        }

    static let sessionFetch:
        @convention(c) (OpaquePointer?, OpaquePointer?, eddy_bytes, Int64, Int64, UnsafeMutablePointer<OpaquePointer?>?)
            -> eddy_status = {
                ctx, store, key, earliestEnd, latestStart, iteratorOut in
                with(ctx) { context in
                    withStore(store) { store in
                        guard let storage = session(store, context, "session_fetch"), let iteratorOut else {
                            return eddy_status(EDDY_INVALID_ARGUMENT)
                        }
                        let sessions = storage.findSessions(
                            buffer(key), earliestEnd: earliestEnd, latestStart: latestStart)
                        open(SnapshotIterator(sessions), in: context, iteratorOut)
                        return eddy_status(EDDY_OK)
                    }
                }
            }

    static let iteratorNext:
        @convention(c) (OpaquePointer?, OpaquePointer?, UnsafeMutablePointer<eddy_entry>?) -> eddy_status = {
            ctx, iterator, entryOut in
            with(ctx) { context in
                guard let iterator, let entryOut, let open = context.openIterators[UnsafeMutableRawPointer(iterator)]
                else {
                    context.setError("iterator_next: unknown or closed iterator")
                    return eddy_status(EDDY_INVALID_ARGUMENT)
                }
                guard let entry = open.iterator.next() else { return eddy_status(EDDY_NOT_FOUND) }
                entryOut.pointee.key = open.keyScratch.lend(entry.key)
                entryOut.pointee.value = open.valueScratch.lend(entry.value)
                if EntryLayout.hasWindowFields(entryOut) {
                    entryOut.pointee.window_start = entry.windowStart
                    entryOut.pointee.window_end = entry.windowEnd
                }
                return eddy_status(EDDY_OK)
            }
        }

    static let iteratorClose: @convention(c) (OpaquePointer?, OpaquePointer?) -> Void = { ctx, iterator in
        with(ctx) { context in
            guard let iterator else { return }
            context.openIterators[UnsafeMutableRawPointer(iterator)] = nil
        }
    }

    // MARK: - Time and punctuation

    static let schedule:
        @convention(c) (OpaquePointer?, eddy_punctuation_type, Int64, UnsafeMutablePointer<UInt64>?) -> eddy_status = {
            ctx, type, interval, idOut in
            with(ctx) { context in
                guard let idOut, interval > 0 else {
                    context.setError("schedule: the interval must be positive, got \(interval) ms")
                    return eddy_status(EDDY_INVALID_ARGUMENT)
                }
                let now: Int64?
                let kind: PunctuationType
                switch type {
                case eddy_punctuation_type(EDDY_PUNCTUATE_STREAM_TIME):
                    kind = .streamTime
                    now = context.streamTime >= 0 ? context.streamTime : nil
                case eddy_punctuation_type(EDDY_PUNCTUATE_WALL_CLOCK):
                    kind = .wallClockTime
                    now = context.wallClockTime
                default:
                    context.setError("schedule: unknown punctuation type \(type)")
                    return eddy_status(EDDY_INVALID_ARGUMENT)
                }
                idOut.pointee = context.schedules.add(kind, interval: interval, now: now)
                return eddy_status(EDDY_OK)
            }
        }

    static let cancel: @convention(c) (OpaquePointer?, UInt64) -> eddy_status = { ctx, id in
        with(ctx) { $0.schedules.cancel(id) ? eddy_status(EDDY_OK) : eddy_status(EDDY_NOT_FOUND) }
    }

    static let streamTime: @convention(c) (OpaquePointer?) -> Int64 = { ctx in
        with(ctx) { $0.streamTime }
    }

    static let wallClockTime: @convention(c) (OpaquePointer?) -> Int64 = { ctx in
        with(ctx) { $0.wallClockTime }
    }

    // MARK: - Identity, config, observability

    static let taskId: @convention(c) (OpaquePointer?) -> eddy_str = { ctx in
        with(ctx) { $0.lent($0.taskId) }
    }

    static let applicationId: @convention(c) (OpaquePointer?) -> eddy_str = { ctx in
        with(ctx) { $0.lent($0.applicationId) }
    }

    static let config:
        @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, UnsafeMutablePointer<eddy_str>?) -> eddy_status = {
            ctx, key, valueOut in
            with(ctx) { context in
                guard let key, let valueOut, let value = context.config[String(cString: key)] else {
                    return eddy_status(EDDY_NOT_FOUND)
                }
                valueOut.pointee = context.lent(value)
                return eddy_status(EDDY_OK)
            }
        }

    static let log: @convention(c) (OpaquePointer?, eddy_log_level, eddy_str) -> Void = { ctx, level, message in
        with(ctx) { $0.log(LogLevel(rawValue: level) ?? .info, message.string) }
    }

    static let counterAdd: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int64) -> Void = { ctx, name, delta in
        guard let name else { return }
        with(ctx) { $0.addToCounter(String(cString: name), delta) }
    }

    static let gaugeSet: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Double) -> Void = { ctx, name, value in
        guard let name else { return }
        with(ctx) { $0.setGauge(String(cString: name), value) }
    }

    static let requestCommit: @convention(c) (OpaquePointer?) -> Void = { ctx in
        with(ctx) { $0.commitRequested = true }
    }

    // MARK: - DSL nodes

    static let emit: @convention(c) (OpaquePointer?, Int, eddy_bytes, eddy_bytes) -> eddy_status = {
        ctx, index, key, value in
        with(ctx) { $0.emit(index: index, key: key, value: value) }
    }
}

/// Which fields of a plugin-supplied `eddy_entry` exist, given its `struct_size`.
enum EntryLayout {
    static func hasWindowFields(_ entry: UnsafeMutablePointer<eddy_entry>) -> Bool {
        Int(entry.pointee.struct_size) >= MemoryLayout<eddy_entry>.offset(of: \.window_end)! + MemoryLayout<Int64>.size
    }
}
