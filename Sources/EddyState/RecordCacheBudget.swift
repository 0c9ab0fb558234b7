/// A byte budget shared by the write-back record caches of several stores.
///
/// The runtime creates one per stream thread (sized from `statestore.cache.max.bytes`) and
/// hands it to every store of that thread's tasks. Caches never spill uncommitted data into
/// RocksDB: when ``isFull`` turns true the runtime commits early, which empties the caches.
/// The budget is therefore soft — it may be exceeded by the writes of the record being
/// processed when it fills up.
///
/// Not thread-safe: it belongs to the thread that owns the stores.
public final class RecordCacheBudget {
    /// The configured bound in bytes.
    public let maxBytes: Int
    /// Bytes currently held by all caches charged to this budget (keys, values and a fixed
    /// per-entry overhead).
    public private(set) var usedBytes = 0

    /// Creates a budget of `maxBytes` bytes (at least 1).
    public init(maxBytes: Int) {
        self.maxBytes = max(1, maxBytes)
    }

    /// Whether the caches hold at least ``maxBytes``: time to commit.
    public var isFull: Bool { usedBytes >= maxBytes }

    func charge(_ delta: Int) {
        usedBytes += delta
    }
}
