import CRocksDB

/// A RocksDB write batch for one database: data writes and checkpoint entries that RocksDB
/// applies all or nothing. Commits take a fresh one (a batch kept for good would hold on to
/// the memory of the largest commit it ever carried); a restoration reuses one until it ends.
final class RocksDBWriteBatch {
    let handle: OpaquePointer
    private let database: RocksDBDatabase

    init(for database: RocksDBDatabase) {
        handle = rocksdb_writebatch_create()
        self.database = database
    }

    deinit { rocksdb_writebatch_destroy(handle) }

    func put(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) {
        rocksdb_writebatch_put_cf(
            handle, database.dataFamily,
            key.baseAddress?.assumingMemoryBound(to: CChar.self), key.count,
            value.baseAddress?.assumingMemoryBound(to: CChar.self), value.count)
    }

    func delete(_ key: UnsafeRawBufferPointer) {
        rocksdb_writebatch_delete_cf(
            handle, database.dataFamily, key.baseAddress?.assumingMemoryBound(to: CChar.self), key.count)
    }

    /// Deletes every key in `[from, to)`.
    func deleteRange(from: UnsafeRawBufferPointer, to: UnsafeRawBufferPointer) {
        rocksdb_writebatch_delete_range_cf(
            handle, database.dataFamily,
            from.baseAddress?.assumingMemoryBound(to: CChar.self), from.count,
            to.baseAddress?.assumingMemoryBound(to: CChar.self), to.count)
    }

    /// Records that the store is complete up to (excluding) `nextOffset` of `partition`.
    func putCheckpoint(_ partition: ChangelogPartition, nextOffset: Int64) {
        var key = CheckpointCodec.key(partition)
        var value = CheckpointCodec.value(nextOffset)
        key.withUnsafeMutableBytes { k in
            value.withUnsafeMutableBytes { v in
                rocksdb_writebatch_put_cf(
                    handle, database.checkpointFamily,
                    k.baseAddress?.assumingMemoryBound(to: CChar.self), k.count,
                    v.baseAddress?.assumingMemoryBound(to: CChar.self), v.count)
            }
        }
    }

    /// Empties the batch, keeping its memory for the next one.
    func clear() { rocksdb_writebatch_clear(handle) }
}
