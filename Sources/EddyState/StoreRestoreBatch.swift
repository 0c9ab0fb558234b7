/// The changelog records of one restore batch, handed to the closure of
/// ``KeyValueStateStore/restore(_:nextOffset:_:)``.
///
/// Records must be added in changelog order; a later record for a key replaces an earlier one.
public struct StoreRestoreBatch {
    enum Target {
        case rocksDB(RestoreStaging)
        case inMemory(InMemoryDatabase)
    }

    let target: Target
    /// Records added so far.
    public private(set) var count = 0

    init(target: Target) {
        self.target = target
    }

    /// Adds a changelog record: `value` nil is a tombstone (the key was deleted).
    public mutating func apply(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer?) {
        count += 1
        switch target {
        case .rocksDB(let staging):
            staging.add(key, value)
        case .inMemory(let memory):
            if let value { memory.put(key, value) } else { memory.delete(key) }
        }
    }
}
