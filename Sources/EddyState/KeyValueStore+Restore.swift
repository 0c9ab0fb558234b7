extension KeyValueStore {
    /// Applies one batch of changelog records of `partition` and advances the checkpoint to
    /// `nextOffset` (the offset after the batch's last record), in one atomic write batch.
    ///
    /// `fill` adds the records through the ``StoreRestoreBatch`` it receives, borrowing the
    /// consumer's buffers (nothing is copied before RocksDB's own batch). A crash in the
    /// middle of restoration therefore loses nothing and resumes from the last applied batch.
    /// The store must have no uncommitted writes.
    public func restore(
        _ partition: ChangelogPartition, nextOffset: Int64, _ fill: (inout StoreRestoreBatch) throws -> Void
    ) throws {
        try ensureOpen()
        guard cache.isEmpty else {
            throw StateStoreError.misuse(
                store: name,
                reason: "restore called with \(cache.count) uncommitted writes; restore before processing, "
                    + "or commit or discard the writes first")
        }
        guard nextOffset >= 0 else {
            throw StateStoreError.invalidArgument(
                store: name, reason: "restore checkpoint offset \(nextOffset) for \(partition) is negative")
        }
        switch backend {
        case .rocksDB(let db):
            let batch = writeBatch()!
            defer { batch.clear() }
            var restoreBatch = StoreRestoreBatch(target: .rocksDB(batch))
            try fill(&restoreBatch)
            batch.putCheckpoint(partition, nextOffset: nextOffset)
            try db.write(batch)
        case .inMemory(let memory):
            var restoreBatch = StoreRestoreBatch(target: .inMemory(memory))
            try fill(&restoreBatch)
        }
        setCheckpoint(partition, nextOffset)
    }
}
