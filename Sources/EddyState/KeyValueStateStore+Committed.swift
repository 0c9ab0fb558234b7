extension KeyValueStateStore {
    /// Runs `body` with every read of this store (gets and scans, and so the window and
    /// session reads built on them) seeing committed data only: RocksDB or the in-memory map,
    /// never the record cache. Under exactly-once that is what the last committed transaction
    /// covers, which is what an interactive query may answer. Reads only: writes made inside
    /// `body` still go to the cache.
    ///
    /// Called on the stream thread that owns the store, between two runs of records.
    public func readingCommitted<R>(_ body: () throws -> R) rethrows -> R {
        readsCommittedOnly = true
        defer { readsCommittedOnly = false }
        return try body()
    }
}

extension WindowStateStore {
    /// Runs `body` reading committed windows only (see ``KeyValueStateStore/readingCommitted(_:)``).
    public func readingCommitted<R>(_ body: () throws -> R) rethrows -> R { try store.readingCommitted(body) }
}

extension SessionStateStore {
    /// Runs `body` reading committed sessions only (see ``KeyValueStateStore/readingCommitted(_:)``).
    public func readingCommitted<R>(_ body: () throws -> R) rethrows -> R { try store.readingCommitted(body) }
}
