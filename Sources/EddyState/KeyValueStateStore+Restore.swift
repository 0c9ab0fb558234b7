extension KeyValueStateStore {
    /// How many bytes of changelog records a persistent store gathers before it writes them.
    ///
    /// Restore batches from the consumer are small (one poll); writing each alone inserts
    /// random keys into a large memtable. Gathered batches are written sorted by key, which
    /// measured 2.4× less CPU per record here (100k-record batches against 10k). The bytes
    /// are held only while the store restores.
    public static let restoreBufferBytes = 16 << 20

    /// Applies one batch of changelog records of `partition`, after which the store is
    /// complete up to `nextOffset` (the offset after the batch's last record).
    ///
    /// `fill` adds the records through the ``StoreRestoreBatch`` it receives, borrowing the
    /// consumer's buffers. A persistent store gathers batches until ``restoreBufferBytes``
    /// and writes them, sorted by key, with the advanced checkpoint in one atomic write
    /// batch; ``completeRestore()`` (or any read, commit or close) writes the rest, makes it
    /// durable and frees the buffer. A crash loses the restored records that are not durable
    /// yet together with the checkpoint that covers them, so restoration resumes from the
    /// checkpoint on disk. If `fill` throws, none of its records are applied. The store must
    /// have no uncommitted writes.
    public func restore(
        _ partition: ChangelogPartition, nextOffset: Int64, _ fill: (inout StoreRestoreBatch) throws -> Void
    ) throws {
        try ensureOpen()
        guard cache.dirtyCount == 0 else {
            throw StateStoreError.misuse(
                store: name,
                reason: "restore called with \(cache.dirtyCount) uncommitted writes; restore before processing, "
                    + "or commit or discard the writes first")
        }
        // Restored records change what the cache's clean entries repeat.
        cache.removeAll()
        guard nextOffset >= 0 else {
            throw StateStoreError.invalidArgument(
                store: name, reason: "restore checkpoint offset \(nextOffset) for \(partition) is negative")
        }
        switch backend {
        case .rocksDB(let db):
            let staging = restoreStaging(for: db)
            let mark = staging.mark
            var restoreBatch = StoreRestoreBatch(target: .rocksDB(staging))
            do {
                try fill(&restoreBatch)
            } catch {
                staging.rewind(to: mark)
                throw error
            }
            staging.pendingCheckpoint[partition] = nextOffset
            setCheckpoint(partition, nextOffset)
            if staging.byteCount >= Self.restoreBufferBytes { try writeGatheredRestore() }
        case .inMemory(let memory):
            var restoreBatch = StoreRestoreBatch(target: .inMemory(memory))
            try fill(&restoreBatch)
            setCheckpoint(partition, nextOffset)
        }
    }

    /// Writes the changelog records gathered by ``restore(_:nextOffset:_:)`` with their
    /// checkpoint, in one atomic write batch, and makes them durable. Call it when
    /// restoration ends; reads, commits and ``close()`` call it too.
    public func completeRestore() throws {
        try writeGatheredRestore()
        releaseRestoreStaging()
        if case .rocksDB(let db) = backend { try db.flushUnloggedWrites() }
    }

    /// Writes the gathered records and their checkpoint without the write-ahead log (the
    /// changelog is their log; see ``RocksDBDatabase``).
    private func writeGatheredRestore() throws {
        guard case .rocksDB(let db) = backend, let staging = pendingRestore() else { return }
        let batch = staging.batch
        defer { batch.clear() }
        staging.drain(into: batch)
        for (partition, offset) in staging.pendingCheckpoint { batch.putCheckpoint(partition, nextOffset: offset) }
        staging.pendingCheckpoint.removeAll()
        try db.write(batch, logged: false)
    }
}
