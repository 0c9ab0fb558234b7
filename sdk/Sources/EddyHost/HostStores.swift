/// The storage behind a key-value store the host gives a processor.
///
/// The Eddy runtime implements it over RocksDB; `InMemoryKeyValueStore` backs the test
/// driver. Keys are compared bytewise. Borrowed buffers are valid only during each call.
public protocol KeyValueStorage: AnyObject {
    /// Calls `body` with the value of `key` (borrowed for `body`), or nil when absent.
    func get(_ key: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer?) -> Void)
    /// Writes `value` under `key`.
    func put(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer)
    /// Deletes `key`.
    func delete(_ key: UnsafeRawBufferPointer)
    /// Entries with keys in `[from, to]` (nil bounds are open), in key order.
    func range(from: [UInt8]?, to: [UInt8]?) -> any StoreIterator
    /// Entries whose key starts with `prefix`, in key order.
    func prefixScan(_ prefix: [UInt8]) -> any StoreIterator
}

/// The storage behind a window store: values per (key, window start).
public protocol WindowStorage: AnyObject {
    /// The window size in ms (window end = start + size).
    var windowSize: Int64 { get }
    /// Writes `value` for `key` in the window starting at `windowStart`.
    func put(_ key: UnsafeRawBufferPointer, windowStart: Int64, _ value: UnsafeRawBufferPointer)
    /// The windows of `key` whose start is in `[from, to]`, in order of start.
    func fetch(_ key: [UInt8], from: Int64, to: Int64) -> any StoreIterator
    /// Calls `body` with the value of `key`'s window starting at `windowStart` (borrowed for
    /// `body`), or nil: the windowed aggregations' lookup, once per record and window.
    func get(_ key: UnsafeRawBufferPointer, windowStart: Int64, _ body: (UnsafeRawBufferPointer?) -> Void)
}

/// The storage behind a session store: values per (key, session window), where a session
/// window `[start, end]` (both inclusive, ms) spans the records of one burst of activity.
///
/// The Eddy runtime implements it over RocksDB; `InMemorySessionStore` backs the test
/// drivers. Borrowed buffers are valid only during each call.
public protocol SessionStorage: AnyObject {
    /// The sessions of `key` that end at or after `earliestEnd` and start at or before
    /// `latestStart`, in order of start, then end (`windowStart`/`windowEnd` of each entry).
    func findSessions(_ key: UnsafeRawBufferPointer, earliestEnd: Int64, latestStart: Int64) -> [StoreEntry]
    /// Writes `value` for `key`'s session `[start, end]`.
    func put(_ key: UnsafeRawBufferPointer, start: Int64, end: Int64, _ value: UnsafeRawBufferPointer)
    /// Removes `key`'s session `[start, end]`; removing an absent one does nothing.
    func remove(_ key: UnsafeRawBufferPointer, start: Int64, end: Int64)
}

/// A cursor over store entries.
public protocol StoreIterator: AnyObject {
    /// The next entry, or nil at the end.
    func next() -> StoreEntry?
}

/// One store entry.
public struct StoreEntry: Equatable, Sendable {
    public var key: [UInt8]
    public var value: [UInt8]
    /// Window start and end (ms) for window stores; 0 for key-value stores.
    public var windowStart: Int64
    public var windowEnd: Int64

    public init(key: [UInt8], value: [UInt8], windowStart: Int64 = 0, windowEnd: Int64 = 0) {
        self.key = key
        self.value = value
        self.windowStart = windowStart
        self.windowEnd = windowEnd
    }
}

/// A store of one processor instance as the host API sees it: name, kind and storage.
public final class HostStore {
    public enum Storage {
        case keyValue(any KeyValueStorage)
        case window(any WindowStorage)
        case session(any SessionStorage)
    }

    public let name: String
    public let storage: Storage

    public init(name: String, storage: Storage) {
        self.name = name
        self.storage = storage
    }

    /// The store kind's name, for error messages.
    var kindName: String {
        switch storage {
        case .keyValue: return "key-value"
        case .window: return "window"
        case .session: return "session"
        }
    }
}

/// An iterator over a snapshot of entries (taken when the iterator was opened).
public final class SnapshotIterator: StoreIterator {
    private var entries: [StoreEntry]
    private var index = 0

    public init(_ entries: [StoreEntry]) { self.entries = entries }

    public func next() -> StoreEntry? {
        guard index < entries.count else { return nil }
        defer { index += 1 }
        return entries[index]
    }
}

/// A key-value store in memory, ordered bytewise on reads. Backs the test driver.
public final class InMemoryKeyValueStore: KeyValueStorage {
    /// The current contents.
    public private(set) var contents: [[UInt8]: [UInt8]] = [:]

