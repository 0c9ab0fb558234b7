/// Time windows (Kafka Streams' `TimeWindows`): `[start, start + size)` starting every
/// `advance` ms of event time — tumbling when the advance is the size, hopping when smaller.
/// A record later than its window's end plus `grace` (in stream time) is dropped and counted.
public struct TimeWindows: Sendable, Equatable {
    public let size: Int64
    public let advance: Int64
    public let grace: Int64

    /// Tumbling windows of `size` ms that take late records for `grace` ms after they end.
    public static func ofSize(_ size: Int64, grace: Int64 = 0) -> TimeWindows {
        TimeWindows(size: size, advance: size, grace: grace)
    }

    /// The same windows starting every `advance` ms (hopping windows).
    public func advanceBy(_ advance: Int64) -> TimeWindows {
        TimeWindows(size: size, advance: advance, grace: grace)
    }

    /// How long the store keeps a window by default: its size plus the grace.
    public var defaultRetention: Int64 { size + grace }
}

/// Sliding windows (Kafka Streams' `SlidingWindows`): for each record at `t`, the window
/// `[t - difference, t]`, and one starting just after it when a later record falls within
/// `difference`; so every distinct set of records no further than `difference` apart has
/// exactly one window.
public struct SlidingWindows: Sendable, Equatable {
    public let difference: Int64
    public let grace: Int64

    public static func ofTimeDifference(_ difference: Int64, grace: Int64 = 0) -> SlidingWindows {
        SlidingWindows(difference: difference, grace: grace)
    }

    /// How long the store keeps a window by default: twice the difference plus the grace.
    public var defaultRetention: Int64 { 2 * difference + grace }
}

/// Session windows (Kafka Streams' `SessionWindows`): a key's records less than `gap` ms
/// apart share a session `[first, last]`; a record that bridges two sessions merges them.
public struct SessionWindows: Sendable, Equatable {
    public let gap: Int64
    public let grace: Int64

    public static func ofInactivityGap(_ gap: Int64, grace: Int64 = 0) -> SessionWindows {
        SessionWindows(gap: gap, grace: grace)
    }

    /// How long the store keeps a session by default: the gap plus the grace.
    public var defaultRetention: Int64 { gap + grace }
}

/// A key with its window: what windowed aggregations emit.
public struct Windowed<Key> {
    public var key: Key
    /// Window start and end in ms: `[start, end)` for time windows, `[start, end]` for
    /// sliding and session windows.
    public var start: Int64
    public var end: Int64

    public init(key: Key, start: Int64, end: Int64) {
        self.key = key
        self.start = start
        self.end = end
    }
}

extension Windowed: Equatable where Key: Equatable {}
extension Windowed: Hashable where Key: Hashable {}
extension Windowed: Sendable where Key: Sendable {}
extension Windowed: CustomStringConvertible {
    public var description: String { "\(key)@\(start)-\(end)" }
}

/// Keys of time and sliding windows as Kafka Streams' `TimeWindowedSerde` writes them: the
/// key's bytes, then the window start (8 bytes, big-endian). The end is the start plus
/// `windowSize`, which is not written.
public struct TimeWindowedSerde<Inner: Serde>: Serde {
    public let inner: Inner
    public let windowSize: Int64

    public init(_ inner: Inner, windowSize: Int64) {
        self.inner = inner
        self.windowSize = windowSize
    }

    public var name: String { "windowed(\(inner.name))" }

    public func serialize<R>(_ value: Windowed<Inner.Value>, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        try inner.serialize(value.key) { key in
            try withWindowBytes(key, [value.start], body)
        }
    }

    public func deserialize(_ bytes: UnsafeRawBufferPointer) throws -> Windowed<Inner.Value> {
        guard bytes.count >= 8 else {
            throw SerdeError(serde: name, reason: "\(bytes.count) bytes, shorter than a window start (8 bytes)")
        }
        let start = Int64(bigEndian: bytes.loadUnaligned(fromByteOffset: bytes.count - 8, as: Int64.self))
        let key = try inner.deserialize(UnsafeRawBufferPointer(rebasing: bytes[..<(bytes.count - 8)]))
        return Windowed(key: key, start: start, end: start + windowSize)
    }
}

/// Keys of session windows as Kafka Streams' `SessionWindowedSerde` writes them: the key's
/// bytes, then the session's end and start (8 bytes each, big-endian).
public struct SessionWindowedSerde<Inner: Serde>: Serde {
    public let inner: Inner

    public init(_ inner: Inner) { self.inner = inner }

    public var name: String { "session-windowed(\(inner.name))" }

    public func serialize<R>(_ value: Windowed<Inner.Value>, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        try inner.serialize(value.key) { key in
            try withWindowBytes(key, [value.end, value.start], body)
        }
    }

    public func deserialize(_ bytes: UnsafeRawBufferPointer) throws -> Windowed<Inner.Value> {
        guard bytes.count >= 16 else {
            throw SerdeError(
                serde: name, reason: "\(bytes.count) bytes, shorter than a session's end and start (16 bytes)")
        }
        let end = Int64(bigEndian: bytes.loadUnaligned(fromByteOffset: bytes.count - 16, as: Int64.self))
        let start = Int64(bigEndian: bytes.loadUnaligned(fromByteOffset: bytes.count - 8, as: Int64.self))
        let key = try inner.deserialize(UnsafeRawBufferPointer(rebasing: bytes[..<(bytes.count - 16)]))
        return Windowed(key: key, start: start, end: end)
    }
}

/// Calls `body` with `key` followed by `times` (8 bytes each, big-endian).
private func withWindowBytes<R>(
    _ key: UnsafeRawBufferPointer, _ times: [Int64], _ body: (UnsafeRawBufferPointer) throws -> R
) rethrows -> R {
    var bytes = [UInt8](key)
    for time in times { withUnsafeBytes(of: time.bigEndian) { bytes.append(contentsOf: $0) } }
    return try bytes.withUnsafeBytes(body)
}

/// When a `suppress` lets a windowed table's updates go on (Kafka Streams' `Suppressed`).
public struct Suppressed: Sendable, Equatable {
    public enum Until: Sendable, Equatable {
        case windowCloses
        case timeLimit(Int64)
    }

    public let until: Until
    /// Buffer bounds (nil: unbounded).
    public let maxRecords: Int64?
    public let maxBytes: Int64?
    /// When the buffer is full: emit the oldest updates early, or fail the task.
    public let emitEarlyWhenFull: Bool

    /// Exactly one final result per window, when stream time passes its end plus its grace.
    /// With bounds, a full buffer fails the task (an early result would not be final).
    public static func untilWindowCloses(maxRecords: Int64? = nil, maxBytes: Int64? = nil) -> Suppressed {
        Suppressed(until: .windowCloses, maxRecords: maxRecords, maxBytes: maxBytes, emitEarlyWhenFull: false)
    }

    /// A key's latest update, `limit` ms of stream time after its first buffered one; when
    /// the buffer is full, the oldest updates go early (or, with `emitEarlyWhenFull: false`,
    /// the task fails).
    public static func untilTimeLimit(
        _ limit: Int64, maxRecords: Int64? = nil, maxBytes: Int64? = nil, emitEarlyWhenFull: Bool = true
    ) -> Suppressed {
        Suppressed(
            until: .timeLimit(limit), maxRecords: maxRecords, maxBytes: maxBytes, emitEarlyWhenFull: emitEarlyWhenFull)
    }
}
