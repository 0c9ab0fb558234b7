extension KeyValueStore {
    /// The number of keys written (or deleted) since the last commit, once each.
    public var dirtyEntryCount: Int { cache.count }

    /// Bytes the uncommitted writes hold in the record cache.
    public var dirtyBytes: Int { cache.bytes }

    /// Calls `body` for every key written since the last commit, in unsigned key order, with
    /// its latest value or nil for a delete (a changelog tombstone). Buffers are borrowed for
    /// the call. The runtime produces these to the changelog; it must not write to the store
    /// between this call and ``commit(checkpoint:)``.
    public func forEachDirtyEntry(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer?) throws -> Void) rethrows {
        let entries = cache.entries
        var p = entries.start(atOrAfter: nil)
        while entries.isValid(p) {
            let entry = entries.entry(at: p)
            try entry.key.withUnsafeBytes { k in
                if entry.value.isTombstone {
                    try body(k, nil)
                } else {
                    try entry.value.bytes.withUnsafeBytes { v in try body(k, v) }
                }
            }
            p = entries.position(after: p)
        }
    }

    /// Writes the uncommitted entries and the checkpoint `offsets` (changelog partition →
    /// next offset to read, i.e. the offset after the last changelog record of these entries)
    /// in one atomic RocksDB write batch, then empties the cache.
    ///
    /// Call it after the Kafka transaction that carried the changelog records committed.
    /// Either everything is written or nothing is (the cache is kept when it throws), so the
    /// checkpoint can never claim data the store does not have.
    public func commit(checkpoint offsets: [ChangelogPartition: Int64]) throws {
        try ensureOpen()
        for (partition, offset) in offsets where offset < 0 {
            throw StateStoreError.invalidArgument(
                store: name, reason: "checkpoint offset \(offset) for \(partition) is negative")
        }
        try completeRestore()
        let deletions = takePendingRangeDeletions()
        switch backend {
        case .rocksDB(let db):
            let batch = RocksDBWriteBatch(for: db)
            forEachDirtyEntry { key, value in
                if let value { batch.put(key, value) } else { batch.delete(key) }
            }
            for range in deletions {
                range.from.withUnsafeBytes { f in range.to.withUnsafeBytes { t in batch.deleteRange(from: f, to: t) } }
            }
            for (partition, offset) in offsets { batch.putCheckpoint(partition, nextOffset: offset) }
            try db.write(batch, logged: true)
        case .inMemory(let memory):
            forEachDirtyEntry { key, value in
                if let value { memory.put(key, value) } else { memory.delete(key) }
            }
            for range in deletions {
                range.from.withUnsafeBytes { f in
                    range.to.withUnsafeBytes { t in _ = memory.data.removeAll(from: f, to: t) { _ in } }
                }
            }
        }
        for (partition, offset) in offsets { setCheckpoint(partition, offset) }
        cache.removeAll()
    }

    /// Drops every uncommitted write: the store returns to its last committed state (after
    /// an aborted transaction). Nothing uncommitted ever reached RocksDB, so nothing else is
    /// needed.
    public func discardUncommitted() {
        cache.removeAll()
        _ = takePendingRangeDeletions()
    }
}
