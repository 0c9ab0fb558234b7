/// A typed view of a key-value state store the processor declared.
///
/// The host owns the data (persistent, changelogged if declared so, kept across hot
/// reloads); this view encodes keys and values with the serdes given to
/// `ProcessorContext.keyValueStore(_:key:value:)`.
public struct KeyValueStore<K: Serde, V: Serde> {
    @usableFromInline
    let context: ProcessorContext
    /// The store's name.
    public let name: String
    @usableFromInline
    let handle: OpaquePointer
    @usableFromInline
    let keySerde: K
    @usableFromInline
    let valueSerde: V

    /// The value of `key`, or nil when absent.
    @inlinable
    public func get(_ key: K.Value) throws -> V.Value? {
        let host = context.host
        let ctx = context.ctx
        var value = eddy_bytes.absent
        let status = try keySerde.serialize(key) { keyBuffer in
            host.pointee.kv_get!(ctx, handle, eddy_bytes(borrowing: keyBuffer), &value)
        }
        switch status {
        case EDDY_OK: return try valueSerde.deserialize(value.buffer ?? UnsafeRawBufferPointer(start: nil, count: 0))
        case EDDY_NOT_FOUND: return nil
        default: throw HostCallError(operation: "kv_get(\(name))", status: status)
        }
    }

    /// Writes `value` under `key`.
    @inlinable
    public func put(_ key: K.Value, _ value: V.Value) throws {
        let host = context.host
        let ctx = context.ctx
        let status = try keySerde.serialize(key) { keyBuffer in
            try valueSerde.serialize(value) { valueBuffer in
                host.pointee.kv_put!(ctx, handle, eddy_bytes(borrowing: keyBuffer), eddy_bytes(borrowing: valueBuffer))
            }
        }
        guard status == EDDY_OK else { throw HostCallError(operation: "kv_put(\(name))", status: status) }
    }

    /// Deletes `key`; deleting an absent key does nothing.
    @inlinable
    public func delete(_ key: K.Value) throws {
        let host = context.host
        let ctx = context.ctx
        let status = try keySerde.serialize(key) { keyBuffer in
            host.pointee.kv_delete!(ctx, handle, eddy_bytes(borrowing: keyBuffer))
        }
        guard status == EDDY_OK else { throw HostCallError(operation: "kv_delete(\(name))", status: status) }
    }

    /// Entries with keys in `from...to` (encoded keys compared bytewise, both inclusive; nil
    /// bounds are open), in key order.
    public func range(from: K.Value? = nil, to: K.Value? = nil) throws -> [(key: K.Value, value: V.Value)] {
        let host = context.host
        let ctx = context.ctx
        var iterator: OpaquePointer?
        let status = try withSerialized(from, keySerde) { fromSlice in
            try withSerialized(to, keySerde) { toSlice in
                host.pointee.kv_range!(ctx, handle, fromSlice, toSlice, &iterator)
            }
        }
        guard status == EDDY_OK, let iterator else {
            throw HostCallError(operation: "kv_range(\(name))", status: status)
        }
        return try drain(iterator) { entry in
            (try keySerde.deserializeKey(entry.key.buffer!), try valueSerde.deserialize(entry.value.buffer!))
        }
    }

    /// Entries whose encoded key starts with the encoding of `prefix`, in key order.
    public func prefixScan(_ prefix: K.Value) throws -> [(key: K.Value, value: V.Value)] {
        let host = context.host
        let ctx = context.ctx
        var iterator: OpaquePointer?
        let status = try keySerde.serialize(prefix) { prefixBuffer in
            host.pointee.kv_prefix_scan!(ctx, handle, eddy_bytes(borrowing: prefixBuffer), &iterator)
        }
        guard status == EDDY_OK, let iterator else {
            throw HostCallError(operation: "kv_prefix_scan(\(name))", status: status)
        }
        return try drain(iterator) { entry in
            (try keySerde.deserializeKey(entry.key.buffer!), try valueSerde.deserialize(entry.value.buffer!))
        }
    }

    /// Every entry, in key order.
    public func all() throws -> [(key: K.Value, value: V.Value)] { try range() }

    private func drain<T>(_ iterator: OpaquePointer, _ decode: (eddy_entry) throws -> T) throws -> [T] {
        try context.drain(iterator, operation: "iterator_next(\(name))", decode)
    }
}

/// A typed view of a window state store the processor declared: values per key and window
/// start.
public struct WindowStore<K: Serde, V: Serde> {
    @usableFromInline
    let context: ProcessorContext
    /// The store's name.
    public let name: String
    @usableFromInline
    let handle: OpaquePointer
    @usableFromInline
    let keySerde: K
    @usableFromInline
    let valueSerde: V

    /// Writes `value` for `key` in the window that starts at `windowStart` (ms).
    @inlinable
    public func put(_ key: K.Value, _ value: V.Value, windowStart: Int64) throws {
        let host = context.host
        let ctx = context.ctx
        let status = try keySerde.serialize(key) { keyBuffer in
            try valueSerde.serialize(value) { valueBuffer in
                host.pointee.window_put!(
                    ctx, handle, eddy_bytes(borrowing: keyBuffer), windowStart, eddy_bytes(borrowing: valueBuffer))
            }
        }
        guard status == EDDY_OK else { throw HostCallError(operation: "window_put(\(name))", status: status) }
    }

    /// The windows of `key` that start in `from...to` (ms), in order of window start.
    public func fetch(_ key: K.Value, from: Int64, to: Int64) throws -> [(windowStart: Int64, value: V.Value)] {
        let host = context.host
        let ctx = context.ctx
        var iterator: OpaquePointer?
        let status = try keySerde.serialize(key) { keyBuffer in
            host.pointee.window_fetch!(ctx, handle, eddy_bytes(borrowing: keyBuffer), from, to, &iterator)
        }
        guard status == EDDY_OK, let iterator else {
            throw HostCallError(operation: "window_fetch(\(name))", status: status)
        }
        return try context.drain(iterator, operation: "iterator_next(\(name))") { entry in
            (entry.window_start, try valueSerde.deserialize(entry.value.buffer!))
        }
    }
}

extension ProcessorContext {
    /// Reads an iterator to its end, decoding each entry, and closes it.
    func drain<T>(_ iterator: OpaquePointer, operation: String, _ decode: (eddy_entry) throws -> T) throws -> [T] {
        defer { host.pointee.iterator_close!(ctx, iterator) }
        var results: [T] = []
        while true {
            var entry = eddy_entry()
            entry.struct_size = UInt32(MemoryLayout<eddy_entry>.size)
            let status = host.pointee.iterator_next!(ctx, iterator, &entry)
            if status == EDDY_NOT_FOUND { return results }
            guard status == EDDY_OK else { throw HostCallError(operation: operation, status: status) }
            results.append(try decode(entry))
        }
    }
}
