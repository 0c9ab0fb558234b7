/// A typed view of a session store the processor declared: values per key and session
/// window `[start, end]` (ms, both inclusive), as Kafka Streams' `SessionStore`.
///
/// The host owns the data (persistent, changelogged if declared so, kept across hot reloads,
/// sessions dropped once their end falls out of the declared retention). Get it from
/// `ProcessorContext.sessionStore(_:key:value:)`; it needs a host with ABI 1.3.
public struct SessionStore<K: Serde, V: Serde> {
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

    /// Writes `value` for `key`'s session `[start, end]` (a session that expired is dropped).
    @inlinable
    public func put(_ key: K.Value, _ value: V.Value, start: Int64, end: Int64) throws {
        let host = context.host
        let ctx = context.ctx
        let status = try keySerde.serialize(key) { keyBuffer in
            try valueSerde.serialize(value) { valueBuffer in
                host.pointee.session_put!(
                    ctx, handle, eddy_bytes(borrowing: keyBuffer), start, end, eddy_bytes(borrowing: valueBuffer))
            }
        }
        guard status == EDDY_OK else { throw HostCallError(operation: "session_put(\(name))", status: status) }
    }

    /// Removes `key`'s session `[start, end]`; removing an absent one does nothing.
    @inlinable
    public func remove(_ key: K.Value, start: Int64, end: Int64) throws {
        let host = context.host
        let ctx = context.ctx
        let status = try keySerde.serialize(key) { keyBuffer in
            host.pointee.session_remove!(ctx, handle, eddy_bytes(borrowing: keyBuffer), start, end)
        }
        guard status == EDDY_OK else { throw HostCallError(operation: "session_remove(\(name))", status: status) }
    }

    /// `key`'s sessions that end at or after `earliestSessionEndTime` and start at or before
    /// `latestSessionStartTime`, ordered by start, then end: the sessions a record at time t
    /// merges with are `findSessions(key, earliestSessionEndTime: t - gap, latestSessionStartTime: t + gap)`.
    public func findSessions(
        _ key: K.Value, earliestSessionEndTime: Int64, latestSessionStartTime: Int64
    ) throws -> [(start: Int64, end: Int64, value: V.Value)] {
        let host = context.host
        let ctx = context.ctx
        var iterator: OpaquePointer?
        let status = try keySerde.serialize(key) { keyBuffer in
            host.pointee.session_fetch!(
                ctx, handle, eddy_bytes(borrowing: keyBuffer), earliestSessionEndTime, latestSessionStartTime, &iterator
            )
        }
        guard status == EDDY_OK, let iterator else {
            throw HostCallError(operation: "session_fetch(\(name))", status: status)
        }
        return try context.drain(iterator, operation: "iterator_next(\(name))") { entry in
            (entry.window_start, entry.window_end, try valueSerde.deserialize(entry.value.buffer!))
        }
    }

    /// Every live session of `key`, ordered by start, then end.
    public func fetch(_ key: K.Value) throws -> [(start: Int64, end: Int64, value: V.Value)] {
        try findSessions(key, earliestSessionEndTime: 0, latestSessionStartTime: .max)
    }

    /// Whether the host's table is new enough (1.3) to have the session services.
    static func hostHasSessions(_ host: UnsafePointer<eddy_host_api>) -> Bool {
        Int(host.pointee.struct_size) >= MemoryLayout<eddy_host_api>.offset(of: \.session_fetch)!
            + MemoryLayout<UnsafeRawPointer>.size
    }
}
