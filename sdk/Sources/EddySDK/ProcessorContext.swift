/// What a processor instance can do with the host: forward records, use its stores,
/// schedule punctuations, read time, config and identity, log and count.
///
/// The host gives each instance its context in `init(context:)`; keep it in your processor.
/// Use it only from the processor's own callbacks (`init`, `process`, `punctuate`,
/// `close`), which the host runs on the stream thread that owns the task.
public struct ProcessorContext {
    @usableFromInline
    let host: UnsafePointer<eddy_host_api>
    @usableFromInline
    let ctx: OpaquePointer

    @usableFromInline
    init(host: UnsafePointer<eddy_host_api>, ctx: OpaquePointer) {
        self.host = host
        self.ctx = ctx
    }

    // MARK: - Forwarding

    /// Forwards `record` unchanged, to every child or to the child named `child`. Free of
    /// copies: the host reads the borrowed record.
    @inlinable
    public func forward(_ record: Record) throws {
        let status = host.pointee.forward.unsafelyUnwrapped(ctx, nil, record.raw)
        guard status == EDDY_OK else { throw HostCallError(operation: "forward(to: all children)", status: status) }
    }

    /// Forwards `record` unchanged to the child named `child`.
    public func forward(_ record: Record, to child: String) throws {
        try forwardRaw(record.raw, to: child)
    }

    /// Forwards a new record with raw key and value bytes (nil for null).
    public func forward(
        key: [UInt8]?, value: [UInt8]?, timestamp: Int64, headers: [Header] = [], to child: String? = nil
    ) throws {
        try withOptionalBytes(key) { keySlice in
            try withOptionalBytes(value) { valueSlice in
                try forward(key: keySlice, value: valueSlice, timestamp: timestamp, headers: headers, to: child)
            }
        }
    }

    /// Forwards a new record whose key and value are encoded with the given serdes
    /// (nil for a null key or value).
    @inlinable
    public func forward<K: Serde, V: Serde>(
        key: K.Value?, value: V.Value?, keySerde: K, valueSerde: V, timestamp: Int64,
        headers: [Header] = [], to child: String? = nil
    ) throws {
        try withSerialized(key, keySerde) { keySlice in
            try withSerialized(value, valueSerde) { valueSlice in
                try forward(key: keySlice, value: valueSlice, timestamp: timestamp, headers: headers, to: child)
            }
        }
    }

    // MARK: - Stores

    /// The key-value store `name`, which the processor declared in `stores`.
    public func keyValueStore<K: Serde, V: Serde>(_ name: String, key: K, value: V) throws -> KeyValueStore<K, V> {
        KeyValueStore(context: self, name: name, handle: try store(named: name), keySerde: key, valueSerde: value)
    }

    /// The window store `name`, which the processor declared in `stores`.
    public func windowStore<K: Serde, V: Serde>(_ name: String, key: K, value: V) throws -> WindowStore<K, V> {
        WindowStore(context: self, name: name, handle: try store(named: name), keySerde: key, valueSerde: value)
    }

    /// The session store `name`, which the processor declared in `stores`. Throws
    /// ``HostTooOld`` on a host older than ABI 1.3, which has no session store services.
    public func sessionStore<K: Serde, V: Serde>(_ name: String, key: K, value: V) throws -> SessionStore<K, V> {
        guard SessionStore<K, V>.hostHasSessions(host) else {
            throw HostTooOld(
                service: "session stores", required: "1.3", host: "\(host.pointee.abi_major).\(host.pointee.abi_minor)")
        }
        return SessionStore(context: self, name: name, handle: try store(named: name), keySerde: key, valueSerde: value)
    }

    // MARK: - Time and punctuation

    /// Schedules `punctuate` every `intervalMs` of stream time or wall-clock time.
    @discardableResult
    public func schedule(every intervalMs: Int64, _ type: PunctuationType) throws -> Schedule {
        var id: UInt64 = 0
        let status = host.pointee.schedule!(ctx, type.rawValue, intervalMs, &id)
        guard status == EDDY_OK else {
            throw HostCallError(operation: "schedule(every: \(intervalMs))", status: status)
        }
        return Schedule(id: id)
    }

    /// Cancels a schedule.
    public func cancel(_ schedule: Schedule) throws {
        let status = host.pointee.cancel!(ctx, schedule.id)
        guard status == EDDY_OK else { throw HostCallError(operation: "cancel(\(schedule.id))", status: status) }
    }

    /// Stream time of the task in ms (the largest record timestamp seen), nil before any record.
    public var streamTime: Int64? {
        let time = host.pointee.stream_time!(ctx)
        return time < 0 ? nil : time
    }

    /// The host's wall-clock time in ms since the epoch (driven by the test driver in tests).
    public var wallClockTime: Int64 { host.pointee.wall_clock_time!(ctx) }

    // MARK: - Identity and config

    /// The task id, e.g. `1_3` (sub-topology 1, partition 3).
    public var taskId: String { host.pointee.task_id!(ctx).string }

    /// The application id (`application.id`).
    public var applicationId: String { host.pointee.application_id!(ctx).string }

    /// The config value of `key` as text (defaults applied), or nil when unset.
    public func config(_ key: String) -> String? {
        var value = eddy_str(ptr: nil, len: 0)
        guard host.pointee.config!(ctx, key, &value) == EDDY_OK else { return nil }
        return value.string
    }

