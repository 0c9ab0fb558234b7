import EddySDK

#if canImport(Glibc)
    import Glibc
#endif

/// The `eddy_host_api` a plugin gets in its process: every entry is relayed to the worker,
/// which applies it to the real host table with the instance's real context (see
/// ``IsolationProtocol``). Entries whose result the plugin needs wait for the worker's
/// answer; writes, forwards to every child, logs and metrics are only appended. Key-value
/// reads of a key this instance read or wrote before are answered from its ``StoreMirror``.
///
/// The lifetimes are `eddy.h`'s: a slice returned by a call lies in the reply region, valid
/// until the next call; iterator entries are copied per iterator; task id, application id
/// and config values are copied and lent until the instance closes.
enum RelayHostAPI {
    nonisolated(unsafe) static let pointer: UnsafePointer<eddy_host_api> = {
        var table = eddy_host_api()
        table.struct_size = UInt32(MemoryLayout<eddy_host_api>.size)
        table.abi_major = ABIVersion.major
        table.abi_minor = ABIVersion.minor
        table.set_error = { _, message in
            let channel = ChildChannel.shared!
            guard channel.begin(.setError, size: 8 + message.len) else { return }
            channel.calls.put(message)
        }
        table.forward = { _, child, record in
            let channel = ChildChannel.shared!
            guard let record else { return eddy_status(EDDY_INVALID_ARGUMENT) }
            let childSize = child.map { strlen($0) + 9 } ?? 0
            guard channel.begin(child == nil ? .forward : .forwardTo, size: RecordWire.size(of: record) + childSize)
            else {
                return tooLarge("forward")
            }
            if child != nil { channel.calls.put(cString: child) }
            RecordWire.write(record, to: &channel.calls)
            guard child != nil else { return eddy_status(EDDY_OK) }
            var reply = channel.awaitReply()
            return reply.get(eddy_status.self)
        }
        table.get_store = { _, name, storeOut in
            let channel = ChildChannel.shared!
            guard channel.begin(.getStore, size: (name.map { strlen($0) } ?? 0) + 9) else {
                return tooLarge("get_store")
            }
            channel.calls.put(cString: name)
            var reply = channel.awaitReply()
            let status = reply.get(eddy_status.self)
            storeOut?.pointee = OpaquePointer(bitPattern: UInt(reply.get(UInt64.self)))
            return status
        }
        table.kv_get = { ctx, store, key, valueOut in
            let mirror = ChildContext.from(ctx).mirror(of: handle(store))
            if let known = mirror.value(of: key) {
                guard known.present else { return eddy_status(EDDY_NOT_FOUND) }
                valueOut?.pointee = known.slice
                return eddy_status(EDDY_OK)
            }
            let channel = ChildChannel.shared!
            guard channel.begin(.kvGet, size: 8 + WireWriter.size(of: key)) else { return tooLarge("kv_get") }
            channel.calls.put(handle(store))
            channel.calls.put(key)
            var reply = channel.awaitReply()
            let status = reply.get(eddy_status.self)
            let value = reply.bytes()
            if status == EDDY_OK {
                valueOut?.pointee = value
                mirror.set(key, value)
            } else if status == EDDY_NOT_FOUND {
                mirror.set(key, nil)
            }
            return status
        }
        table.kv_put = { ctx, store, key, value in
            let channel = ChildChannel.shared!
            guard channel.begin(.kvPut, size: 8 + WireWriter.size(of: key) + WireWriter.size(of: value)) else {
                return tooLarge("kv_put")
            }
            channel.calls.put(handle(store))
            channel.calls.put(key)
            channel.calls.put(value)
            ChildContext.from(ctx).mirror(of: handle(store)).set(key, value)
            return eddy_status(EDDY_OK)
        }
        table.kv_delete = { ctx, store, key in
            let channel = ChildChannel.shared!
            guard channel.begin(.kvDelete, size: 8 + WireWriter.size(of: key)) else { return tooLarge("kv_delete") }
            channel.calls.put(handle(store))
            channel.calls.put(key)
            ChildContext.from(ctx).mirror(of: handle(store)).set(key, nil)
            return eddy_status(EDDY_OK)
        }
        table.kv_range = { ctx, store, from, to, iteratorOut in
            let channel = ChildChannel.shared!
            guard channel.begin(.kvRange, size: 8 + WireWriter.size(of: from) + WireWriter.size(of: to)) else {
                return tooLarge("kv_range")
            }
            channel.calls.put(handle(store))
            channel.calls.put(from)
            channel.calls.put(to)
            return openIterator(ctx, channel, iteratorOut)
        }
        table.kv_prefix_scan = { ctx, store, prefix, iteratorOut in
            let channel = ChildChannel.shared!
            guard channel.begin(.kvPrefixScan, size: 8 + WireWriter.size(of: prefix)) else {
                return tooLarge("kv_prefix_scan")
            }
            channel.calls.put(handle(store))
            channel.calls.put(prefix)
            return openIterator(ctx, channel, iteratorOut)
        }
        table.window_put = { _, store, key, start, value in
            let channel = ChildChannel.shared!
            guard channel.begin(.windowPut, size: 16 + WireWriter.size(of: key) + WireWriter.size(of: value)) else {
                return tooLarge("window_put")
            }
            channel.calls.put(handle(store))
            channel.calls.put(key)
            channel.calls.put(start)
            channel.calls.put(value)
            return eddy_status(EDDY_OK)
        }
        table.window_fetch = { ctx, store, key, from, to, iteratorOut in
            let channel = ChildChannel.shared!
            guard channel.begin(.windowFetch, size: 24 + WireWriter.size(of: key)) else {
                return tooLarge("window_fetch")
            }
            channel.calls.put(handle(store))
            channel.calls.put(key)
            channel.calls.put(from)
            channel.calls.put(to)
            return openIterator(ctx, channel, iteratorOut)
        }
        table.iterator_next = { _, iterator, entryOut in
            let channel = ChildChannel.shared!
            guard let iterator, let entryOut else { return eddy_status(EDDY_INVALID_ARGUMENT) }
            let open = ChildIterator.from(iterator)
            _ = channel.begin(.iteratorNext, size: 8)
            channel.calls.put(open.handle)
            var reply = channel.awaitReply()
            let status = reply.get(eddy_status.self)
            guard status == EDDY_OK else { return status }
            let (key, value) = open.keep(reply.bytes(), reply.bytes())
            entryOut.pointee.key = key
            entryOut.pointee.value = value
            let start = reply.get(Int64.self)
            let end = reply.get(Int64.self)
            if Int(entryOut.pointee.struct_size) >= MemoryLayout<eddy_entry>.size {
                entryOut.pointee.window_start = start
                entryOut.pointee.window_end = end
            }
            return status
        }
        table.iterator_close = { ctx, iterator in
            let channel = ChildChannel.shared!
            guard let iterator else { return }
            let open = ChildIterator.from(iterator)
            _ = channel.begin(.iteratorClose, size: 8)
            channel.calls.put(open.handle)
            ChildContext.from(ctx).closed(open)
        }
        table.schedule = { _, type, interval, idOut in
            let channel = ChildChannel.shared!
            _ = channel.begin(.schedule, size: 12)
            channel.calls.put(type)
            channel.calls.put(interval)
            var reply = channel.awaitReply()
            let status = reply.get(eddy_status.self)
            let id = reply.get(UInt64.self)
            if status == EDDY_OK { idOut?.pointee = id }
            return status
        }
        table.cancel = { _, id in
            let channel = ChildChannel.shared!
            _ = channel.begin(.cancel, size: 8)
            channel.calls.put(id)
            var reply = channel.awaitReply()
            return reply.get(eddy_status.self)
        }
        table.stream_time = { _ in
            let channel = ChildChannel.shared!
            _ = channel.begin(.streamTime, size: 0)
            var reply = channel.awaitReply()
            return reply.get(Int64.self)
        }
        table.wall_clock_time = { _ in
            let channel = ChildChannel.shared!
            _ = channel.begin(.wallClockTime, size: 0)
            var reply = channel.awaitReply()
            return reply.get(Int64.self)
        }
        table.task_id = { ctx in
            lent(ctx, .taskId, as: "\u{0}task.id")
        }
        table.application_id = { ctx in
            lent(ctx, .applicationId, as: "\u{0}application.id")
        }
        table.config = { ctx, key, valueOut in
            let channel = ChildChannel.shared!
            guard let key else { return eddy_status(EDDY_INVALID_ARGUMENT) }
            guard channel.begin(.config, size: strlen(key) + 9) else { return tooLarge("config") }
            channel.calls.put(cString: key)
            var reply = channel.awaitReply()
            let status = reply.get(eddy_status.self)
            let value = reply.str()
            if status == EDDY_OK { valueOut?.pointee = ChildContext.from(ctx).lend(value, as: String(cString: key)) }
            return status
        }
        table.log = { _, level, message in
            let channel = ChildChannel.shared!
            guard channel.begin(.log, size: 12 + message.len) else { return }
            channel.calls.put(level)
            channel.calls.put(message)
        }
        table.counter_add = { _, name, delta in
            let channel = ChildChannel.shared!
            guard let name, channel.begin(.counterAdd, size: strlen(name) + 17) else { return }
            channel.calls.put(cString: name)
            channel.calls.put(delta)
        }
        table.gauge_set = { _, name, value in
            let channel = ChildChannel.shared!
            guard let name, channel.begin(.gaugeSet, size: strlen(name) + 17) else { return }
            channel.calls.put(cString: name)
            channel.calls.put(value.bitPattern)
        }
        table.request_commit = { _ in
            _ = ChildChannel.shared!.begin(.requestCommit, size: 0)
        }
        table.emit = { _, index, key, value in
            let channel = ChildChannel.shared!
            guard channel.begin(.emit, size: 8 + WireWriter.size(of: key) + WireWriter.size(of: value)) else {
                return tooLarge("emit")
            }
            channel.calls.put(UInt64(index))
            channel.calls.put(key)
            channel.calls.put(value)
            return eddy_status(EDDY_OK)
        }
        table.session_put = { _, store, key, start, end, value in
            let channel = ChildChannel.shared!
            guard channel.begin(.sessionPut, size: 24 + WireWriter.size(of: key) + WireWriter.size(of: value)) else {
                return tooLarge("session_put")
            }
            channel.calls.put(handle(store))
            channel.calls.put(key)
            channel.calls.put(start)
            channel.calls.put(end)
            channel.calls.put(value)
            return eddy_status(EDDY_OK)
        }
        table.session_remove = { _, store, key, start, end in
            let channel = ChildChannel.shared!
            guard channel.begin(.sessionRemove, size: 24 + WireWriter.size(of: key)) else {
                return tooLarge("session_remove")
            }
            channel.calls.put(handle(store))
            channel.calls.put(key)
            channel.calls.put(start)
            channel.calls.put(end)
            return eddy_status(EDDY_OK)
        }
        table.session_fetch = { ctx, store, key, earliestEnd, latestStart, iteratorOut in
            let channel = ChildChannel.shared!
            guard channel.begin(.sessionFetch, size: 24 + WireWriter.size(of: key)) else {
                return tooLarge("session_fetch")
            }
            channel.calls.put(handle(store))
            channel.calls.put(key)
            channel.calls.put(earliestEnd)
            channel.calls.put(latestStart)
            return openIterator(ctx, channel, iteratorOut)
        }
        let pointer = UnsafeMutablePointer<eddy_host_api>.allocate(capacity: 1)
        pointer.initialize(to: table)
        return UnsafePointer(pointer)
    }()

