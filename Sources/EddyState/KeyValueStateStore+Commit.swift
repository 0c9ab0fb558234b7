extension KeyValueStateStore {
    /// The number of keys written (or deleted) since the last commit, once each.
    public var dirtyEntryCount: Int { cache.dirtyCount }

    /// Bytes the uncommitted writes hold in the record cache.
    public var dirtyBytes: Int { cache.dirtyBytes }

    /// Calls `body` for every key written since the last commit, in unsigned key order, with
    /// its latest value or nil for a delete (a changelog tombstone). Buffers are borrowed for
    /// the call. The runtime produces these to the changelog; it must not write to the store
    /// between this call and ``commit(checkpoint:)``.
    public func forEachDirtyEntry(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer?) throws -> Void) rethrows {
        cache.sortDirty()
        try cache.forEachDirty(body)
    }

    /// Writes the uncommitted entries and the checkpoint `offsets` (changelog partition →
    /// next offset to read, i.e. the offset after the last changelog record of these entries)
    /// in one atomic RocksDB write batch. The written entries stay in the cache as clean
    /// entries (later reads of them skip RocksDB) while all caches sharing the budget hold at
    /// most half of it; otherwise the cache is emptied.
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
        // A range deletion also removed any write into its range made after it was queued.
        cache.committed(keepingClean: deletions.isEmpty && cache.budget.usedBytes <= cache.budget.maxBytes / 2)
    }

    /// Drops every uncommitted write: the store returns to its last committed state (after
    /// an aborted transaction). Nothing uncommitted ever reached RocksDB, so nothing else is
    /// needed. The clean entries go too (a write may have replaced one).
    public func discardUncommitted() {
        cache.removeAll()
        _ = takePendingRangeDeletions()
    }
}
