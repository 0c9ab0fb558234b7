/// The write-back cache in front of one store: the store's uncommitted writes.
///
/// Writes land here only, de-duplicated per key (a thousand updates of one key between two
/// commits are one entry), ordered by unsigned key bytes. Reads consult it before the
/// backing store, and a tombstone here hides the backing store's value. At commit its
/// entries go to the changelog and then, with the checkpoint, into the store in one batch.
struct RecordCache {
    /// A cached write: new value bytes, or a tombstone (a delete).
    struct Write {
        var bytes: [UInt8]
        var isTombstone: Bool
    }

    /// What the cache knows about a key.
    enum Lookup {
        case miss
        case tombstone
        case value
    }

    /// Bytes charged per entry beyond its key and value: array headers and map slots.
    static let entryOverhead = 64

    private(set) var entries = SortedByteMap<Write>()
    private(set) var bytes = 0
    let budget: RecordCacheBudget

    init(budget: RecordCacheBudget) {
        self.budget = budget
    }

    var count: Int { entries.count }
    var isEmpty: Bool { entries.isEmpty }

    /// Records a put (`value != nil`) or a delete (`value == nil`) of `key`.
    mutating func write(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer?) {
        let delta = entries.update(key, makeNew: { Write(bytes: [], isTombstone: true) }) { write, inserted in
            let before = inserted ? key.count + Self.entryOverhead : write.bytes.count
            write.bytes.removeAll(keepingCapacity: true)
            if let value {
                write.bytes.append(contentsOf: value)
                write.isTombstone = false
            } else {
                write.isTombstone = true
            }
            return inserted ? before + write.bytes.count : write.bytes.count - before
        }
        bytes += delta
        budget.charge(delta)
    }

    /// Calls `body` with the cached value of `key` (only for ``Lookup/value``).
    func lookup<R>(_ key: UnsafeRawBufferPointer, _ body: (Lookup, UnsafeRawBufferPointer?) throws -> R) rethrows -> R {
        let (p, found) = entries.lowerBound(key)
        guard found else { return try body(.miss, nil) }
        let write = entries.value(at: p)
        if write.isTombstone { return try body(.tombstone, nil) }
        return try write.bytes.withUnsafeBytes { try body(.value, $0) }
    }

    /// Drops every entry and returns their bytes to the budget.
    mutating func removeAll() {
        budget.charge(-bytes)
        bytes = 0
        entries.removeAll()
    }

    /// Drops the entries whose keys are in `[from, to)`.
    mutating func removeAll(from: UnsafeRawBufferPointer, to: UnsafeRawBufferPointer) {
        var freed = 0
        entries.removeAll(from: from, to: to) { entry in
            freed += entry.key.count + entry.value.bytes.count + Self.entryOverhead
        }
        bytes -= freed
        budget.charge(-freed)
    }
}