    private static func handle(_ store: OpaquePointer?) -> UInt64 {
        UInt64(store.map { UInt(bitPattern: $0) } ?? 0)
    }

    /// Waits for the answer to an iterator-opening call and lends the plugin a child-side
    /// iterator around the worker's handle.
    private static func openIterator(
        _ ctx: OpaquePointer?, _ channel: ChildChannel, _ iteratorOut: UnsafeMutablePointer<OpaquePointer?>?
    ) -> eddy_status {
        var reply = channel.awaitReply()
        let status = reply.get(eddy_status.self)
        let handle = reply.get(UInt64.self)
        if status == EDDY_OK { iteratorOut?.pointee = ChildContext.from(ctx).opened(ChildIterator(handle: handle)) }
        return status
    }

    /// Task id or application id: asked once per instance, then lent from a copy.
    private static func lent(_ ctx: OpaquePointer?, _ call: Call, as key: String) -> eddy_str {
        let context = ChildContext.from(ctx)
        let known = context.lend(eddy_str(ptr: nil, len: 0), as: key)
        if known.ptr != nil { return known }
        let channel = ChildChannel.shared!
        _ = channel.begin(call, size: 0)
        var reply = channel.awaitReply()
        return context.lend(reply.str(), as: key)
    }

    /// A call whose arguments exceed the calls region: refused, with the reason set.
    private static func tooLarge(_ call: String) -> eddy_status {
        let channel = ChildChannel.shared!
        let message =
            "\(call): the arguments exceed the \(IsolationProtocol.regionSize >> 20) MiB an isolated plugin's call may carry"
        if channel.begin(.setError, size: 8 + message.utf8.count) { channel.calls.put(message) }
        return eddy_status(EDDY_INVALID_ARGUMENT)
    }
}