    public init() {}

    public func get(_ key: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer?) -> Void) {
        guard let value = contents[Array(key)] else { return body(nil) }
        value.withUnsafeBytes { body($0) }
    }

    public func put(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) {
        contents[Array(key)] = Array(value)
    }

    public func delete(_ key: UnsafeRawBufferPointer) {
        contents[Array(key)] = nil
    }

    public func range(from: [UInt8]?, to: [UInt8]?) -> any StoreIterator {
        SnapshotIterator(
            sortedEntries().filter { entry in
                (from.map { !entry.key.lexicographicallyPrecedes($0) } ?? true)
                    && (to.map { !$0.lexicographicallyPrecedes(entry.key) } ?? true)
            })
    }

    public func prefixScan(_ prefix: [UInt8]) -> any StoreIterator {
        SnapshotIterator(sortedEntries().filter { $0.key.starts(with: prefix) })
    }

    /// All entries in key order.
    public func sortedEntries() -> [StoreEntry] {
        contents.map { StoreEntry(key: $0.key, value: $0.value) }
            .sorted { $0.key.lexicographicallyPrecedes($1.key) }
    }
}

/// A window store in memory. Backs the test driver.
public final class InMemoryWindowStore: WindowStorage {
    private struct WindowKey: Hashable {
        var key: [UInt8]
        var windowStart: Int64
    }

    public let windowSize: Int64
    private var contents: [WindowKey: [UInt8]] = [:]

    public init(windowSize: Int64) { self.windowSize = windowSize }

    public func put(_ key: UnsafeRawBufferPointer, windowStart: Int64, _ value: UnsafeRawBufferPointer) {
        contents[WindowKey(key: Array(key), windowStart: windowStart)] = Array(value)
    }

    public func fetch(_ key: [UInt8], from: Int64, to: Int64) -> any StoreIterator {
        SnapshotIterator(
            sortedEntries().filter { $0.key == key && $0.windowStart >= from && $0.windowStart <= to })
    }

    public func get(_ key: UnsafeRawBufferPointer, windowStart: Int64, _ body: (UnsafeRawBufferPointer?) -> Void) {
        guard let value = contents[WindowKey(key: Array(key), windowStart: windowStart)] else { return body(nil) }
        value.withUnsafeBytes { body($0) }
    }

    /// All entries ordered by key, then window start.
    public func sortedEntries() -> [StoreEntry] {
        contents.map {
            StoreEntry(
                key: $0.key.key, value: $0.value, windowStart: $0.key.windowStart,
                windowEnd: $0.key.windowStart + windowSize)
        }
        .sorted {
            $0.key == $1.key ? $0.windowStart < $1.windowStart : $0.key.lexicographicallyPrecedes($1.key)
        }
    }
}

/// A session store in memory. Backs the test drivers.
public final class InMemorySessionStore: SessionStorage {
    private struct SessionKey: Hashable {
        var key: [UInt8]
        var start: Int64
        var end: Int64
    }

    private var contents: [SessionKey: [UInt8]] = [:]

    public init() {}

    public func findSessions(_ key: UnsafeRawBufferPointer, earliestEnd: Int64, latestStart: Int64) -> [StoreEntry] {
        let wanted = Array(key)
        return contents.filter { $0.key.key == wanted && $0.key.end >= earliestEnd && $0.key.start <= latestStart }
            .map { StoreEntry(key: $0.key.key, value: $0.value, windowStart: $0.key.start, windowEnd: $0.key.end) }
            .sorted { ($0.windowStart, $0.windowEnd) < ($1.windowStart, $1.windowEnd) }
    }

    public func put(_ key: UnsafeRawBufferPointer, start: Int64, end: Int64, _ value: UnsafeRawBufferPointer) {
        contents[SessionKey(key: Array(key), start: start, end: end)] = Array(value)
    }

    public func remove(_ key: UnsafeRawBufferPointer, start: Int64, end: Int64) {
        contents[SessionKey(key: Array(key), start: start, end: end)] = nil
    }

    /// All sessions ordered by key, then start, then end.
    public func sortedEntries() -> [StoreEntry] {
        contents.map { StoreEntry(key: $0.key.key, value: $0.value, windowStart: $0.key.start, windowEnd: $0.key.end) }
            .sorted {
                $0.key == $1.key
                    ? ($0.windowStart, $0.windowEnd) < ($1.windowStart, $1.windowEnd)
                    : $0.key.lexicographicallyPrecedes($1.key)
            }
    }
}