    /// The config value of `key` parsed as `type` (e.g. `Double.self`, `Int.self`, `Bool.self`).
    public func config<T: LosslessStringConvertible>(_ key: String, as type: T.Type) throws -> T {
        guard let text = config(key) else {
            throw ConfigError(key: key, reason: "not set and no default; set it in the processor's config")
        }
        guard let value = T(text) else {
            throw ConfigError(key: key, reason: "\"\(text)\" is not a valid \(T.self)")
        }
        return value
    }

    // MARK: - Observability

    /// Logs `message` at `level`, tagged by the host with the task and processor.
    public func log(_ level: LogLevel, _ message: String) {
        var text = message
        text.withUTF8 { host.pointee.log!(ctx, level.rawValue, eddy_str(borrowing: UnsafeRawBufferPointer($0))) }
    }

    /// Adds `delta` to the counter `name`.
    public func count(_ name: String, by delta: Int64 = 1) {
        host.pointee.counter_add!(ctx, name, delta)
    }

    /// Sets the gauge `name` to `value`.
    public func gauge(_ name: String, _ value: Double) {
        host.pointee.gauge_set!(ctx, name, value)
    }

    /// Asks the host to commit soon after this callback (Kafka Streams' `context.commit()`).
    public func requestCommit() {
        host.pointee.request_commit!(ctx)
    }

    // MARK: - Internals

    @usableFromInline
    func forwardRaw(_ record: UnsafePointer<eddy_record>, to child: String?) throws {
        let status: eddy_status
        if let child {
            status = host.pointee.forward!(ctx, child, record)
        } else {
            status = host.pointee.forward!(ctx, nil, record)
        }
        guard status == EDDY_OK else {
            throw HostCallError(operation: "forward(to: \(child ?? "all children"))", status: status)
        }
    }

    @usableFromInline
    func forward(key: eddy_bytes, value: eddy_bytes, timestamp: Int64, headers: [Header], to child: String?) throws {
        var record = eddy_record()
        record.struct_size = UInt32(MemoryLayout<eddy_record>.size)
        record.key = key
        record.value = value
        record.timestamp = timestamp
        record.partition = -1
        record.offset = -1
        if headers.isEmpty {
            try forwardRaw(&record, to: child)
        } else {
            try withHeaderArray(headers) { array, count in
                record.headers = array
                record.header_count = count
                try forwardRaw(&record, to: child)
            }
        }
    }

    func store(named name: String) throws -> OpaquePointer {
        var handle: OpaquePointer?
        let status = host.pointee.get_store!(ctx, name, &handle)
        guard status == EDDY_OK, let handle else {
            throw HostCallError(
                operation: "get_store(\(name)) — is it declared in the processor's stores?", status: status)
        }
        return handle
    }
}

/// Calls `body` with a slice over `bytes`, absent for nil.
@usableFromInline
func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (eddy_bytes) throws -> R) rethrows -> R {
    guard let bytes else { return try body(.absent) }
    return try bytes.withUnsafeBytes { try body(eddy_bytes(borrowing: $0)) }
}

/// Calls `body` with `value` encoded by `serde`, absent for nil.
@inlinable
func withSerialized<S: Serde, R>(_ value: S.Value?, _ serde: S, _ body: (eddy_bytes) throws -> R) throws -> R {
    guard let value else { return try body(.absent) }
    return try serde.serialize(value) { try body(eddy_bytes(borrowing: $0)) }
}

/// Lays `headers` out as an `eddy_header` array, with its bytes in one buffer, for the
/// duration of `body`.
@_spi(EddyHost)
public func withHeaderArray<R>(_ headers: [Header], _ body: (UnsafePointer<eddy_header>, Int) throws -> R) rethrows -> R
{
    let byteCount = headers.reduce(0) { $0 + $1.key.utf8.count + ($1.value?.count ?? 0) }
    let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(byteCount, 1), alignment: 1)
    let array = UnsafeMutablePointer<eddy_header>.allocate(capacity: headers.count)
    defer {
        array.deallocate()
        storage.deallocate()
    }
    var cursor = 0
    func place(_ bytes: some Collection<UInt8>) -> UnsafeRawBufferPointer {
        let slot = UnsafeMutableRawBufferPointer(rebasing: storage[cursor..<(cursor + bytes.count)])
        slot.copyBytes(from: bytes)
        cursor += bytes.count
        return UnsafeRawBufferPointer(slot)
    }
    for (index, header) in headers.enumerated() {
        let key = eddy_str(borrowing: place(header.key.utf8))
        let value = header.value.map { eddy_bytes(borrowing: place($0)) } ?? .absent
        array[index] = eddy_header(struct_size: UInt32(MemoryLayout<eddy_header>.size), key: key, value: value)
    }
    return try body(array, headers.count)
}

/// How a punctuation is driven.
public enum PunctuationType: Sendable {
    /// By stream time: the largest record timestamp the task has seen.
    case streamTime
    /// By the host's wall clock.
    case wallClockTime

    @usableFromInline
    var rawValue: eddy_punctuation_type {
        switch self {
        case .streamTime: return eddy_punctuation_type(EDDY_PUNCTUATE_STREAM_TIME)
        case .wallClockTime: return eddy_punctuation_type(EDDY_PUNCTUATE_WALL_CLOCK)
        }
    }
}

/// A scheduled punctuation; `punctuate` receives it when it fires.
public struct Schedule: Hashable, Sendable {
    /// The host's id for the schedule.
    public let id: UInt64
    public init(id: UInt64) { self.id = id }
}

/// Log levels, as in `eddy.h`.
public enum LogLevel: Int32, Sendable {
    case trace = 0, debug, info, warn, error
}
