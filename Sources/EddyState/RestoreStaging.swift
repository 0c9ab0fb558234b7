#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Gathers restore batches and hands them to RocksDB sorted by key, last write per key only.
///
/// A changelog arrives in offset order, which is random key order; inserting random keys
/// into a large memtable skip list costs a cache miss per level. Sorted input lets the skip
/// list reuse its search path from one insert to the next, and dropping overwritten records
/// saves their inserts altogether. Records are copied once into a reusable arena, so
/// a restoration allocates nothing once the arena and the write batch have grown.
final class RestoreStaging {
    private struct Record {
        /// ``bytePrefix(_:)`` of the key: most comparisons end here.
        var prefix: UInt64
        var keyOffset: Int
        var keyLength: Int
        var valueOffset: Int
        /// -1 for a tombstone.
        var valueLength: Int
        var sequence: Int
    }

    /// The write batch the gathered records go into, reused for the whole restoration.
    let batch: RocksDBWriteBatch
    private var arena: [UInt8] = []
    private var records: [Record] = []
    /// The checkpoint the staged records bring the store to, written with them.
    var pendingCheckpoint: [ChangelogPartition: Int64] = [:]

    init(batch: RocksDBWriteBatch) {
        self.batch = batch
    }

    /// Whether there is nothing to write: no records and no checkpoint.
    var isEmpty: Bool { records.isEmpty && pendingCheckpoint.isEmpty }

    /// Bytes held: record bytes plus their index.
    var byteCount: Int { arena.count + records.count * MemoryLayout<Record>.stride }

    /// A point to ``rewind(to:)`` to, dropping what was added after it.
    var mark: (arena: Int, records: Int) { (arena.count, records.count) }

    func rewind(to mark: (arena: Int, records: Int)) {
        arena.removeSubrange(mark.arena...)
        records.removeSubrange(mark.records...)
    }

    func add(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer?) {
        let prefix = bytePrefix(key)
        let keyOffset = arena.count
        arena.append(contentsOf: key)
        let valueOffset = arena.count
        if let value { arena.append(contentsOf: value) }
        records.append(
            Record(
                prefix: prefix, keyOffset: keyOffset, keyLength: key.count, valueOffset: valueOffset,
                valueLength: value?.count ?? -1, sequence: records.count))
    }

    /// Drops the staged records (not the pending checkpoint).
    func clear() {
        arena.removeAll(keepingCapacity: true)
        records.removeAll(keepingCapacity: true)
    }

    /// Sorts by key (then arrival), writes the last record of each key into `batch`, and
    /// empties the staging area. Returns the number of records written.
    @discardableResult
    func drain(into batch: RocksDBWriteBatch) -> Int {
        defer { clear() }
        return arena.withUnsafeBytes { bytes in
            records.sort { a, b in
                if a.prefix != b.prefix { return a.prefix < b.prefix }
                let order = compareBytes(
                    UnsafeRawBufferPointer(rebasing: bytes[a.keyOffset..<(a.keyOffset + a.keyLength)]),
                    UnsafeRawBufferPointer(rebasing: bytes[b.keyOffset..<(b.keyOffset + b.keyLength)]))
                return order != 0 ? order < 0 : a.sequence < b.sequence
            }
            var written = 0
            for index in records.indices {
                let record = records[index]
                let key = UnsafeRawBufferPointer(
                    rebasing: bytes[record.keyOffset..<(record.keyOffset + record.keyLength)])
                if index + 1 < records.count {
                    let next = records[index + 1]
                    if next.prefix == record.prefix && next.keyLength == record.keyLength
                        && memcmp(bytes.baseAddress! + next.keyOffset, key.baseAddress!, key.count) == 0
                    {
                        continue
                    }
                }
                if record.valueLength < 0 {
                    batch.delete(key)
                } else {
                    batch.put(
                        key,
                        UnsafeRawBufferPointer(
                            rebasing: bytes[record.valueOffset..<(record.valueOffset + record.valueLength)]))
                }
                written += 1
            }
            return written
        }
    }
}
